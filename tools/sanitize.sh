#!/bin/bash
# Builds the core, the CLI and their tests with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs the core and CLI test suites under them (the CLI tests run the instrumented
# neural-style binary, so it is checked too).
#
#   tools/sanitize.sh [BUILD-DIR]        default: build-asan/
#
# LibTorch, OpenBLAS and OpenImageIO are Debian's, not instrumented: tests/sanitizers/ holds the
# suppressions and options this needs, each with its reason (docs/reliability.md lists them).
# Any report stops the test binary (halt_on_error; UBSan without recovery), so it fails.
# The GoogleTest reports get the suite prefix "asan/" so that tools/count_results.py and
# tools/reliability-report.py tell them from the native build's. Ends with the line
# "N passed, N failed, N skipped" for this build; exit status 0 only when everything passed.
#
# Environment: SANITIZE_TESTS names the meson tests to run, space-separated (default: every
# test of the core and cli suites but the slow core_quality); SANITIZE_NO_BUILD=1 tests what is
# built, without compiling first.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
build=${1:-build-asan}
started=$SECONDS

# shellcheck source=tools/ccache-env.sh
source tools/ccache-env.sh

werror=false
[[ ${CI:-} == true ]] && werror=true
if [[ ! -f $build/build.ninja ]]; then
  rm -rf "$build"
  # b_lundef=false: the sanitizer runtimes resolve symbols at load time, which -Wl,--no-undefined
  # would refuse for the engine module. debugoptimized: line numbers in reports, asserts on.
  # -fno-sanitize-recover: a UBSan finding ends the process instead of printing and going on.
  if ! CXX="ccache g++" meson setup "$build" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized -Dcpp_args="-fno-sanitize-recover=all -fno-omit-frame-pointer" \
    -Dgimp=disabled -Dcli=enabled -Dtests=true -Dwerror=$werror >"$build.setup.log" 2>&1; then
    cat "$build.setup.log" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  rm -f "$build.setup.log"
fi
if [[ -n ${SANITIZE_NO_BUILD:-} ]]; then
  echo "sanitize: SANITIZE_NO_BUILD set: testing the binaries as they are"
elif ! nice -n 5 meson compile -C "$build"; then
  rm -f "$build/meson-logs/testlog.json"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "sanitize: build took $((SECONDS - started)) s"

# The suppression files are read by every instrumented process, including the CLI that the
# fault tests run as the user "nobody": copy them where anyone can read them.
supp=$(mktemp -d /tmp/neural-style-sanitizers.XXXXXX)
trap 'rm -rf "$supp"' EXIT
cp tests/sanitizers/*.supp "$supp/"
chmod 0755 "$supp"
chmod 0644 "$supp"/*.supp
# shellcheck source=tests/sanitizers/options.sh
source tests/sanitizers/options.sh "$supp"

# These cases assert the process's peak RSS against a memory model; ASan's shadow memory and
# its quarantine of freed blocks add hundreds of MiB to any RSS, so they can only run in the
# native build (where they do).
export GTEST_FILTER="-Scale.PeakMemoryGrowsLinearlyAndStaysUnderTheModel:Scale.TiledRunStaysWithinTheBudgetWithoutSeams:Scale.BigStyleAtLargeScaleStaysWithinTheBudget:Faults.TruncatedBigPngCostsWhatItDecodes"

started=$SECONDS
# Stale reports from an earlier run must not be counted.
find "$build" -name '*.xml' -path '*tests*' -delete
rm -f "$build/meson-logs/testlog.json"
# Twice the usual timeouts: instrumented code and LSan's exit scan are slower.
if [[ -n ${SANITIZE_TESTS:-} ]]; then
  # shellcheck disable=SC2086
  meson test -C "$build" --no-rebuild --print-errorlogs -t 2 $SANITIZE_TESTS
else
  # core_quality is left out: it runs the user's defaults (150 steps at 2 scales) on a 96x64
  # image through the same engine code that core_engine's short runs cover here, and took 162 of
  # the stage's 190 test seconds when instrumented.
  mapfile -t tests < <(meson test -C "$build" --no-rebuild --list --suite core --suite models --suite cli |
    sed 's|.* / ||' | grep -vx core_quality)
  meson test -C "$build" --no-rebuild --print-errorlogs -t 2 "${tests[@]}"
fi
echo "sanitize: tests took $((SECONDS - started)) s"

# Suite names "asan/<suite>" in the reports, so the counts and the report keep them apart.
for xml in "$build"/tests/*.xml; do
  [[ -f $xml ]] || continue
  sed -i -E 's/(<testsuite name=")(asan\/)?/\1asan\//g; s/(classname=")(asan\/)?/\1asan\//g' "$xml"
done
python3 tools/count_results.py "$build"
