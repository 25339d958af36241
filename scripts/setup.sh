# Shared set-up for scripts/run.sh and scripts/test.sh (sourced, not run).
# Installs what a fresh Debian/Ubuntu machine lacks: the system libraries Qt's
# window needs (xcb, EGL, fontconfig), python3-venv, then the Python packages
# into ./.venv. Each step is skipped when already done, so re-runs are quick.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"
PYTHON="${MAPDESK_PYTHON:-python3}"

# Libraries PySide6's xcb/offscreen platform plugins load at start-up.
QT_SYSTEM_PACKAGES=(
  libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
  libxkbcommon0 libxkbcommon-x11-0 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0
  libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libxrender1 libxi6 fonts-dejavu-core
)

# What only the tests need: headless Chromium for the web-map safety tests,
# poppler's pdftoppm/pdftotext for the map-layout tests, QGIS for the .qgz
# interop test, PostgreSQL with PostGIS for the shared-layer tests (they start
# their own throw-away cluster; see tests/io/postgis/server.py). (npm, to fetch
# Leaflet, see ensure_web_assets.) binutils: strip and readelf for
# installer/build.sh, which tests/installer runs.
TEST_SYSTEM_PACKAGES=(chromium poppler-utils qgis python3-qgis postgresql postgresql-15-postgis-3 binutils)

# Leaflet and its marker-cluster plug-in from the npm registry, unpacked into
# .cache/web-assets for the browser tests to serve in place of the CDN.
WEB_ASSETS="$REPO_ROOT/.cache/web-assets"
ensure_web_assets() {
  local pkg
  # Debian's npm only when no npm is there: a Node.js from elsewhere brings
  # its own, and apt refuses to put Debian's beside it.
  command -v npm >/dev/null || install_debs npm
  for pkg in leaflet@1.9.4 leaflet.markercluster@1.5.3; do
    # package.json is the last thing unpacked: a half-done earlier try is redone.
    [ -f "$WEB_ASSETS/${pkg%@*}/package.json" ] && continue
    mkdir -p "$WEB_ASSETS/${pkg%@*}"
    (cd "$WEB_ASSETS" && npm pack --silent "$pkg" >/dev/null &&
      tar -xzf "${pkg%@*}-${pkg#*@}.tgz" -C "${pkg%@*}" --strip-components=1 &&
      rm "${pkg%@*}-${pkg#*@}.tgz")
  done
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing_debs() {
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

install_debs() {
  command -v apt-get >/dev/null || { echo "Not a Debian/Ubuntu system: install $* yourself." >&2; return 0; }
  local missing
  missing=$(missing_debs "$@")
  [ -z "$missing" ] && return 0
  echo "Installing system packages: $missing"
  as_root apt-get update -qq
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
}

ensure_python() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || {
    echo "mapdesk needs Python 3.11 or newer as '$PYTHON' (set MAPDESK_PYTHON to choose one)." >&2
    exit 1
  }
  # Debian splits venv/ensurepip into python3-venv.
  "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || install_debs python3-venv python3-pip
}

# ensure_venv EXTRAS: create .venv and install mapdesk (editable) with EXTRAS,
# re-installing only when pyproject.toml changed since the last install.
ensure_venv() {
  local extras="$1" stamp="$VENV/.mapdesk-installed" want
  want="$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -c1-16)-$extras"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$REPO_ROOT$extras"
    echo "$want" > "$stamp"
  fi
}
