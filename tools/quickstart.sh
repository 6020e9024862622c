#!/bin/bash
# Sets up, builds what it runs (the engine, the CLI and the GIMP plug-in; not the test suite),
# and stylises a generated example, through GIMP when the plug-in is built. Each stage says what
# it does and how long it took, on standard error.
#
#   tools/quickstart.sh            (asks for sudo to install packages unless run as root)
#
# Prints the path of the resulting PNG as its last line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$(pwd -P)

stage_start=$SECONDS
stage() {  # stage "what was done": reports the time since the previous stage
  echo "quickstart: $1 ($((SECONDS - stage_start)) s)" >&2
  stage_start=$SECONDS
}

echo "quickstart: installing the Debian packages (tools/setup.sh)..." >&2
if [[ $(id -u) == 0 ]]; then bash tools/setup.sh >&2; else sudo bash tools/setup.sh >&2; fi
stage "packages ready"

echo "quickstart: building the engine, the CLI and the plug-in into build/ (several minutes on 2 cores)..." >&2
# The same configuration as the test command's (tools/build.sh), but only the targets a user
# runs: the test programs are built by tools/run-tests.sh when it is run.
targets=(neural-style neural-style-engine)
bash tools/build.sh build --configure-only
if meson introspect build --targets | grep -q '"name": "gimp-neural-style"'; then
  targets+=(gimp-neural-style)
fi
meson compile -C build "${targets[@]}" >/dev/null
stage "built ${targets[*]}"

example=$top/build/example
/usr/bin/python3 tools/make_example_images.py --dest "$example" >/dev/null
# Which network the run uses: the model search's default choice.
network=$(build/cli/neural-style models list | grep -- '<- used by default' | awk '{print $1}' || true)
if [[ -z $network ]]; then
  echo "quickstart: no weights file found: the run uses the random network" >&2
else
  echo "quickstart: the run uses $network" >&2
fi

plugin=build/plugin/gimp2/gimp-neural-style
if [[ -x $plugin ]] && command -v gimp-console-2.10 >/dev/null; then
  # A user install, as docs/gimp-plugin.md describes it.
  profile=${GIMP2_DIRECTORY:-$HOME/.config/GIMP/2.10}
  dest=$profile/plug-ins/gimp-neural-style
  # A profile GIMP has never started with lacks gradients/, and GIMP complains at exit.
  mkdir -p "$dest" "$profile/gradients"
  install -m 755 "$plugin" "$dest/gimp-neural-style"
  install -m 644 build/core/libneural-style-engine.so "$dest/libneural-style-engine.so"
  echo "quickstart: installed the plug-in into $dest" >&2
  result=$example/result-gimp.png
  rm -f "$result"
  echo "quickstart: stylising $example/content.png through GIMP (a few minutes)..." >&2
  # The engine's defaults (default_params()), spelt out: content weight, style weight, TV weight,
  # iterations, max size, Adam, content start, no colour preservation, seed 0, device auto,
  # default weights; then no extra styles, equal blend, style scale 1, colour mode none, preset
  # custom, the automatic layers, 2 scales, the optimiser's own learning rate, relative weights.
  gimp-console-2.10 -i -d -f -b "
    (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"$example/content.png\" \"content.png\")))
           (layer (car (gimp-image-get-active-layer image)))
           (result (car (plug-in-neural-style RUN-NONINTERACTIVE image layer \"$example/style.png\"
                          1 10 1 150 512 0 0 0 0 0 \"\"
                          \"\" \"\" \"\" \"\" 1.0 0 0 \"\" \"\" 2 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))))
      (gimp-file-save RUN-NONINTERACTIVE image result \"$result\" \"$result\")
      ; An image left open at exit makes GIMP report leaked buffers of its own.
      (gimp-image-delete image))" \
    -b "(gimp-quit 0)" >&2
  [[ -f $result ]] || { echo "quickstart: GIMP did not write $result" >&2; exit 1; }
else
  result=$example/result-cli.png
  echo "quickstart: the GIMP plug-in is not built; using the command line tool" >&2
  build/cli/neural-style --content "$example/content.png" --style "$example/style.png" \
    --output "$result" >/dev/null
fi
stage "stylised"
echo "$result"
