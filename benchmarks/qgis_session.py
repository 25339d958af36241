"""QGIS 3.22 in a child process that renders one figure at a time on request.

run.py times mapdesk and QGIS turn about, render for render, so that both
sample the same moments of a shared machine whose speed drifts by tens of
percent over minutes; timing one after the other let that drift decide the
ratio. The child is ``qgis_render.py serve`` under Debian's interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "qgis_render.py"


def qgis_environment() -> dict[str, str]:
    """Debian's interpreter with its own packages, not this virtualenv's, headless."""
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def write_job(job: dict[str, Any]) -> str:
    """The job as a temporary JSON file (the caller deletes it)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(job, handle)
        return handle.name


def last_json(stdout: str) -> dict[str, Any]:
    """The last JSON object line of a child's output (QGIS may print other lines)."""
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"no JSON in QGIS output:\n{stdout[-2000:]}")


class QgisSession:
    """``with QgisSession(python, job) as qgis: qgis.render_seconds(key, figure)``."""

    def __init__(self, python: str, job: dict[str, Any], script: Path = SCRIPT) -> None:
        self._python = python
        self._job = job
        self._script = script
        self._job_path = ""
        self._child: subprocess.Popen[str] | None = None

    def __enter__(self) -> QgisSession:
        self._job_path = write_job(self._job)
        self._child = subprocess.Popen(
            [self._python, str(self._script), "serve", self._job_path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=qgis_environment(),
        )
        self._reply()  # {"ready": true} once the layers are open
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        child, self._child = self._child, None
        if child is not None:
            try:
                if child.stdin is not None:
                    child.stdin.write("quit\n")
                    child.stdin.close()
                child.wait(timeout=60)
            except (OSError, subprocess.TimeoutExpired):
                child.kill()
                child.wait()
        if self._job_path:
            os.unlink(self._job_path)
            self._job_path = ""

    def render_seconds(self, key: str, figure: str) -> float:
        """Wall time of one QGIS render of ``figure`` in ``key``'s view."""
        return float(self._ask(f"render {key} {figure}")["seconds"])

    def save_image(self, key: str, figure: str, folder: Path) -> None:
        self._ask(f"image {key} {figure} {folder}")

    def identify_s(self) -> float:
        """Median time of one identify click on the points (the job's clicks)."""
        return float(self._ask("identify")["identify_s"])

    def _ask(self, request: str) -> dict[str, Any]:
        child = self._running()
        assert child.stdin is not None
        child.stdin.write(request + "\n")
        child.stdin.flush()
        reply = self._reply()
        if "error" in reply:
            raise RuntimeError(f"qgis_render.py: {reply['error']}")
        return reply

    def _reply(self) -> dict[str, Any]:
        child = self._running()
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("{"):
                return dict(json.loads(line))
        raise RuntimeError(f"qgis_render.py serve ended (status {child.wait()})")

    def _running(self) -> subprocess.Popen[str]:
        if self._child is None:
            raise RuntimeError("the QGIS session is not open")
        return self._child


def run_qgis_once(python: str, command: str, job: dict[str, Any]) -> dict[str, Any]:
    """Run one qgis_render.py command in a fresh child and return the JSON it printed."""
    job_path = write_job(job)
    try:
        done = subprocess.run(
            [python, str(SCRIPT), command, job_path],
            capture_output=True,
            text=True,
            env=qgis_environment(),
            check=False,
        )
    finally:
        os.unlink(job_path)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"qgis_render.py {command} failed")
    return last_json(done.stdout)
