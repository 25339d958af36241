"""Feed mutated files through the production read path and count what happens.

Every input goes to :func:`mapdesk.io.loader.load_user_layer`, the entry point
Add Layer and the CLI use, so it is read in the reader sandbox's child: a
segfault in GDAL ends the child, never pytest. Each input must either load
(a VectorLayer) or raise a MapdeskError whose message names the file
(RELIABILITY.md row 1 and "Suggested release gates"). Anything else is a
failure the final assertion lists by input: an exception of another type, a
message that does not name the file (the child wraps an exception that escaped
the registry as ``"KeyError: …"``), a read past the 20 s limit, or a change
to the source files (their bytes, or a new file beside them).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy

from mapdesk.core.errors import MapdeskError
from mapdesk.core.layer import VectorLayer
from mapdesk.io.loader import load_user_layer
from mapdesk.io.sandbox import ReaderCrashedError, ReaderTimeoutError
from tests.io.fuzz.byte_mutations import byte_mutants
from tests.support.reliability import record

#: Turns a hypothesis example into the files of one input (name -> bytes).
Builder = Callable[[Any], dict[str, bytes]]

#: Inputs per format in the normal run; ``MAPDESK_FUZZ_INPUTS`` asks for more.
DEFAULT_INPUTS = 500
INPUTS_ENV = "MAPDESK_FUZZ_INPUTS"
#: GDAL's fuzzer budget per file (RELIABILITY.md row 1).
SECONDS_PER_INPUT = 20

#: Outcomes that make the test fail.
FAILURES = ("hangs", "unhandled", "source_changes")


def inputs_wanted() -> int:
    """How many inputs to feed per format: 500, or ``MAPDESK_FUZZ_INPUTS``."""
    text = os.environ.get(INPUTS_ENV, "").strip()
    return max(int(text), 1) if text else DEFAULT_INPUTS


@dataclass
class FuzzTally:
    """What the inputs of one format did, and which inputs did what matters.

    Attributes
    ----------
    counts
        ``loaded``, ``refused``, ``contained``, and the failures of :data:`FAILURES`.
    notable
        ``(outcome, input label, detail)`` for every contained crash and failure,
        so the assertion message says how to reproduce each.
    """

    counts: Counter[str] = field(default_factory=Counter)
    read_seconds: float = 0.0
    notable: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        return sum(self.counts[k] for k in ("loaded", "refused", "contained", *FAILURES))

    def add(self, outcome: str, label: str, detail: str = "") -> None:
        self.counts[outcome] += 1
        if outcome not in ("loaded", "refused"):
            self.notable.append((outcome, label, detail))

    def record_and_check(self, case: str, minimum: int) -> None:
        """Record the figures for docs/reliability.md, then assert on the same counts."""
        c = self.counts
        record(
            1,
            case,
            inputs=self.inputs,
            loaded=c["loaded"],
            refused=c["refused"],
            contained=c["contained"],
            crashes=0,  # the test process is alive to record this
            hangs=c["hangs"],
            unhandled=c["unhandled"],
            source_changes=c["source_changes"],
            mean_read_ms=round(1000 * self.read_seconds / max(self.inputs, 1), 1),
        )
        listing = "\n".join(f"  {o}: {label}: {detail}" for o, label, detail in self.notable)
        print(f"{case}: {dict(c)} in {self.read_seconds:.1f} s of reads")
        if self.notable:
            print(f"{case}: inputs that crashed the reader or failed:\n{listing}")
        assert self.inputs >= minimum, f"{case}: only {self.inputs} inputs of {minimum}"
        assert all(c[k] == 0 for k in FAILURES), f"{case}: {dict(c)}\n{listing}"


class FuzzTarget:
    """A folder holding one file set (e.g. a shapefile's members) that inputs overwrite.

    Parameters
    ----------
    folder
        An empty folder of its own.
    main
        The file name handed to the loader (``fuzz.shp``, ``fuzz.geojson``).
    """

    def __init__(self, folder: Path, main: str) -> None:
        self.folder = folder
        self.main = main
        self.tally = FuzzTally()

    def feed(self, label: str, members: dict[str, bytes]) -> str:
        """Write ``members`` (file name -> bytes), read the main file, count the outcome."""
        for stale in self.folder.iterdir():
            stale.unlink() if stale.is_file() else shutil.rmtree(stale)
        for name, data in members.items():
            (self.folder / name).write_bytes(data)
        before = _snapshot(self.folder)
        started = time.perf_counter()
        outcome, detail = self._read(members)
        self.tally.read_seconds += time.perf_counter() - started
        if _snapshot(self.folder) != before:
            outcome, detail = "source_changes", f"{sorted(before)} -> {_listing(self.folder)}"
        self.tally.add(outcome, label, detail)
        return outcome

    def _read(self, members: dict[str, bytes]) -> tuple[str, str]:
        path = self.folder / self.main
        try:
            layer = load_user_layer(str(path), None)
        except ReaderTimeoutError as exc:
            return "hangs", str(exc)
        except ReaderCrashedError as exc:
            return "contained", str(exc)
        except MapdeskError as exc:
            named = any(name in str(exc) for name in members)
            return ("refused", "") if named else ("unhandled", f"no file name: {exc}")
        except Exception as exc:
            return "unhandled", f"{type(exc).__name__}: {exc}"
        if not isinstance(layer, VectorLayer):
            return "unhandled", f"returned {type(layer).__name__}"
        return "loaded", ""


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "<folder>"
        for p in sorted(folder.iterdir())
    }


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def feed_byte_mutants(
    target: FuzzTarget,
    seeds: list[dict[str, bytes]],
    member_suffix: str,
    count: int,
    offsets: list[int],
    seed: int,
) -> None:
    """Feed ``count`` byte mutants of each seed's ``member_suffix`` file, its other members intact.

    The mutated member is saved under the target's stem (``fuzz.dbf``), so a
    shapefile's members keep matching names.
    """
    stem = Path(target.main).stem
    renamed = [{f"{stem}{Path(n).suffix.lower()}": d for n, d in s.items()} for s in seeds]
    member = f"{stem}{member_suffix}"
    pool = [(f"seed {i} {member}", s[member]) for i, s in enumerate(renamed)]
    for label, data in byte_mutants(pool, count, offsets, seed):
        index = int(label.split()[1])
        target.feed(label, {**renamed[index], member: data})


def feed_examples(
    target: FuzzTarget, strategy: SearchStrategy[Any], build: Builder, count: int
) -> int:
    """Feed up to ``count`` hypothesis examples of ``strategy``, each built into a file set.

    Runs derandomized (the same inputs every run, on every machine). The inner
    test never fails, so hypothesis does not shrink: the outcomes are counted
    on ``target`` and asserted once for the whole format. Returns how many
    examples hypothesis produced (fewer than ``count`` when it ran out).
    """
    fed = 0

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(strategy)
    def feed_one(example: Any) -> None:
        nonlocal fed
        fed += 1
        target.feed(f"hypothesis example {fed}: {_short(example)}", build(example))

    feed_one()
    return fed


def _short(example: Any) -> str:
    text = repr(example)
    return text if len(text) <= 300 else text[:300] + "…"
