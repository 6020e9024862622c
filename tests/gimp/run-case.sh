#!/bin/sh
# Runs one Script-Fu test case in a real gimp-console-2.10 with a throw-away GIMP2_DIRECTORY.
#
# usage: run-case.sh GIMP_CONSOLE PLUGIN_EXE ENGINE_MODULE TEST_DIR CASE [GERMAN_MO]
#
# NEURAL_STYLE_CLI names the command line tool, for cases that compare with it.
#
# With GERMAN_MO (a compiled de.po) the case runs in German, with the catalogue installed in a
# locale/ folder next to the plug-in as a user install has it.
#
# The case file (TEST_DIR/CASE.scm) uses the helpers of lib.scm and records one line per check
# in a results file ("PASS name" / "FAIL name: why"), ending with "DONE". The case passes when
# the file ends with DONE and has no FAIL line: a Script-Fu error aborts the batch command
# before DONE, so an error can never look like success.
set -eu
# meson passes build outputs relative to the build folder; links need absolute paths.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
gimp_console=$1
plugin_exe=$(abspath "$2")
engine_module=$(abspath "$3")
test_dir=$4
case_name=$5
german_mo=${6:-}
[ -n "$german_mo" ] && german_mo=$(abspath "$german_mo")

work=$(mktemp -d "${TMPDIR:-/tmp}/gimp-neural-style-test.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# Every -b runs in a fresh Script-Fu process, so the whole case is one batch command.
# GIMP's default plug-in-path starts with $GIMP2_DIRECTORY/plug-ins, so a link there installs the
# freshly built plug-in for this run only, next to GIMP's own plug-ins (Script-Fu, file-png).
export GIMP2_DIRECTORY="$work/gimp"
mkdir -p "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style" "$GIMP2_DIRECTORY/gradients"
if [ -n "${GIMP_TEST_INSTALLED_LAYOUT:-}" ]; then
  # As `meson install` lays it out: both files copied, the module not executable, and no
  # NEURAL_STYLE_ENGINE, so the plug-in must find the module next to itself.
  cp "$plugin_exe" "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style/"
  install -m 0644 "$engine_module" "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style/"
  unset NEURAL_STYLE_ENGINE
else
  ln -s "$plugin_exe" "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style/gimp-neural-style"
  # The engine is found through NEURAL_STYLE_ENGINE: the link above resolves to the build
  # folder of the executable, where the module is not.
  export NEURAL_STYLE_ENGINE="$engine_module"
fi
# No pretrained weights: the engine's deterministic random network, narrowed for speed.
export NEURAL_STYLE_MODEL_PATH="$work/models"
export XDG_DATA_HOME="$work/data"
export NEURAL_STYLE_TEST_WIDTH_DIVISOR=8
export LANG=C LC_ALL=C LANGUAGE=C
if [ -n "$german_mo" ]; then
  mo_dir="$GIMP2_DIRECTORY/plug-ins/gimp-neural-style/locale/de/LC_MESSAGES"
  mkdir -p "$mo_dir"
  cp "$german_mo" "$mo_dir/gimp-neural-style.mo"
  # gettext ignores LANGUAGE in the plain C locale, not in C.UTF-8, which every system has.
  export LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE=de
fi
export HOME="$work"

mkdir -p "$work/files"
# CASE may be several scripts joined by "+": each runs in its own GIMP session, one after the
# other, on the same profile (for what must survive a restart).
status=0
for script in $(echo "$case_name" | tr '+' ' '); do
  results="$work/results-$script.txt"
  "$gimp_console" -i -d -f \
    -b "(begin (define test-results \"$results\") (define test-files \"$work/files\")
              (load \"$test_dir/lib.scm\") (load \"$test_dir/$script.scm\"))" \
    -b '(gimp-quit 0)' >"$work/gimp-$script.log" 2>&1 || true
  if [ -f "$results" ]; then cat "$results"; fi
  if [ ! -f "$results" ] || ! grep -qx DONE "$results" || grep -q '^FAIL' "$results"; then
    echo "--- gimp-console output ($script) ---"
    cat "$work/gimp-$script.log"
    status=1
    break
  fi
done
# A case that saved results for the command line tool to match (cli-compare.txt, see
# compare-cli.py) passes only when the CLI gives the same pictures.
if [ $status -eq 0 ] && [ -f "$work/files/cli-compare.txt" ]; then
  python3 "$test_dir/compare-cli.py" "$work/files" || status=1
fi
if [ $status -ne 0 ]; then
  echo "FAIL $case_name"
  exit 1
fi
echo "PASS $case_name"
