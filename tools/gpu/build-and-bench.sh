#!/bin/bash
# Builds the engine and its benchmark against the LibTorch inside a Python PyTorch install (the
# official CUDA wheels included) and runs the GPU benchmark: seconds per iteration and GPU memory
# at each size, in fp32, TF32 and bf16.
#
#   tools/gpu/build-and-bench.sh [--dry-run] [--cpu] [SIZES...]     default sizes: 512 1024 2048
#
#   PYTHON      the Python whose torch is used (default python3)
#   BUILD       build directory (default build-gpu)
#   ITERATIONS  steps per measurement (default 10; the median step is reported)
#   --dry-run   print what would be configured and run, run nothing
#   --cpu       benchmark on the CPU instead (checks the script on a machine without a GPU; use
#               small sizes)
#
# The torch is found through its CMake config (torch.utils.cmake_prefix_path is
# <prefix>/share/cmake) and passed to meson as -Dtorch_dir=<prefix>; core/meson.build then links
# libtorch_cuda and libc10_cuda when they are there. The wheel's C++ ABI flag is matched
# (-D_GLIBCXX_USE_CXX11_ABI), so only the core and the benchmark are built: the CLI and the
# plug-ins link other C++ libraries built with the system's ABI. A torch without C++ headers
# (Debian's python3-torch keeps them in /usr/include) falls back to the system LibTorch.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

dry=false
device=cuda
sizes=()
for a in "$@"; do
  case $a in
    --dry-run) dry=true ;;
    --cpu) device=cpu ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) sizes+=("$a") ;;
  esac
done
((${#sizes[@]})) || sizes=(512 1024 2048)
py=${PYTHON:-python3}
build=${BUILD:-build-gpu}
iters=${ITERATIONS:-10}

run() {
  echo "+ $*" >&2
  $dry || "$@"
}

read -r prefix abi cuda torch_version < <("$py" - <<'PY'
import os, torch
prefix = os.path.dirname(os.path.dirname(torch.utils.cmake_prefix_path))
print(prefix, int(torch._C._GLIBCXX_USE_CXX11_ABI), int(torch.cuda.is_available()), torch.__version__)
PY
)
echo "torch $torch_version at $prefix (C++11 ABI $abi, CUDA available: $cuda)"
torch_dir=$prefix
if [[ ! -f $prefix/include/torch/version.h ]]; then
  echo "no C++ headers under $prefix/include: using the system LibTorch" >&2
  torch_dir=
fi
if [[ $device == cuda && $cuda != 1 ]]; then
  echo "this torch sees no GPU; use --cpu to exercise the script on the CPU" >&2
  $dry || exit 1
fi

if [[ ! -f $build/build.ninja ]]; then
  run meson setup "$build" -Dtorch_dir="$torch_dir" -Dcli=disabled -Dgimp=disabled \
    -Dtests=false -Dcpp_args=-D_GLIBCXX_USE_CXX11_ABI="$abi" --buildtype=release
fi
run meson compile -C "$build" tools/bench/bench-core
bench=$build/tools/bench/bench-core

if $dry; then
  echo "(dry run: nothing configured, built or run)"
elif [[ $device == cuda ]]; then
  echo "GPU: $($py -c 'import torch; print(torch.cuda.get_device_name(0))')"
else
  echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores"
fi
echo
echo "| size | precision | s/it | GPU memory MiB (reserved) | peak RSS MiB | final loss |"
echo "| --- | --- | --- | --- | --- | --- |"
for s in "${sizes[@]}"; do
  for prec in fp32 tf32 bf16; do
    # TF32 exists only on GPUs: on the CPU the engine would fall back to fp32.
    [[ $device == cpu && $prec == tf32 ]] && continue
    if $dry; then
      echo "+ $bench --device $device --size $s --iterations $iters --precision $prec" >&2
      continue
    fi
    out=$(NEURAL_STYLE_FORCE_BF16=${NEURAL_STYLE_FORCE_BF16:-} "$bench" --device "$device" \
      --size "$s" --iterations "$iters" --threads "$(nproc)" --precision "$prec") || {
      echo "| $s | $prec | failed (status $?) | | | |"
      continue
    }
    "$py" - "$out" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
gpu = j.get("cuda_reserved_mib")
print(f"| {j['size']} | {j['precision']} | {j['seconds_per_iteration']:.3f} | "
      f"{'-' if gpu is None else f'{gpu:.0f}'} | {j['peak_rss_mib']:.0f} | {j['final_loss']:.5g} |")
PY
  done
done
