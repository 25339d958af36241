#!/usr/bin/env bash
# Set up (first time only) and start mapdesk on the Greater Portland demo.
# Extra arguments are passed on: files or a .mapdesk project to open instead.
source "$(dirname "$0")/setup.sh"
install_debs "${QT_SYSTEM_PACKAGES[@]}"
ensure_python
ensure_venv ""
exec "$VENV/bin/mapdesk" "$@"
