#!/bin/bash
# Configures (once) and builds the native Debian 12 build; used by tools/run-tests.sh and
# tools/quickstart.sh so that both build the same way.
#
#   tools/build.sh [BUILD-DIR] [--configure-only]        default: build/
#
# The compiler cache lives outside the checkout so that a fresh clone rebuilds fast: $CCACHE_DIR,
# default /var/cache/gimp-neural-style/ccache when writable (tools/ccache-env.sh). With CI=true the project's own code
# is built with -Werror (LibTorch's and GIMP's headers are system headers, so theirs do not count).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
build=${1:-build}
configure_only=false
[[ ${2:-} == --configure-only ]] && configure_only=true

# shellcheck source=tools/ccache-env.sh
source tools/ccache-env.sh

werror=false
[[ ${CI:-} == true ]] && werror=true
if [[ ! -f $build/build.ninja ]]; then
  rm -rf "$build"
  if ! CXX="ccache g++" meson setup "$build" -Dgimp=auto -Dtests=true -Dwerror=$werror \
    >"$build.setup.log" 2>&1; then
    cat "$build.setup.log" >&2
    exit 1
  fi
  rm -f "$build.setup.log"
fi
$configure_only && exit 0
meson compile -C "$build"
