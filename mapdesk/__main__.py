"""``python -m mapdesk`` and the ``mapdesk`` command: the CLI, or the desktop app."""

from __future__ import annotations

import multiprocessing
import sys

from mapdesk.cli import main as cli_main


def start_gui(paths: list[str]) -> int:
    """Open the desktop app (imported here only: the CLI never needs Qt widgets)."""
    from mapdesk.ui.app import run

    return run(paths)


def check_window() -> tuple[str, str]:
    """``self-check --gui``: open, draw and close the main window on the demo."""
    from mapdesk.ui.startup_check import check_main_window

    return check_main_window()


def main() -> int:
    # In a frozen app the reader sandbox's spawned child starts this same
    # executable; freeze_support() turns it into the child instead of a
    # second mapdesk (a no-op when not frozen).
    multiprocessing.freeze_support()
    return cli_main(sys.argv[1:], start_gui=start_gui, check_window=check_window)


if __name__ == "__main__":
    sys.exit(main())
