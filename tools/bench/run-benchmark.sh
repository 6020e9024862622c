#!/bin/bash
# Side-by-side speed of the engine and a plain PyTorch implementation of the same objective.
#
#   tools/bench/run-benchmark.sh [SIZES...]      default: 256 512 1024
#   tools/bench/run-benchmark.sh --time-to-result [SIZE [RUNS]]
#       default 256 and "2:150,2:100,2:50,3:50,3:30" (SCALES:ITERATIONS per scale): the seconds until
#       each multi-scale run's full-size objective reaches the final loss of a single-scale run of
#       ITERATIONS (default 150) steps at full size, and the ratio to that run's time.
#       Runs on the bundled ImageNet layers (models/, the shallow layer set), the network users
#       get; WEIGHTS=FILE uses another weights file (the layer set it supports), WEIGHTS=random
#       the random network, which WIDTH_DIVISOR=D narrows D times (quicker, rougher); TRACE=FILE
#       writes every step's losses (run, scale, step, work, total, content, style, TV) there.
#   tools/bench/run-benchmark.sh --memory [SIZES...]
#       peak RSS against the memory model (core/src/memory_budget.cpp), default 256 512 768.
#   tools/bench/run-benchmark.sh --precision [SIZES...]
#       fp32 against bf16 (forced with NEURAL_STYLE_FORCE_BF16=1 where the CPU lacks it, so
#       oneDNN emulates it): seconds per iteration and the final loss after ITERATIONS steps.
#
# For each size runs, alternately and in one session: the engine (NHWC weights, its default),
# the engine with NCHW weights, and tools/bench/reference_pytorch.py on Debian's python3-torch,
# each in its own process with the same thread count, random weights and random images.
# Prints a Markdown table: median seconds per iteration, the speed-up over PyTorch, peak RSS, and
# the share of the convolution floor (FLOP count / measured convolution throughput).
# Needs the build in build/ (or $BUILD; tools/run-tests.sh or meson) and python3-torch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
build=${BUILD:-build}
mode=speed
case ${1:-} in
  --time-to-result) mode=ttr; shift ;;
  --memory) mode=memory; shift ;;
  --precision) mode=precision; shift ;;
esac
threads=${THREADS:-$(nproc)}
bench=$build/tools/bench/bench-core
machine="$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, threads $threads"

if [[ $mode == ttr ]]; then
  meson compile -C "$build" tools/bench/bench-core >/dev/null
  size=${1:-256}
  runs=${2:-2:150,2:100,2:50,3:50,3:30}
  WEIGHTS=${WEIGHTS:-models/vgg19-imagenet-conv1_1-conv3_4-f16.safetensors}
  [[ $WEIGHTS == random ]] && WEIGHTS=
  echo "machine: $machine; size $size; network ${WEIGHTS:-random, width 1/${WIDTH_DIVISOR:-1}}"
  echo
  echo "| run (scales:iterations) | full-size loss at start of last scale | final loss | seconds to the single-scale final loss | ratio | work to it (full-size steps) | work ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  extra=()
  [[ -n ${WEIGHTS:-} ]] && extra+=(--weights "$WEIGHTS")
  [[ -n ${TRACE:-} ]] && extra+=(--trace)
  out=$("$bench" --time-to-result --size "$size" --iterations "${ITERATIONS:-150}" \
    --threads "$threads" --runs "$runs" --width-divisor "${WIDTH_DIVISOR:-1}" "${extra[@]}" \
    2>"${TRACE:-/dev/stderr}")
  /usr/bin/python3 - "$out" <<'PY'
import json, sys
for line in sys.argv[1].splitlines():
    j = json.loads(line)
    start = j.get("full_size_start_loss")
    t = j["seconds_to_target"]
    start_s = "-" if start is None else f"{start:.4g}"
    t_s = "not reached" if t is None else f"{t:.1f}"
    r_s = "-" if t is None else f"{j['ratio']:.2f}"
    w_s = "-" if t is None else f"{j['work_to_target']:.1f}"
    wr_s = "-" if t is None else f"{j['work_ratio']:.2f}"
    print(f"| {j['run']} | {start_s} | {j['final_loss']:.4g} | {t_s} | {r_s} | {w_s} | {wr_s} |")
PY
  exit 0
fi
if [[ $mode == memory || $mode == precision ]]; then
  meson compile -C "$build" tools/bench/bench-core >/dev/null
  (($#)) || { [[ $mode == memory ]] && set -- 256 512 768 || set -- 256 512; }
  echo "machine: $machine"
  echo
  if [[ $mode == memory ]]; then
    echo "| size | peak RSS MiB | model MiB | model / measured |"
    echo "| --- | --- | --- | --- |"
  else
    echo "| size | fp32 s/it | bf16 s/it | fp32 final loss | bf16 final loss | loss ratio |"
    echo "| --- | --- | --- | --- | --- | --- |"
  fi
  for s in "$@"; do
    if [[ $mode == memory ]]; then
      m=$("$bench" --size "$s" --iterations 2 --threads "$threads")
      /usr/bin/python3 - "$m" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
est, rss = j["untiled_estimate_mib"], j["peak_rss_mib"]
print(f"| {j['size']} | {rss:.0f} | {est:.0f} | {est / rss:.2f} |")
PY
    else
      f=$("$bench" --size "$s" --iterations "${ITERATIONS:-10}" --threads "$threads")
      b=$(NEURAL_STYLE_FORCE_BF16=1 "$bench" --size "$s" --iterations "${ITERATIONS:-10}" \
        --threads "$threads" --precision bf16)
      /usr/bin/python3 - "$f" "$b" <<'PY'
import json, sys
f, b = (json.loads(a) for a in sys.argv[1:3])
print(f"| {f['size']} | {f['seconds_per_iteration']:.3f} | {b['seconds_per_iteration']:.3f} | "
      f"{f['final_loss']:.5g} | {b['final_loss']:.5g} | {b['final_loss'] / f['final_loss']:.4f} |")
PY
    fi
  done
  exit 0
fi

sizes=("${@:-256 512 1024}")
read -r -a sizes <<<"${sizes[*]}"
iters=${ITERATIONS:-5}
meson compile -C "$build" tools/bench/bench-core >/dev/null
py=/usr/bin/python3

conv=$($py tools/bench/conv_throughput.py --threads "$threads")
echo "machine: $machine"
echo "convolution throughput (3x3, 256->256 channels, 64x64, NHWC, forward+backward to input): $conv GFLOP/s"
echo
echo "| size | engine s/it | engine NCHW s/it | PyTorch s/it | speed-up | engine RSS MiB | PyTorch RSS MiB | GFLOP/it | share of floor |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for s in "${sizes[@]}"; do
  core=$("$bench" --size "$s" --iterations "$iters" --threads "$threads")
  nchw=$("$bench" --size "$s" --iterations "$iters" --threads "$threads" --nchw)
  ref=$($py tools/bench/reference_pytorch.py --size "$s" --iterations "$iters" --threads "$threads")
  $py - "$s" "$conv" "$core" "$nchw" "$ref" <<'PY'
import json, sys
size, conv = int(sys.argv[1]), float(sys.argv[2])
core, nchw, ref = (json.loads(a) for a in sys.argv[3:6])
# VGG-19 to relu5_1: forward FLOPs, doubled for the backward pass to the image.
layers = [(1, 3, 64), (1, 64, 64), (2, 64, 128), (2, 128, 128), (4, 128, 256)] + \
         [(4, 256, 256)] * 3 + [(8, 256, 512)] + [(8, 512, 512)] * 3 + [(16, 512, 512)]
gflop = sum(2 * 2 * (size // d) ** 2 * cin * cout * 9 for d, cin, cout in layers) / 1e9
floor = gflop / conv
c, n, r = core["seconds_per_iteration"], nchw["seconds_per_iteration"], ref["seconds_per_iteration"]
print(f"| {size} | {c:.3f} | {n:.3f} | {r:.3f} | {r / c:.2f}x | {core['peak_rss_mib']:.0f} | "
      f"{ref['peak_rss_mib']:.0f} | {gflop:.0f} | {floor / c:.0%} |")
PY
done
