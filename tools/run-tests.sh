#!/bin/bash
# Builds gimp-neural-style and runs its test suite on this machine (Debian 12).
#
#   tools/run-tests.sh [BUILD-DIR]        default: build/
#
# Runs the core, CLI and GIMP 2.10 tests through `meson test`, then prints one closing line
# `N passed, N failed, N skipped` counting GoogleTest cases one by one. Exit status 0 only when
# everything passed. The compiler cache lives outside the checkout so that rebuilds of a fresh
# clone are fast: $CCACHE_DIR, default /var/cache/gimp-neural-style/ccache when writable.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}

cache=/var/cache/gimp-neural-style/ccache
if [[ -z ${CCACHE_DIR:-} ]] && mkdir -p "$cache" 2>/dev/null && [[ -w $cache ]]; then
  export CCACHE_DIR=$cache
fi
# The precompiled LibTorch header would defeat ccache without these.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}

# CI builds the project's own code with -Werror (LibTorch's and GIMP's headers are included as
# system headers, so their warnings do not count).
werror=false
[[ ${CI:-} == true ]] && werror=true
if [[ ! -f $build/build.ninja ]]; then
  rm -rf "$build"
  CXX="ccache g++" meson setup "$build" -Dgimp=auto -Dtests=true -Dwerror=$werror >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log"; echo "0 passed, 1 failed"; exit 1; }
  rm -f "$build.setup.log"
fi
if ! meson compile -C "$build"; then
  echo "0 passed, 1 failed"
  exit 1
fi
# Stale reports from an earlier run must not be counted.
find "$build" -name '*.xml' -path '*tests*' -delete
meson test -C "$build" --no-rebuild --print-errorlogs
python3 tools/count_results.py "$build"
