#!/bin/bash
# Builds gimp-neural-style and runs its test suite on this machine (Debian 12).
#
#   tools/run-tests.sh [BUILD-DIR]        default: build/
#
# Runs the core, CLI and GIMP 2.10 tests through `meson test`, then prints one closing line
# `N passed, N failed, N skipped` counting GoogleTest cases one by one. Exit status 0 only when
# everything passed. Building is tools/build.sh's job (compiler cache, -Werror under CI).
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:-build}

if ! bash tools/build.sh "$build"; then
  echo "0 passed, 1 failed"
  exit 1
fi
# Stale reports from an earlier run must not be counted.
find "$build" -name '*.xml' -path '*tests*' -delete
meson test -C "$build" --no-rebuild --print-errorlogs
python3 tools/count_results.py "$build"
