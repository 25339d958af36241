#!/usr/bin/env bash
# Build the Linux desktop bundle:
#     dist/mapdesk-<version>-linux-x86_64.tar.gz
# holding the one-folder PyInstaller build, a .desktop entry, the icons and
# install.sh. Sets up ./.venv with the dev extra (PyInstaller) first, as
# scripts/test.sh does, unless BUNDLE_PYTHON names a Python that has it.
# Environment:
#     BUNDLE_PYTHON  the Python whose packages go into the bundle (.venv/bin/python)
#     BUILD_DIR      PyInstaller's work folder (build/installer)
#     DIST_DIR       where the archive goes (dist)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ -n "${BUNDLE_PYTHON:-}" ]; then
  PY="$BUNDLE_PYTHON"
else
  source "$ROOT/scripts/setup.sh"
  install_debs binutils "${QT_SYSTEM_PACKAGES[@]}"
  ensure_python
  ensure_venv "[dev]"
  PY="$VENV/bin/python"
fi
WORK="${BUILD_DIR:-$ROOT/build/installer}"
DIST="${DIST_DIR:-$ROOT/dist}"
cd "$ROOT"
VERSION="$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
NAME="mapdesk-$VERSION"
ARCHIVE="$DIST/$NAME-linux-$(uname -m).tar.gz"

echo "== PyInstaller ($("$PY" -m PyInstaller --version))"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --workpath "$WORK/work" --distpath "$WORK/dist" installer/mapdesk.spec

echo "== staging $NAME"
STAGE="$WORK/stage/$NAME"
rm -rf "$WORK/stage"
mkdir -p "$STAGE"
cp -a "$WORK/dist/mapdesk/." "$STAGE/"
install -m 0644 installer/linux/mapdesk.desktop "$STAGE/mapdesk.desktop"
for size in 16 24 32 48 64 128 256; do
  install -D -m 0644 "mapdesk/resources/icons/app/mapdesk-$size.png" \
    "$STAGE/icons/hicolor/${size}x${size}/apps/mapdesk.png"
done
install -D -m 0644 mapdesk/resources/icons/mapdesk.svg "$STAGE/icons/hicolor/scalable/apps/mapdesk.svg"
install -m 0755 installer/linux/install.sh "$STAGE/install.sh"
install -m 0644 installer/linux/README.txt "$STAGE/README.txt"
# Caches Python writes while the build imports packages are not part of the app.
find "$STAGE" -name '__pycache__' -type d -prune -exec rm -rf {} +
"$PY" installer/slim_bundle.py "$STAGE"

echo "== archive"
mkdir -p "$DIST"
tar -C "$WORK/stage" -czf "$ARCHIVE" "$NAME"
unpacked_mb=$(du -s --apparent-size --block-size=1M "$STAGE" | cut -f1)
archive_mb=$(du --apparent-size --block-size=1M "$ARCHIVE" | cut -f1)
echo "$ARCHIVE: $archive_mb MB, $unpacked_mb MB unpacked"
