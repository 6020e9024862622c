#!/bin/sh
# Installs the engine module ($1) into the plug-in folder ($2), honouring DESTDIR.
# 0644: GIMP treats every executable file in a plug-in folder as a plug-in.
set -eu
module=$1
dir=${DESTDIR:-}$2
install -d "$dir"
install -m 0644 "$module" "$dir/"
echo "Installing $module to $dir"
