"""Attempt every corpus file in worker processes, each file with a time limit.

Shared by ``test_corpus.py`` and ``make_corpus_expected.py``. Two long-lived
workers (``corpus_worker.py``) take files one at a time; when a worker crashes
(a GDAL segfault) or passes the time limit, that file's outcome is a
``"crash"`` and a fresh worker carries on with the rest.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty, Queue
from typing import IO, Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).parents[2].parent / "shared" / "corpus"
EXPECTED = Path(__file__).parent / "data" / "corpus_expected.json"
WORKER = Path(__file__).with_name("corpus_worker.py")
TIMEOUT_S = 60.0
STARTUP_S = 120.0

#: Sidecars and documents: part of another file, or not data at all.
SIDECAR_SUFFIXES = {".shx", ".prj", ".cpg", ".sbn", ".sbx", ".qpj", ".xml", ".xsd", ".md"}
DOC_STEMS = {"LICENSE", "LICENCE", "ATTRIBUTION", "README", "COPYING", "NOTICE"}


def is_data_file(path: Path) -> bool:
    """True for the files the corpus test attempts (a lone .dbf is one)."""
    suffix = path.suffix.lower()
    if path.stem.upper() in DOC_STEMS or path.name.upper() in DOC_STEMS:
        return False
    if suffix == ".dbf":
        return not any(path.with_suffix(s).exists() for s in (".shp", ".SHP"))
    return suffix not in SIDECAR_SUFFIXES


def data_files(root: Path = CORPUS) -> list[str]:
    """Corpus-relative POSIX paths of every data file, sorted."""
    found = (p for p in root.rglob("*") if p.is_file() and is_data_file(p))
    return sorted(p.relative_to(root).as_posix() for p in found)


class Worker:
    """One corpus_worker.py child, answering one file at a time."""

    def __init__(self, root: Path) -> None:
        # Kept open for the worker's whole life (its stderr), closed in stop().
        self.log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(REPO_ROOT)]))
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER), str(root)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            cwd=REPO_ROOT,
        )
        self.buffer = b""
        if self._answer(STARTUP_S) is None:
            raise RuntimeError(f"corpus worker did not start: {self._log_tail()}")

    def _answer(self, timeout: float) -> dict[str, Any] | None:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:  # the worker died
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _log_tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-800:]

    def attempt(self, relative: str, timeout: float = TIMEOUT_S) -> dict[str, Any]:
        """The outcome for one file, or a ``crash`` entry if the worker failed."""
        assert self.proc.stdin is not None
        started = time.monotonic()
        try:
            self.proc.stdin.write((relative + "\n").encode())
            self.proc.stdin.flush()
        except BrokenPipeError:
            return {"crash": "the worker had died before this file"}
        answer = self._answer(timeout)
        if answer is not None:
            return answer
        self.stop()
        code = self.proc.returncode
        took = time.monotonic() - started
        why = f"timed out after {took:.0f} s" if took >= timeout else f"exit code {code}"
        return {"crash": f"{why}; stderr: {self._log_tail()}"}

    def stop(self) -> None:
        """End the child (only this worker's own process)."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


def _drain(
    root: Path, todo: Queue[str], results: dict[str, dict[str, Any]], timeout: float
) -> None:
    worker = Worker(root)
    try:
        while True:
            try:
                relative = todo.get_nowait()
            except Empty:
                return
            results[relative] = worker.attempt(relative, timeout)
            if not worker.alive:
                worker = Worker(root)
    finally:
        worker.stop()


def attempt_all(
    files: list[str], root: Path = CORPUS, workers: int = 2, timeout: float = TIMEOUT_S
) -> dict[str, Any]:
    """Every file's outcome, computed by ``workers`` child processes in parallel."""
    todo: Queue[str] = Queue()
    for relative in files:
        todo.put(relative)
    results: dict[str, dict[str, Any]] = {}
    threads = [
        threading.Thread(target=_drain, args=(root, todo, results, timeout), daemon=True)
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {f: results.get(f, {"crash": "never attempted"}) for f in files}
