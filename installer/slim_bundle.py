"""Make a built Linux bundle smaller without changing what it runs.

Run by build.sh on the one-folder build, before it is archived:

* strips symbol tables and debug information from shared libraries that
  auditwheel did not patch (libpython alone carries 17 MB of debug data);
  libraries auditwheel grafted into ``*.libs`` folders, and extension modules
  whose run path it rewrote, are left as they are: ``strip`` rewrites section
  headers patchelf moved, and such a library no longer loads.
* turns identical copies of a file in one folder (wheels cannot hold symbolic
  links, so ``libarrow_python.so``, ``.so.2600`` and ``.so.2600.1.0`` are three
  copies) into links to one of them.

Usage: python installer/slim_bundle.py BUNDLE_DIR
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ELF_MAGIC = b"\x7fELF"


def is_elf(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == ELF_MAGIC


def patched_by_auditwheel(path: Path) -> bool:
    """True for a file in a ``*.libs`` folder, or one whose run path points at one."""
    if any(part.endswith(".libs") for part in path.parts):
        return True
    dynamic = subprocess.run(
        ["readelf", "-d", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return any(
        ("RPATH" in line or "RUNPATH" in line) and ".libs" in line for line in dynamic.splitlines()
    )


def strip_file(path: Path) -> int:
    """Strip ``path`` in place; returns the bytes saved (0 when strip fails)."""
    before = path.stat().st_size
    stripped = path.with_name(path.name + ".stripped")
    done = subprocess.run(
        ["strip", "--strip-unneeded", "-o", str(stripped), str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0 or not stripped.exists():
        stripped.unlink(missing_ok=True)
        return 0
    os.chmod(stripped, path.stat().st_mode)
    os.replace(stripped, path)
    return before - path.stat().st_size


def strip_libraries(bundle: Path) -> int:
    saved = 0
    for path in sorted(bundle.rglob("*")):
        if path.is_symlink() or not path.is_file() or not is_elf(path):
            continue
        if patched_by_auditwheel(path):
            continue
        saved += strip_file(path)
    return saved


def link_identical_copies(bundle: Path) -> int:
    """Replace identical files in one folder by links to the longest-named one."""
    groups: dict[tuple[Path, int, str], list[Path]] = defaultdict(list)
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.stat().st_size < 64 * 1024:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        groups[(path.parent, path.stat().st_size, digest)].append(path)
    saved = 0
    for (_, size, _), paths in groups.items():
        if len(paths) < 2:
            continue
        keep = max(paths, key=lambda p: (len(p.name), p.name))
        for copy in paths:
            if copy != keep:
                copy.unlink()
                copy.symlink_to(keep.name)
                saved += size
    return saved


def remove_dangling_links(bundle: Path) -> int:
    count = 0
    for path in bundle.rglob("*"):
        if path.is_symlink() and not path.exists():
            path.unlink()
            count += 1
    return count


def main(argv: list[str]) -> int:
    bundle = Path(argv[0])
    stripped = strip_libraries(bundle)
    linked = link_identical_copies(bundle)
    dangling = remove_dangling_links(bundle)
    print(
        f"slim_bundle: stripped {stripped / 2**20:.1f} MB, linked {linked / 2**20:.1f} MB "
        f"of identical copies, removed {dangling} dangling links"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
