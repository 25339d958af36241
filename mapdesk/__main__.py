"""``python -m mapdesk`` and the ``mapdesk`` command: the CLI, or the desktop app."""

from __future__ import annotations

import multiprocessing
import sys

from mapdesk.cli import main as cli_main


def start_gui(paths: list[str]) -> int:
    """Open the desktop app (imported here only: the CLI never needs Qt widgets)."""
    from mapdesk.ui.app import run

    return run(paths)


def main() -> int:
    # In a frozen app the reader sandbox's spawned child starts this same
    # executable; freeze_support() turns it into the child instead of a
    # second mapdesk (a no-op when not frozen).
    multiprocessing.freeze_support()
    return cli_main(sys.argv[1:], start_gui=start_gui)


if __name__ == "__main__":
    sys.exit(main())
