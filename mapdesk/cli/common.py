"""What every headless command shares: one-line errors, progress, projects from paths."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable

from mapdesk.core.project import Project

#: Exit status for errors the user can fix (bad file, bad option).
EXIT_USAGE = 2


def fail(message: str) -> int:
    """Print one line for a person (never a traceback); the usage exit status."""
    print(f"mapdesk: error: {' '.join(message.split())}", file=sys.stderr)
    return EXIT_USAGE


def progress(step: str) -> None:
    """A step of long work, on stderr so stdout stays the result."""
    print(f"mapdesk: {step} ...", file=sys.stderr, flush=True)


def project_for(paths: list[str]) -> Project:
    """A ``.mapdesk`` project, the given data files (all their layers), or the demo."""
    if not paths:
        from mapdesk.io.demo import open_demo_project

        return open_demo_project()
    if len(paths) == 1 and paths[0].lower().endswith(".mapdesk"):
        return Project.open(paths[0])
    project = Project()
    for path in paths:
        project.add_layers(path)
    return project


def number_between(
    unit: str, low: float, high: float, low_allowed: bool = False
) -> Callable[[str], float]:
    """An argparse type: a number of ``unit`` above ``low`` (or at it) and at most ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number of {unit}") from None
        above = value >= low if low_allowed else value > low
        if not (math.isfinite(value) and above and value <= high):
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g} {unit}")
        return value

    return parse
