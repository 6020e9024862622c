#!/bin/bash
# Runs the CLI with the default settings but for the style and TV weights, once per pair, on one
# content and style image, and prints a Markdown table of the quality measures
# (tools/quality_metrics.py) and the wall-clock time: how docs/defaults.md checks the defaults.
#
#   tools/compare-weights.sh CONTENT STYLE OUT_DIR [BETA:GAMMA ...]     default 3:1 10:1 30:1 10:0.1
#
# The network is the model search's default choice (the bundled ImageNet conv1-3 unless a full
# VGG-19 is installed); WEIGHTS=FILE picks another. Results are kept in OUT_DIR for looking at.
set -euo pipefail
content=$(realpath "$1") style=$(realpath "$2") out=$(realpath -m "$3")
shift 3
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pairs=("$@")
((${#pairs[@]})) || pairs=(3:1 10:1 30:1 10:0.1)
mkdir -p "$out"
extra=()
[[ -n ${WEIGHTS:-} ]] && extra+=(--weights "$WEIGHTS")
echo "| β | γ | seconds | J_style change | luminance SSIM to content | palette distance to style (content's) |"
echo "| --- | --- | --- | --- | --- | --- |"
for pair in "${pairs[@]}"; do
  IFS=: read -r beta gamma <<<"$pair"
  result=$out/beta$beta-gamma$gamma.png
  start=$SECONDS
  build/cli/neural-style --content "$content" --style "$style" --output "$result" \
    --style-weight "$beta" --tv-weight "$gamma" --log-json "$out/beta$beta-gamma$gamma.jsonl" \
    -q "${extra[@]}" >/dev/null 2>"$out/beta$beta-gamma$gamma.err"
  secs=$((SECONDS - start))
  /usr/bin/python3 - "$beta" "$gamma" "$secs" "$(/usr/bin/python3 tools/quality_metrics.py \
    "$content" "$style" "$result" --log "$out/beta$beta-gamma$gamma.jsonl")" <<'PY'
import json, sys
beta, gamma, secs, m = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
print(f"| {beta} | {gamma} | {secs} | {m['style_loss_change']:+.0%} | "
      f"{m['luminance_ssim_to_content']:.2f} | {m['colour_distance_to_style']:.3f} "
      f"({m['content_colour_distance_to_style']:.3f}) |")
PY
done
