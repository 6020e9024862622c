#!/bin/bash
# Installs the Debian 12 packages that build, test and run gimp-neural-style.
#
#   sudo tools/setup.sh            (as root, sudo is not needed)
#
# Safe to run again: apt-get skips what is installed. Prints nothing on success but apt's own
# summary line.
set -euo pipefail

packages=(
  # build
  g++ meson ninja-build pkg-config ccache gettext
  # the engine: LibTorch, and OpenBLAS because Debian's reference BLAS makes LibTorch's matrix
  # products about 13x slower; oneDNN's headers: the Gram matrices through LibTorch's own oneDNN
  libtorch-dev libopenblas0-pthread libdnnl-dev nlohmann-json3-dev
  # the command line tool
  libopenimageio-dev libcli11-dev
  # the model library: SHA-256 (Nettle); models fetch: HTTP(S) download (libcurl)
  nettle-dev libcurl4-openssl-dev
  # the GIMP 2.10 plug-in and its tests
  gimp libgimp2.0-dev xvfb xauth xdotool x11-apps netpbm
  # tests and the example images; locales: the tests run the CLI under a German locale
  libgtest-dev python3 python3-numpy python3-pil locales
  # PyTorch checkpoints (zip container); test checkpoints; the parsers' fuzzers
  libzip-dev python3-torch clang-14 libclang-rt-14-dev
)

as_root=()
if [[ $(id -u) != 0 ]]; then
  as_root=(sudo)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
  echo "setup: installed ${missing[*]}"
else
  echo "setup: all packages present"
fi

# A locale whose decimal separator is a comma, so that the tests can show that numbers in
# arguments are read the same under it.
if ! locale -a 2>/dev/null | grep -qix 'de_DE.utf8'; then
  "${as_root[@]}" localedef -i de_DE -f UTF-8 de_DE.UTF-8
  echo "setup: generated the de_DE.UTF-8 locale"
fi
