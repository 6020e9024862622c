#!/bin/bash
# Builds only the engine module (libneural-style-engine.so) against another LibTorch, such as
# the official LibTorch with CUDA or the one inside a PyTorch install, and installs it into the
# user's engine folder, where the GIMP plug-in (both versions) finds it before the engine it was
# installed with. The plug-in itself is not rebuilt: it loads whichever engine it finds and
# checks its ABI (core/include/neural_style/engine_module.h).
#
#   tools/build-engine-module.sh --libtorch DIR      the unpacked official LibTorch archive
#   tools/build-engine-module.sh --python PYTHON     the torch of that Python's PyTorch install
#   tools/build-engine-module.sh --system            Debian's libtorch-dev (to test the mechanism)
#   tools/build-engine-module.sh --remove            removes the user engine again
#
# Options: --dest DIR (default $XDG_DATA_HOME/neural-style/engine, i.e.
# ~/.local/share/neural-style/engine), --build DIR (default build-engine-module).
#
# The plug-in is built with the C++11 std::string ABI (Debian's compiler default); an engine
# built against a LibTorch of the old ABI (_GLIBCXX_USE_CXX11_ABI=0: PyTorch wheels before 2.7,
# the "pre-cxx11" LibTorch archives) could not exchange strings with it, so this script refuses
# such a LibTorch up front. Take the "cxx11 ABI" LibTorch archive, or PyTorch 2.7 or later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="" torch_arg="" build=build-engine-module
dest=${XDG_DATA_HOME:-$HOME/.local/share}/neural-style/engine
while (($#)); do
  case $1 in
    --libtorch) mode=libtorch torch_arg=$2; shift ;;
    --python) mode=python torch_arg=$2; shift ;;
    --system) mode=system ;;
    --remove) mode=remove ;;
    --dest) dest=$2; shift ;;
    --build) build=$2; shift ;;
    -h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-engine-module: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
die() { echo "build-engine-module: $*" >&2; exit 1; }
# "2.6.0" from a torch/version.h (TORCH_VERSION_MAJOR/MINOR/PATCH), "" when unreadable.
header_version() {
  awk '/define TORCH_VERSION_(MAJOR|MINOR|PATCH) / {v[$2] = $3}
       END {if (v["TORCH_VERSION_MAJOR"] != "") print v["TORCH_VERSION_MAJOR"] "." v["TORCH_VERSION_MINOR"] "." v["TORCH_VERSION_PATCH"]}' \
    "$1" 2>/dev/null || true
}

case $mode in
  remove)
    rm -f "$dest/libneural-style-engine.so"
    echo "build-engine-module: removed $dest/libneural-style-engine.so; the plug-in uses its own engine again"
    exit 0 ;;
  libtorch)
    [[ -d $torch_arg/include/torch ]] || die "$torch_arg is not a LibTorch folder (no include/torch)"
    torch_dir=$(cd "$torch_arg" && pwd -P)
    abi=$(grep -ho '_GLIBCXX_USE_CXX11_ABI=[01]' "$torch_dir"/share/cmake/Torch/TorchConfig.cmake 2>/dev/null | head -1 | cut -d= -f2)
    abi=${abi:-1}
    version=$(header_version "$torch_dir/include/torch/csrc/api/include/torch/version.h") ;;
  python)
    read -r torch_dir abi version < <("$torch_arg" - <<'PY'
import os, torch
print(os.path.dirname(torch.__file__), int(torch._C._GLIBCXX_USE_CXX11_ABI), torch.__version__)
PY
    ) || die "$torch_arg cannot import torch"
    [[ -d $torch_dir/include/torch ]] || die "the torch at $torch_dir has no C++ headers" ;;
  system)
    torch_dir="" abi=1
    version=$(header_version /usr/include/torch/csrc/api/include/torch/version.h) ;;
  *) die "say which LibTorch: --libtorch DIR, --python PYTHON or --system (see --help)" ;;
esac
[[ $abi == 1 ]] || die "LibTorch $version uses the old C++ ABI (_GLIBCXX_USE_CXX11_ABI=0), which the plug-in cannot load; take the cxx11-ABI LibTorch or PyTorch 2.7 or later"

note="built against LibTorch $version${torch_dir:+ at $torch_dir}"
echo "build-engine-module: $note"
# shellcheck source=tools/ccache-env.sh
source tools/ccache-env.sh
options=(-Dtorch_dir="$torch_dir" -Dcli=disabled -Dgimp=disabled -Dtests=false
  -Ddownload=disabled -Dengine_build_note="$note" --buildtype=release)
if [[ -f $build/build.ninja ]]; then
  meson configure "$build" "${options[@]}" >/dev/null
else
  CXX="ccache g++" meson setup "$build" "${options[@]}" >/dev/null
fi
meson compile -C "$build" neural-style-engine
mkdir -p "$dest"
# Written beside the old one and renamed, so a running GIMP never sees half a file; 0644 so
# that GIMP does not take it for a plug-in.
install -m 0644 "$build/core/libneural-style-engine.so" "$dest/.libneural-style-engine.so.new"
mv -f "$dest/.libneural-style-engine.so.new" "$dest/libneural-style-engine.so"
echo "build-engine-module: installed $dest/libneural-style-engine.so; the plug-in's dialog names it"
echo "$dest/libneural-style-engine.so"
