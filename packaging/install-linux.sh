#!/usr/bin/env bash
# Add Consortium to your desktop's application menu (for your user only; no sudo needed).
# Run it from the unpacked folder:  ./install-linux.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons"
mkdir -p "$apps" "$HOME/.local/bin"
sed "s|^Exec=consortium|Exec=\"$here/consortium\"|" "$here/share/applications/consortium.desktop" \
  > "$apps/consortium.desktop"
cp -r "$here/share/icons/hicolor" "$icons/"
ln -sf "$here/consortium" "$HOME/.local/bin/consortium"
command -v update-desktop-database >/dev/null && update-desktop-database "$apps" || true
echo "Consortium is in your applications menu; 'consortium' also runs it from a terminal."
