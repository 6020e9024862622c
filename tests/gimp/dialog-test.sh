#!/bin/sh
# Interactive tests: GIMP (GUI) under Xvfb opens an image and invokes the plug-in
# interactively; windows are found by their titles and driven with the keyboard.
#
# usage: dialog-test.sh GIMP PLUGIN_EXE ENGINE_MODULE TEST_DIR MODE SCREENSHOT_PNG
#
# MODE cancel-dialog: the settings dialog is found, a screenshot of it is written, its Cancel
#   button (mnemonic Alt+C) closes it; Script-Fu (dialog.scm) then checks that no layer was added.
# MODE ok-run: OK (Alt+O) runs a tiny job; Script-Fu (run-ok.scm) checks the new layer.
# MODE preset: Alt+P, Home and Down choose the "Fast preview" preset, OK runs it; Script-Fu
#   (run-preset.scm) checks the new layer and that the values handed over are the preset's.
# MODE style-layer: Alt+1, Home, Down, Tab and End choose a layer of another open image as
#   style 1 and a channel as its region, OK runs; Script-Fu (run-style-layer.scm) checks that the
#   run used them. With a SCREENSHOT_PNG, the dialog with them chosen is written there.
# MODE undo: OK runs a tiny job, then Ctrl+Z in the image window; Script-Fu (run-undo.scm)
#   checks that this one undo removed the new layer.
# MODE cancel-run: OK (Alt+O) starts a long run, the progress window is found, its live preview
#   is checked, a screenshot of the whole screen is written (GIMP's status bar shows the
#   progress text), the progress
#   window's Cancel stops the run; Script-Fu (run-cancel.scm) checks the image is as before.
# MODE repeat: no dialog: Filters > Repeat's call (RUN-WITH-LAST-VALS) on a displayed image
#   must show the progress window and its live preview all the same; its Cancel stops the run,
#   and Script-Fu (run-repeat.scm) checks that the image is as before.
# MODE preview: the dialog's preview is off at first (no engine run, an empty area); Alt+Q
#   switches it on and a preview appears; a new style weight (Alt+Y) gives a new one; a change
#   while a preview runs cancels it (the engine's trace counts the finished ones); switching
#   it off during a run takes effect at once; Cancel during a preview closes the dialog at once,
#   and Script-Fu (dialog.scm) checks that no layer was added. With a SCREENSHOT_PNG, the dialog
#   with its preview is written there. Both preview modes use the bundled network.
# MODE preview-ok: the preview on, a weight changed, OK while that preview runs: the dialog
#   closes at once and the run adds its layer (run-preview-ok.scm).
set -eu
# meson passes build outputs relative to the build folder; links need absolute paths.
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
if [ -z "${DIALOG_TEST_IN_XVFB:-}" ]; then
  export DIALOG_TEST_IN_XVFB=1
  # The dialog with its rows for layers and regions open is taller than 1024 pixels.
  screen=1280x1024
  [ "${5:-}" = style-layer ] && screen=1280x1280
  exec xvfb-run -a -s "-screen 0 ${screen}x24" "$0" "$@"
fi
gimp=$1
plugin_exe=$(abspath "$2")
engine_module=$(abspath "$3")
test_dir=$4
mode=$5
screenshot=${6:-}
case $mode in
  cancel-dialog) script=dialog ;;
  ok-run) script=run-ok ;;
  undo) script=run-undo ;;
  cancel-run) script=run-cancel ;;
  preset) script=run-preset ;;
  repeat) script=run-repeat ;;
  preview) script=dialog ;;
  preview-ok) script=run-preview-ok ;;
  style-layer) script=run-style-layer ;;
  *) echo "unknown mode $mode"; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/gimp-neural-style-dialog.XXXXXX")
gimp_pid=
cleanup() {
  if [ -n "$gimp_pid" ] && kill -0 "$gimp_pid" 2>/dev/null; then kill "$gimp_pid"; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

fail() {
  cat "$results" 2>/dev/null || true
  echo "--- gimp output ---"
  grep -v 'theme engine' "$work/gimp.log" | grep -v '^$' || true
  echo "FAIL $*"
  exit 1
}

export GIMP2_DIRECTORY="$work/gimp"
mkdir -p "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style" "$GIMP2_DIRECTORY/gradients"
ln -s "$plugin_exe" "$GIMP2_DIRECTORY/plug-ins/gimp-neural-style/gimp-neural-style"
export NEURAL_STYLE_ENGINE="$engine_module"
# No pretrained weights, so that runs use the narrowed random network; but the dialog whose
# screenshot goes into docs/ sees the bundled network, as a new user has it.
export NEURAL_STYLE_MODEL_PATH="$work/models"
# The preview tests change values while a preview runs, so a preview must take some seconds:
# they use the bundled network too.
if [ "$mode" = cancel-dialog ] || [ "$mode" = preview ] || [ "$mode" = preview-ok ]; then
  NEURAL_STYLE_MODEL_PATH="$work/models:$(cd "$(dirname "$0")/../../models" && pwd)"
fi
export XDG_DATA_HOME="$work/data"
export NEURAL_STYLE_TEST_WIDTH_DIVISOR=8
export NEURAL_STYLE_TRACE="$work/files/engine-trace.log"
# UTF-8, so that xdotool can read window titles (GIMP puts an en dash in them).
export LANG=C.UTF-8 LC_ALL=C.UTF-8 LANGUAGE=C
export HOME="$work"

results="$work/results.txt"
mkdir -p "$work/files"
# Every -b runs in a fresh Script-Fu process, so the whole case is one batch command.
"$gimp" -d -f -s --no-splash \
  -b "(begin (define test-results \"$results\") (define test-files \"$work/files\")
            (load \"$test_dir/lib.scm\") (load \"$test_dir/$script.scm\"))" \
  -b '(gimp-quit 1)' >"$work/gimp.log" 2>&1 &
gimp_pid=$!

# Prints the id of the visible window titled exactly $1, waiting up to $2 half-seconds.
wait_for_window() {
  n=0
  while [ $n -lt "$2" ]; do
    id=$(xdotool search --onlyvisible --name "^$1\$" 2>/dev/null | head -n 1 || true)
    if [ -n "$id" ]; then echo "$id"; return 0; fi
    kill -0 "$gimp_pid" 2>/dev/null || return 1
    sleep 0.5
    n=$((n + 1))
  done
  return 1
}

wait_for_close() {
  n=0
  while [ $n -lt "$2" ] && xdotool search --onlyvisible --name "^$1\$" >/dev/null 2>&1; do
    sleep 0.5
    n=$((n + 1))
  done
  ! xdotool search --onlyvisible --name "^$1\$" >/dev/null 2>&1
}

press() {
  xdotool windowfocus --sync "$1" 2>/dev/null || true
  xdotool key --clearmodifiers "$2"
}

# Colours in the middle of the progress window's preview area (below the progress bar): the
# result so far is a picture of many, an empty area has one or two.
preview_colours() {
  xwd -silent -id "$1" | xwdtopnm 2>/dev/null >"$work/progress.pnm"
  width=$(pnmfile "$work/progress.pnm" | sed 's/.*, \([0-9]*\) by .*/\1/')
  pnmcut -left $((width / 2 - 40)) -top 90 -width 80 -height 120 "$work/progress.pnm" |
    ppmhist -noheader | wc -l
}

# The dialog's preview area: the right-hand column, below the Preview toggle (its result is at
# most 160 px wide, centred in a 168 px square).
preview_area() {
  xwd -silent -id "$1" | xwdtopnm 2>/dev/null >"$work/dialog.pnm"
  [ -n "${DIALOG_TEST_DEBUG:-}" ] && pnmtopng "$work/dialog.pnm" >"$screenshot.area.png"
  width=$(pnmfile "$work/dialog.pnm" | sed 's/.*, \([0-9]*\) by .*/\1/')
  pnmcut -left $((width - 12 - 168 + 24)) -top 70 -width 120 -height 80 "$work/dialog.pnm"
}
preview_area_colours() { preview_area "$1" | ppmhist -noheader | wc -l; }
preview_area_sum() { preview_area "$1" | md5sum | cut -d' ' -f1; }
# Finished engine runs of the preview's size (160 px wide for the 640 x 480 test image).
previews_done() {
  count=$(grep -c '^stylize 160x120' "$work/files/engine-trace.log" 2>/dev/null || true)
  echo "${count:-0}"
}
wait_for_previews() {
  n=0
  while [ "$(previews_done)" -lt "$1" ] && [ $n -lt "$2" ]; do
    kill -0 "$gimp_pid" 2>/dev/null || return 1
    sleep 0.5
    n=$((n + 1))
  done
  echo "$(previews_done) previews finished after about $((n / 2)) s"
  [ "$(previews_done)" -ge "$1" ]
}
# Types $2 into the spin button whose label has the mnemonic $1 (focusing selects its text),
# Tab commits it.
type_value() {
  press "$win" "$1"
  xdotool type --delay 50 "$2"
  xdotool key --clearmodifiers Tab
}

title="Neural Style Transfer"
running="Neural Style Transfer: running"
if [ "$mode" != repeat ]; then
  win=$(wait_for_window "$title" 120) || fail "dialog not found by its title \"$title\""
  echo "PASS dialog found by its title"
fi

if [ "$mode" = repeat ]; then
  progress=$(wait_for_window "$running" 120) || fail "Repeat shows no progress window"
  echo "PASS Repeat shows the progress window"
  # The preview comes about once a second.
  n=0
  colours=$(preview_colours "$progress")
  while [ "$colours" -le 20 ] && [ $n -lt 60 ]; do
    sleep 0.5
    colours=$(preview_colours "$progress")
    n=$((n + 1))
  done
  [ "$colours" -gt 20 ] || fail "no live preview in the repeat's progress window ($colours colours)"
  echo "PASS live preview shown ($colours colours)"
  press "$progress" alt+c
  wait_for_close "$running" 30 || fail "Cancel did not stop the repeat"
  echo "PASS Cancel stopped the repeat"
elif [ "$mode" = preview ] || [ "$mode" = preview-ok ]; then
  xdotool windowraise "$win" 2>/dev/null || true
  xdotool mousemove --sync 1279 1023
  sleep 3
  [ "$(previews_done)" -eq 0 ] || fail "a preview ran while the preview was off"
  colours=$(preview_area_colours "$win")
  [ "$colours" -le 3 ] || fail "the preview area is not empty while the preview is off ($colours colours)"
  echo "PASS the preview is off at first ($colours colours in its area, no engine run)"
  press "$win" alt+q
  wait_for_previews 1 360 || fail "no preview after switching it on"
  sleep 1  # the dialog picks the result up within a tenth of a second
  colours=$(preview_area_colours "$win")
  [ "$colours" -gt 20 ] || fail "no picture in the preview area ($colours colours)"
  first=$(preview_area_sum "$win")
  echo "PASS Alt+Q switched the preview on, it shows a picture ($colours colours)"
  type_value alt+y 100000
  wait_for_previews 2 360 || fail "no new preview after the style weight changed"
  sleep 1
  [ "$(preview_area_sum "$win")" != "$first" ] || fail "the preview did not change with the style weight"
  echo "PASS a new style weight gives a new preview"
  if [ "$mode" = preview-ok ]; then
    type_value alt+n 50
    sleep 2  # the pause after a change, then the preview runs
    press "$win" alt+o
    wait_for_close "$title" 10 || fail "OK during a preview did not close the dialog at once"
    echo "PASS OK during a preview closed the dialog at once"
  else
    # A change while a preview runs: that preview stops unfinished, the new one finishes.
    type_value alt+n 50
    sleep 2
    type_value alt+y 2000
    wait_for_previews 3 360 || fail "no preview after two changes"
    sleep 8
    done_now=$(previews_done)
    [ "$done_now" -eq 3 ] || fail "$done_now previews finished, 3 expected: the preview running at the second change was not cancelled"
    echo "PASS a change during a preview cancelled it; the newest finished"
    if [ -n "$screenshot" ]; then
      xwd -silent -id "$win" | xwdtopnm 2>/dev/null | pnmtopng >"$screenshot"
      echo "PASS screenshot of the dialog with its preview written to $screenshot"
    fi
    # Switching the preview off during a run: at once, and the run does not finish.
    type_value alt+n 20
    sleep 2
    press "$win" alt+q
    n=0
    colours=$(preview_area_colours "$win")
    while [ "$colours" -gt 3 ] && [ $n -lt 20 ]; do
      sleep 0.5
      colours=$(preview_area_colours "$win")
      n=$((n + 1))
    done
    [ "$colours" -le 3 ] || fail "the preview area still shows a picture after switching it off ($colours colours)"
    [ "$(previews_done)" -eq 3 ] || fail "the preview was cleared only after its run finished"
    sleep 8
    [ "$(previews_done)" -eq 3 ] || fail "the preview running when it was switched off finished anyway"
    echo "PASS switching the preview off during a run cleared it at once and stopped the run"
    # Cancel during a preview closes the dialog at once.
    press "$win" alt+q
    sleep 2
    press "$win" alt+c
    wait_for_close "$title" 10 || fail "Cancel during a preview did not close the dialog at once"
    echo "PASS Cancel during a preview closed the dialog at once"
  fi
elif [ "$mode" = cancel-dialog ]; then
  # Without a window manager windows overlap freely: raise the dialog above the image window,
  # and move the pointer off it so that no tooltip covers the screenshot.
  xdotool windowraise "$win" 2>/dev/null || true
  xdotool mousemove --sync 1279 1023
  sleep 2  # let the thumbnail and estimate settle before the screenshot
  [ -n "${DIALOG_TEST_DEBUG:-}" ] && xwd -silent -root | xwdtopnm 2>/dev/null | pnmtopng >"$screenshot.root.png"
  xwd -silent -id "$win" | xwdtopnm 2>/dev/null | pnmtopng >"$screenshot"
  [ -s "$screenshot" ] || fail "no screenshot"
  echo "PASS screenshot of the dialog written to $screenshot"
  press "$win" alt+c
  wait_for_close "$title" 20 || fail "Cancel did not close the dialog"
  echo "PASS Cancel closed the dialog"
elif [ "$mode" = ok-run ]; then
  press "$win" alt+o
  wait_for_close "$title" 20 || fail "OK did not close the dialog"
  echo "PASS OK closed the dialog"
elif [ "$mode" = preset ]; then
  # Alt+P focuses the Preset combo; Home moves it to Custom (it opens on the preset the values
  # match, Balanced for the defaults), Down from there to Fast preview.
  press "$win" alt+p
  xdotool key --clearmodifiers Home
  xdotool key --clearmodifiers Down
  sleep 1
  press "$win" alt+o
  wait_for_close "$title" 20 || fail "OK did not close the dialog"
  echo "PASS preset chosen with the keyboard, OK closed the dialog"
elif [ "$mode" = style-layer ]; then
  # The rows are open (the last values give the unused style 4 a region). Alt+1 focuses the
  # layer combo of style 1; Home and Down pick the first layer offered (GIMP lists the newest
  # image first: the style's); Tab moves to that style's region combo, End picks the last region
  # (the one channel).
  press "$win" alt+1
  xdotool key --clearmodifiers Home
  xdotool key --clearmodifiers Down
  xdotool key --clearmodifiers Tab
  xdotool key --clearmodifiers End
  sleep 2  # the region's thumbnail
  if [ -n "$screenshot" ]; then
    xdotool windowraise "$win" 2>/dev/null || true
    xdotool mousemove --sync 1279 1023
    sleep 1
    xwd -silent -id "$win" | xwdtopnm 2>/dev/null | pnmtopng >"$screenshot"
    [ -s "$screenshot" ] || fail "no screenshot"
    echo "PASS screenshot of the dialog with a style layer and a region written to $screenshot"
  fi
  press "$win" alt+o
  wait_for_close "$title" 20 || fail "OK did not close the dialog"
  echo "PASS a style layer and a region chosen with the keyboard, OK closed the dialog"
elif [ "$mode" = undo ]; then
  press "$win" alt+o
  wait_for_close "$title" 20 || fail "OK did not close the dialog"
  # GIMP's default image title counts the layers.
  image_win=$(wait_for_window ".*2 layers.*" 120) || fail "no image window with the new layer"
  echo "PASS the run added a layer"
  # The title changes as the layer is added, before the plug-in returns: Script-Fu must have
  # counted the layers (run-undo.scm then writes files/counted) before the undo, or it counts one.
  n=0
  until [ -e "$work/files/counted" ]; do
    [ $n -lt 120 ] || fail "Script-Fu did not check the new layer"
    kill -0 "$gimp_pid" 2>/dev/null || fail "GIMP ended before the undo"
    sleep 0.5
    n=$((n + 1))
  done
  press "$image_win" ctrl+z
  echo "PASS Ctrl+Z pressed in the image window"  # Script-Fu checks what it did
else
  press "$win" alt+o
  wait_for_close "$title" 20 || fail "OK did not close the dialog"
  progress=$(wait_for_window "$running" 60) || fail "progress window not found"
  echo "PASS progress window shown"
  xdotool mousemove --sync 1279 1023  # no tooltip over the screenshot
  sleep 4  # a few iterations, so that the progress text carries an estimate
  colours=$(preview_colours "$progress")
  [ "$colours" -gt 20 ] || fail "no live preview in the progress window ($colours colours)"
  echo "PASS live preview shown ($colours colours)"
  xwd -silent -root | xwdtopnm 2>/dev/null | pnmtopng >"$screenshot"
  [ -n "${DIALOG_TEST_DEBUG:-}" ] && xwininfo -root -tree >&2
  [ -s "$screenshot" ] || fail "no screenshot"
  echo "PASS screenshot of the run written to $screenshot"
  press "$progress" alt+c
  wait_for_close "$running" 30 || fail "Cancel did not stop the run"
  echo "PASS Cancel stopped the run"
fi

n=0
while [ $n -lt 60 ] && kill -0 "$gimp_pid" 2>/dev/null; do sleep 0.5; n=$((n + 1)); done
if kill -0 "$gimp_pid" 2>/dev/null; then
  [ -n "${DIALOG_TEST_DEBUG:-}" ] && { xwininfo -root -tree >&2; xwd -silent -root | xwdtopnm 2>/dev/null | pnmtopng >"$screenshot.end.png"; }
  fail "GIMP did not finish the batch script"
fi
gimp_pid=
cat "$results" 2>/dev/null || true
if [ ! -f "$results" ] || ! grep -qx DONE "$results" || grep -q '^FAIL' "$results"; then
  fail "$mode"
fi
echo "PASS $mode"
