#!/usr/bin/env bash
# Set up (first time only) and run the whole check: ruff, mypy, the
# import-linter contracts of DESIGN.md, the Qt-free core/io tests with PySide6
# blocked, then the full pytest suite (Qt tests offscreen). Extra arguments go
# to the final pytest run.
source "$(dirname "$0")/setup.sh"
install_debs "${QT_SYSTEM_PACKAGES[@]}" "${TEST_SYSTEM_PACKAGES[@]}"
ensure_web_assets
ensure_python
ensure_venv "[dev]"
cd "$REPO_ROOT"
export QT_QPA_PLATFORM=offscreen
PY="$VENV/bin/python"

echo "== ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
echo "== mypy (strict on core/io/export)"
"$VENV/bin/mypy"
echo "== import-linter"
"$VENV/bin/lint-imports"
echo "== core and io with PySide6 blocked"
PYTHONPATH="$REPO_ROOT/tests/support/block_qt" "$PY" -m pytest -q -p no:pytest-qt \
  -m "not corpus" tests/core tests/io tests/data
echo "== pytest"
"$PY" -m pytest -q "$@"
