#!/bin/bash
# Side-by-side speed of the engine and a plain PyTorch implementation of the same objective.
#
#   tools/bench/run-benchmark.sh [SIZES...]      default: 256 512 1024
#
# For each size runs, alternately and in one session: the engine (NHWC weights, its default),
# the engine with NCHW weights, and tools/bench/reference_pytorch.py on Debian's python3-torch,
# each in its own process with the same thread count, random weights and random images.
# Prints a Markdown table: median seconds per iteration, the speed-up over PyTorch, peak RSS, and
# the share of the convolution floor (FLOP count / measured convolution throughput).
# Needs the build in build/ (tools/run-tests.sh or meson) and python3-torch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
sizes=("${@:-256 512 1024}")
read -r -a sizes <<<"${sizes[*]}"
threads=${THREADS:-$(nproc)}
iters=${ITERATIONS:-5}
meson compile -C build tools/bench/bench-core >/dev/null
py=/usr/bin/python3

conv=$($py tools/bench/conv_throughput.py --threads "$threads")
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, threads $threads"
echo "convolution throughput (3x3, 256->256 channels, 64x64, NHWC, forward+backward to input): $conv GFLOP/s"
echo
echo "| size | engine s/it | engine NCHW s/it | PyTorch s/it | speed-up | engine RSS MiB | PyTorch RSS MiB | GFLOP/it | share of floor |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for s in "${sizes[@]}"; do
  core=$(build/tools/bench/bench-core --size "$s" --iterations "$iters" --threads "$threads")
  nchw=$(build/tools/bench/bench-core --size "$s" --iterations "$iters" --threads "$threads" --nchw)
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
