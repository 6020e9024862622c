#!/bin/bash
# A user's install, tested end to end: configures the tree as a package would (prefix /usr, no
# source-tree model search), stages it with `meson install --destdir`, and runs the staged copy
# where it lies as a user with an empty home and no model settings. The CLI and the GIMP 2.10
# plug-in (Script-Fu batch, found through the staged plug-in folder) must both use the bundled
# ImageNet layers from the staged share/ folder, name them, and paint a real photograph (GIMP's
# own splash picture) so that it is stylised and keeps its subject.
#
#   tools/install-test.sh BUILD_DIR WORK_DIR
#
# BUILD_DIR is configured once (with the compiler cache, it reuses the main build's objects) and
# rebuilt on each run. Prints PASS/FAIL lines; exit status 0 only when all passed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${1:?build dir}
work=${2:?work dir}
src=$(pwd -P)
# shellcheck source=tools/ccache-env.sh
source tools/ccache-env.sh

failures=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

rm -rf "$work"
mkdir -p "$work/home" "$work/files"
root=$work/root
prefix=$root/usr

werror=false
[[ ${CI:-} == true ]] && werror=true
if [[ ! -f $build/build.ninja ]]; then
  rm -rf "$build"
  CXX="ccache g++" meson setup "$build" >"$work/setup.log" 2>&1 || { cat "$work/setup.log"; exit 1; }
fi
# Every run states the whole configuration, so a reused build folder cannot keep an old one.
meson configure "$build" --prefix=/usr -Dgimp_plugin_dir= -Dtests=false -Dsource_models=false \
  -Dgimp=enabled -Dgimp_api=2 -Dwerror=$werror >/dev/null || exit 1
if ! meson install -C "$build" --destdir "$root" >"$work/install.log" 2>&1; then
  tail -30 "$work/install.log"
  echo "FAIL build and install"
  exit 1
fi
bundled=$prefix/share/gimp-neural-style/models/vgg19-imagenet-conv1_1-conv3_4-f16.safetensors
plugdir=$(dirname "$(find "$root" -name gimp-neural-style -type f -perm -u+x | head -1)")
[[ -f $bundled ]] && pass "meson install put the bundled network into <prefix>/share" ||
  fail "no $bundled after meson install"
[[ -f $prefix/share/gimp-neural-style/models/README.md ]] && pass "its attribution is installed beside it" ||
  fail "models/README.md not installed"

/usr/bin/python3 tools/install_test_images.py "$work/files"

# The user's environment: an empty home, none of the model variables, no source tree.
user_env=(env -i PATH=/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 OMP_NUM_THREADS=2)

list=$("${user_env[@]}" "$prefix/bin/neural-style" models list 2>&1)
if grep -q -- "vgg19-imagenet-conv1_1-conv3_4-f16.safetensors.*verified.*<- used by default" <<<"$list" &&
  grep -q "the bundled ImageNet network" <<<"$list" && ! grep -q "$src/models" <<<"$list" &&
  grep -q "$prefix/share/gimp-neural-style/models  (installed with the program" <<<"$list"; then
  pass "models list shows the staged bundled file, verified, used by default"
else
  fail "models list: $list"
fi
verify=$("${user_env[@]}" "$prefix/bin/neural-style" models verify "$bundled" 2>&1) &&
  pass "models verify: $verify" || fail "models verify: $verify"

# Small enough for a test, large enough for features: 240x180, one scale of 120 steps.
run_args=(--iterations 120 --scales 1 --max-size 240 --seed 7)
if "${user_env[@]}" "$prefix/bin/neural-style" --content "$work/files/photo.png" \
  --style "$work/files/style.png" --output "$work/cli.png" --log-json "$work/cli.jsonl" \
  "${run_args[@]}" >"$work/cli.out" 2>"$work/cli.err"; then
  pass "the installed CLI ran"
else
  fail "the installed CLI failed: $(tail -3 "$work/cli.err")"
fi
if [[ $(grep -c "bundled ImageNet VGG-19 layers conv1_1 to conv3_4" "$work/cli.err") == 1 ]] &&
  grep -q "weights $bundled" "$work/cli.err" && ! grep -q "random network" "$work/cli.err"; then
  pass "the CLI names the bundled network once"
else
  fail "the CLI's notices: $(cat "$work/cli.err")"
fi

# Quality on real features, the measures of tests/core/quality_test.cpp.
check_quality() {  # check_quality NAME RESULT [LOG]
  local m
  local log=()
  [[ -n ${3:-} ]] && log=(--log "$3")
  if m=$(/usr/bin/python3 tools/quality_metrics.py "$work/files/photo.png" "$work/files/style.png" \
    "$2" "${log[@]}" --check); then
    pass "$1 is stylised and keeps its subject: $m"
  else
    fail "$1: $m"
  fi
}
[[ -f $work/cli.png ]] && check_quality "the CLI's result" "$work/cli.png" "$work/cli.jsonl"

# GIMP 2.10 with an empty profile that knows the staged plug-in folder besides its own.
profile=$work/home/.config/GIMP/2.10
mkdir -p "$profile/gradients"
echo "(plug-in-path \"$plugdir:\${gimp_plug_in_dir}/plug-ins\")" >"$profile/gimprc"
gimp_out=$work/gimp.png
"${user_env[@]}" DISPLAY= GIMP2_DIRECTORY="$profile" timeout 600 gimp-console-2.10 -i -d -f -b "
  (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"$work/files/photo.png\" \"photo.png\")))
         (layer (car (gimp-image-get-active-layer image)))
         (result (car (plug-in-neural-style RUN-NONINTERACTIVE image layer \"$work/files/style.png\"
                        1 10 1 120 240 0 0 0 7 1 \"\"
                        \"\" \"\" \"\" \"\" 1.0 0 0 \"\" \"\" 1 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))))
    (gimp-file-save RUN-NONINTERACTIVE image result \"$gimp_out\" \"$gimp_out\")
    (gimp-image-delete image))" \
  -b "(gimp-quit 0)" >"$work/gimp.log" 2>&1
if [[ -f $gimp_out ]]; then
  pass "the plug-in from the staged plug-in folder $plugdir added a layer (Script-Fu batch)"
  check_quality "the plug-in's result" "$gimp_out"
else
  fail "GIMP wrote no result: $(tail -5 "$work/gimp.log")"
fi
if grep -q "bundled ImageNet VGG-19 layers conv1_1 to conv3_4" "$work/gimp.log" &&
  ! grep -q "random network" "$work/gimp.log"; then
  pass "the plug-in names the bundled network"
else
  fail "the plug-in's messages: $(grep -i "neural" "$work/gimp.log" | head -5)"
fi

echo "install-test: $failures failed"
((failures == 0))
