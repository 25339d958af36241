"""What the bundle leaves out (installer/bundle_contents.py), without building it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

INSTALLER = Path(__file__).resolve().parents[2] / "installer"
_spec = importlib.util.spec_from_file_location("bundle_contents", INSTALLER / "bundle_contents.py")
assert _spec and _spec.loader
contents = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(contents)

LINKS = {
    "/wheel/qgtk3.so": {"libgtk-3.so.0", "libglib-2.0.so.0"},
    "/sys/libgtk-3.so.0": {"libcairo.so.2", "libglib-2.0.so.0"},
    "/sys/libcairo.so.2": set(),
    "/sys/libglib-2.0.so.0": set(),
    "/wheel/QtCore.so": {"libglib-2.0.so.0"},
    "/wheel/xcb.so": {"libxcb.so.1"},
    "/sys/libxcb.so.1": set(),
}


def entry(destination: str, source: str) -> tuple[str, str, str]:
    return (destination, source, "BINARY")


def test_libraries_only_a_left_out_plugin_needed_are_dropped() -> None:
    binaries = [
        entry("PySide6/QtCore.abi3.so", "/wheel/QtCore.so"),
        entry("PySide6/Qt/plugins/platforms/libqxcb.so", "/wheel/xcb.so"),
        entry("libgtk-3.so.0", "/sys/libgtk-3.so.0"),
        entry("libcairo.so.2", "/sys/libcairo.so.2"),
        entry("libglib-2.0.so.0", "/sys/libglib-2.0.so.0"),
        entry("libxcb.so.1", "/sys/libxcb.so.1"),
        ("libgtk-3.so", "libgtk-3.so.0", "SYMLINK"),
    ]  # the GTK theme plugin itself was already filtered out
    kept = contents.prune_orphan_libraries(binaries, LINKS.__getitem__)
    names = [dest for dest, _, _ in kept]
    assert names == [
        "PySide6/QtCore.abi3.so",
        "PySide6/Qt/plugins/platforms/libqxcb.so",
        "libglib-2.0.so.0",  # still needed by QtCore
        "libxcb.so.1",  # needed through the xcb plugin
    ]


def test_libraries_python_extension_modules_link_to_stay() -> None:
    """_ssl and _sqlite3 are EXTENSION entries: libssl and libsqlite3 must stay."""
    binaries = [
        ("python3.11/lib-dynload/_ssl.so", "/py/_ssl.so", "EXTENSION"),
        entry("libssl.so.3", "/sys/libssl.so.3"),
        entry("libcrypto.so.3", "/sys/libcrypto.so.3"),
    ]
    links = {"/py/_ssl.so": {"libssl.so.3"}, "/sys/libssl.so.3": {"libcrypto.so.3"}}
    kept = contents.prune_orphan_libraries(binaries, lambda path: links.get(path, set()))
    assert kept == binaries


def test_a_library_needed_only_through_another_kept_library_stays() -> None:
    binaries = [
        entry("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/wheel/qgtk3.so"),
        entry("libgtk-3.so.0", "/sys/libgtk-3.so.0"),
        entry("libcairo.so.2", "/sys/libcairo.so.2"),
        entry("libglib-2.0.so.0", "/sys/libglib-2.0.so.0"),
    ]
    kept = contents.prune_orphan_libraries(binaries, LINKS.__getitem__)
    assert len(kept) == 4


def test_unused_parts_are_recognised_by_name_and_path() -> None:
    assert contents.is_unused_binary("pyarrow/libarrow_flight.so.2600")
    assert contents.is_unused_binary("PySide6/Qt/plugins/platformthemes/libqgtk3.so")
    assert not contents.is_unused_binary("PySide6/Qt/plugins/platforms/libqxcb.so")
    # pyarrow.lib links libarrow_substrait: leaving it out breaks import pyarrow.
    assert not contents.is_unused_binary("pyarrow/libarrow_substrait.so.2600")
    assert contents.is_unused_data("fiona/proj_data/proj.db")
    assert not contents.is_unused_data("pyogrio/proj_data/proj.db")
    assert not contents.is_unused_data("mapdesk/resources/demo/greater_portland_demo.gpkg")
