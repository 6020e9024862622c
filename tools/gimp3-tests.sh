#!/bin/bash
# Builds the GIMP 3 plug-in in the Debian 13 root (tools/debian13-root.sh) and runs its tests:
# meson test --suite gimp3, in a real gimp-console-3.0.
#
#   sudo tools/gimp3-tests.sh [MESON-TEST-ARG...]     e.g. --list, or a test name
#
# The build folder is build-gimp3/ in the checkout (so meson-logs/testlog.json can be read from
# the host), compiled with ccache under /var/cache/gimp-neural-style/ccache-trixie. Only the
# plug-in, the engine module and the command line tool (which one GIMP 3 case compares with) are
# built: the core's own tests run in the native build.
# Exit status: 0 when the build and every test passed, 1 otherwise.
set -euo pipefail

readonly BUILD=build-gimp3

if [[ ${1:-} != --inside-root ]]; then
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
  status=0
  "$here/debian13-root.sh" --env "CI=${CI:-false}" -- "$here/gimp3-tests.sh" --inside-root "$@" ||
    status=$?
  # debian13-root.sh exits 2 for its own failures (no root, bad options): still a failure.
  exit $((status == 0 ? 0 : 1))
fi
shift

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# CCACHE_DIR comes from debian13-root.sh, so this only adds the cache's other settings.
# shellcheck source=tools/ccache-env.sh
source tools/ccache-env.sh
# The machine is shared: compile with at most two jobs, at low priority.
jobs=${GNS_JOBS:-2}

started=$SECONDS
if [[ ! -f $BUILD/build.ninja ]]; then
  rm -rf "$BUILD"
  # CI builds the project's own code with -Werror, as tools/run-tests.sh does.
  werror=false
  [[ ${CI:-} == true ]] && werror=true
  meson setup "$BUILD" -Dcli=enabled -Dgimp=enabled -Dgimp_api=3 -Dtests=true \
    -Dwerror=$werror --wrap-mode=nodownload || exit 1
fi
# The command line tool too: the style-sources case compares the plug-in's results with its.
# (A folder set up before it was needed is switched over once.)
if ! grep -q '^build cli/neural-style:' "$BUILD/build.ninja"; then
  meson setup --reconfigure "$BUILD" -Dcli=enabled --wrap-mode=nodownload || exit 1
fi
nice -n 10 meson compile -C "$BUILD" -j "$jobs" gimp-neural-style neural-style-engine neural-style ||
  exit 1
echo "gimp3-tests: build took $((SECONDS - started)) s"

started=$SECONDS
status=0
meson test -C "$BUILD" --no-rebuild --suite gimp3 --print-errorlogs "$@" || status=$?
echo "gimp3-tests: tests took $((SECONDS - started)) s"
exit $((status == 0 ? 0 : 1))
