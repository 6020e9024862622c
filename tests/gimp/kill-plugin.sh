#!/bin/sh
# Kills the plug-in's process during a run inside a real gimp-console-2.10 and checks that
# nothing is lost: GIMP keeps running and answers the next batch command, and the image keeps
# its original layer with unchanged pixels (kill-plugin.scm does the checks inside GIMP).
#
# usage: kill-plugin.sh GIMP_CONSOLE PLUGIN_EXE ENGINE_MODULE TEST_DIR
#
# The plug-in is found as the child of GIMP's process whose command line names
# gimp-neural-style, and is killed with SIGKILL once it has loaded LibTorch (so the engine is
# running, not just starting) and a second has passed.
set -eu
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
gimp_console=$1
plugin_exe=$(abspath "$2")
engine_module=$(abspath "$3")
test_dir=$4

work=$(mktemp -d "${TMPDIR:-/tmp}/gimp-neural-style-kill.XXXXXX")
gimp_pid=
cleanup() {
  if [ -n "$gimp_pid" ] && kill -0 "$gimp_pid" 2>/dev/null; then kill -9 "$gimp_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The same throw-away profile as run-case.sh.
export GIMP2_DIRECTORY="$work/gimp"
mkdir -p "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style" "$GIMP2_DIRECTORY/gradients" "$work/files"
ln -s "$plugin_exe" "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style/gimp-neural-style"
export NEURAL_STYLE_ENGINE="$engine_module"
export NEURAL_STYLE_MODEL_PATH="$work/models" XDG_DATA_HOME="$work/data" HOME="$work"
export NEURAL_STYLE_TEST_WIDTH_DIVISOR=8
export LANG=C LC_ALL=C LANGUAGE=C

batch() {
  echo "(begin (define phase $1) (define test-results \"$work/results-$1.txt\")
         (define test-files \"$work/files\") (load \"$test_dir/lib.scm\")
         (load \"$test_dir/kill-plugin.scm\"))"
}
"$gimp_console" -i -d -f -b "$(batch 1)" -b "$(batch 2)" -b '(gimp-quit 0)' \
  >"$work/gimp.log" 2>&1 &
gimp_pid=$!

fail() {
  for f in "$work"/results-*.txt; do [ -f "$f" ] && cat "$f"; done
  echo "--- gimp-console output ---"
  cat "$work/gimp.log"
  echo "FAIL kill-plugin: $*"
  exit 1
}

# Up to 90 s for GIMP to start and the plug-in to load the engine.
plugin_pid=
n=0
while [ $n -lt 180 ]; do
  kill -0 "$gimp_pid" 2>/dev/null || fail "GIMP ended before the plug-in ran"
  for p in $(pgrep -P "$gimp_pid" -f gimp-neural-style || true); do
    if grep -q libtorch "/proc/$p/maps" 2>/dev/null; then plugin_pid=$p; fi
  done
  [ -n "$plugin_pid" ] && break
  sleep 0.5
  n=$((n + 1))
done
[ -n "$plugin_pid" ] || fail "no running gimp-neural-style process under GIMP ($gimp_pid)"
sleep 1
kill -0 "$plugin_pid" 2>/dev/null || fail "the plug-in ended by itself before it was killed"
kill -9 "$plugin_pid"
echo "killed the plug-in (pid $plugin_pid, child of GIMP $gimp_pid) during its run"

# The rest (phase 1's checks, phase 2, the quit) must follow within 90 s.
n=0
while kill -0 "$gimp_pid" 2>/dev/null && [ $n -lt 180 ]; do
  sleep 0.5
  n=$((n + 1))
done
kill -0 "$gimp_pid" 2>/dev/null && fail "GIMP did not finish the batch commands within 90 s"
status=0
wait "$gimp_pid" || status=$?
gimp_pid=
for phase in 1 2; do
  results="$work/results-$phase.txt"
  [ -f "$results" ] || fail "batch command $phase wrote no results"
  cat "$results"
  grep -qx DONE "$results" || fail "batch command $phase did not finish"
  if grep -q '^FAIL' "$results"; then fail "batch command $phase"; fi
done
[ $status -eq 0 ] || fail "gimp-console exited with status $status"
echo "PASS kill-plugin"
