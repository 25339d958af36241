#!/usr/bin/env bash
# Install mapdesk from this unpacked folder, for you or (as root) for everyone:
#     ./install.sh               copy the app and add it to the desktop's menu
#     ./install.sh --uninstall   remove what install.sh added (also from the
#                                installed copy: /opt/mapdesk/install.sh --uninstall)
# Where it goes (PREFIX overrides):
#     you:  ~/.local/opt/mapdesk, ~/.local/bin/mapdesk, ~/.local/share/{applications,icons}
#     root: /opt/mapdesk, /usr/local/bin/mapdesk, /usr/local/share/{applications,icons}
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ "$(id -u)" = 0 ]; then
  APP_DIR="${PREFIX:-/opt}/mapdesk"
  SHARE="${PREFIX:-/usr/local}/share"
  BIN="${PREFIX:-/usr/local}/bin"
else
  APP_DIR="${PREFIX:-$HOME/.local/opt}/mapdesk"
  SHARE="${PREFIX:-$HOME/.local}/share"
  BIN="${PREFIX:-$HOME/.local}/bin"
fi
ICON_SIZES="16 24 32 48 64 128 256"

refresh_menus() {
  # Desktops pick up new entries by themselves; these make it immediate where present.
  command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
  command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}

uninstall() {
  # Only what install.sh wrote: the app folder it made (marked), the link, the entry, the icons.
  if [ -d "$APP_DIR" ] && [ ! -f "$APP_DIR/.installed-by-mapdesk" ]; then
    echo "install.sh: $APP_DIR was not made by install.sh; leaving it alone" >&2
    exit 1
  fi
  rm -rf "$APP_DIR"
  [ -L "$BIN/mapdesk" ] && rm -f "$BIN/mapdesk"
  rm -f "$SHARE/applications/mapdesk.desktop"
  for size in $ICON_SIZES; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/mapdesk.png"; done
  rm -f "$SHARE/icons/hicolor/scalable/apps/mapdesk.svg"
  refresh_menus
  echo "mapdesk removed (your projects, settings and edit journals are kept)"
}

install_app() {
  if [ "$HERE" = "$APP_DIR" ]; then
    echo "install.sh: this is the installed copy; run it from the unpacked archive, or with --uninstall" >&2
    exit 1
  fi
  if [ -e "$APP_DIR" ] && [ ! -f "$APP_DIR/.installed-by-mapdesk" ]; then
    echo "install.sh: $APP_DIR exists and was not made by install.sh; move it away first" >&2
    exit 1
  fi
  if [ -e "$BIN/mapdesk" ] && [ ! -L "$BIN/mapdesk" ]; then
    echo "install.sh: $BIN/mapdesk exists and is not install.sh's link; move it away first" >&2
    exit 1
  fi
  # Copy beside, then swap: a failed copy leaves the installed version working.
  mkdir -p "$(dirname "$APP_DIR")" "$BIN" "$SHARE/applications"
  rm -rf "$APP_DIR.new"
  mkdir "$APP_DIR.new"
  # install.sh goes along, so the installed copy can remove itself later.
  cp -a "$HERE/mapdesk" "$HERE/_internal" "$HERE/install.sh" "$APP_DIR.new/"
  touch "$APP_DIR.new/.installed-by-mapdesk"
  rm -rf "$APP_DIR.old"
  [ -e "$APP_DIR" ] && mv "$APP_DIR" "$APP_DIR.old"
  mv "$APP_DIR.new" "$APP_DIR"
  rm -rf "$APP_DIR.old"
  ln -sfn "$APP_DIR/mapdesk" "$BIN/mapdesk"
  sed "s|^Exec=mapdesk|Exec=\"$APP_DIR/mapdesk\"|" "$HERE/mapdesk.desktop" \
    > "$SHARE/applications/mapdesk.desktop"
  for size in $ICON_SIZES; do
    install -D -m 0644 "$HERE/icons/hicolor/${size}x${size}/apps/mapdesk.png" \
      "$SHARE/icons/hicolor/${size}x${size}/apps/mapdesk.png"
  done
  install -D -m 0644 "$HERE/icons/hicolor/scalable/apps/mapdesk.svg" \
    "$SHARE/icons/hicolor/scalable/apps/mapdesk.svg"
  refresh_menus
  echo "mapdesk installed in $APP_DIR"
  echo "start it from the desktop's menu, or run: $BIN/mapdesk"
  echo "check it with: $BIN/mapdesk self-check"
  echo "remove it with: $APP_DIR/install.sh --uninstall"
}

case "${1:-}" in
  "") install_app ;;
  --uninstall) uninstall ;;
  *) echo "usage: $0 [--uninstall]" >&2; exit 2 ;;
esac
