#!/usr/bin/env bash
# Install mapdesk from this unpacked folder, for you or (as root) for everyone:
#     ./install.sh               copy the app and add it to the desktop's menu
#     ./install.sh --uninstall   remove what install.sh added (also from the
#                                installed copy: /opt/mapdesk/install.sh --uninstall)
# Where it goes (PREFIX overrides):
#     you:  ~/.local/opt/mapdesk, ~/.local/bin/mapdesk, ~/.local/share/{applications,icons}
#     root: /opt/mapdesk, /usr/local/bin/mapdesk, /usr/local/share/{applications,icons}
set -euo pipefail
# Files for everyone must be readable by everyone, whatever umask root has.
umask 022
HERE="$(cd "$(dirname "$0")" && pwd -P)"
MARKER=".installed-by-mapdesk"
ICON_SIZES="16 24 32 48 64 128 256"

if [ -f "$HERE/$MARKER" ]; then
  # The installed copy: it knows where it was put (and removes only that).
  # shellcheck disable=SC1090
  source "$HERE/$MARKER"
elif [ -n "${PREFIX:-}" ]; then
  PREFIX="$(realpath -m "$PREFIX")"
  APP_DIR="$PREFIX/mapdesk" SHARE="$PREFIX/share" BIN="$PREFIX/bin"
elif [ "$(id -u)" = 0 ]; then
  APP_DIR="/opt/mapdesk" SHARE="/usr/local/share" BIN="/usr/local/bin"
else
  APP_DIR="$HOME/.local/opt/mapdesk" SHARE="$HOME/.local/share" BIN="$HOME/.local/bin"
fi

refresh_menus() {
  # Desktops pick up new entries by themselves; these make it immediate where present.
  if command -v update-desktop-database >/dev/null; then
    update-desktop-database -q "$SHARE/applications" || true
  fi
  if command -v gtk-update-icon-cache >/dev/null; then
    gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
  fi
}

our_link() {
  # True when $BIN/mapdesk is the link install.sh made to this installation.
  [ -L "$BIN/mapdesk" ] && [ "$(readlink "$BIN/mapdesk")" = "$APP_DIR/mapdesk" ]
}

uninstall() {
  # Only what install.sh wrote: the app folder it made (marked), its link, the entry, the icons.
  if [ -d "$APP_DIR" ] && [ ! -f "$APP_DIR/$MARKER" ]; then
    echo "install.sh: $APP_DIR was not made by install.sh; leaving it alone" >&2
    exit 1
  fi
  rm -rf "$APP_DIR"
  if our_link; then rm -f "$BIN/mapdesk"; fi
  rm -f "$SHARE/applications/mapdesk.desktop"
  for size in $ICON_SIZES; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/mapdesk.png"; done
  rm -f "$SHARE/icons/hicolor/scalable/apps/mapdesk.svg"
  refresh_menus
  echo "mapdesk removed from $APP_DIR (your projects, settings and edit journals are kept)"
}

install_app() {
  if [ -f "$HERE/$MARKER" ]; then
    echo "install.sh: this is the installed copy; run it from the unpacked archive, or with --uninstall" >&2
    exit 1
  fi
  if [ -e "$APP_DIR" ] && [ ! -f "$APP_DIR/$MARKER" ]; then
    echo "install.sh: $APP_DIR exists and was not made by install.sh; move it away first" >&2
    exit 1
  fi
  if { [ -e "$BIN/mapdesk" ] || [ -L "$BIN/mapdesk" ]; } && ! our_link; then
    echo "install.sh: $BIN/mapdesk exists and was not made by install.sh; move it away first" >&2
    exit 1
  fi
  # Copy beside, then swap: a failed copy leaves the installed version working.
  mkdir -p "$(dirname "$APP_DIR")" "$BIN" "$SHARE/applications"
  rm -rf "$APP_DIR.new"
  mkdir "$APP_DIR.new"
  # install.sh goes along, so the installed copy can remove itself later.
  cp -a "$HERE/mapdesk" "$HERE/_internal" "$HERE/install.sh" "$APP_DIR.new/"
  printf 'APP_DIR=%q\nSHARE=%q\nBIN=%q\n' "$APP_DIR" "$SHARE" "$BIN" > "$APP_DIR.new/$MARKER"
  rm -rf "$APP_DIR.old"
  if [ -e "$APP_DIR" ]; then mv "$APP_DIR" "$APP_DIR.old"; fi
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
