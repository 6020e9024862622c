#!/bin/bash
# Builds a libFuzzer target for each checkpoint parser (safetensors, PyTorch zip, legacy
# PyTorch, and the pickle machine alone) with clang, AddressSanitizer and UBSan, and runs each
# for a while from a seed corpus that tools/make_test_checkpoints.py writes.
#
#   tools/fuzz.sh [SECONDS]        seconds per target, default 20
#
# Environment: FUZZ_DIR (build and corpus folder, default build-fuzz/ in the checkout),
# FUZZ_TARGETS (a subset, e.g. "pickle torch_legacy").
# Exits 0 when no target crashed, 1 when one did (the input is kept under FUZZ_DIR/crashes/ and
# printed), 77 (meson's "skipped") when clang or its fuzzer runtime is missing. The parsers are
# compiled here straight from models/src/, not by the meson (g++) build: libFuzzer
# needs clang's instrumentation and none of LibTorch.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=${1:-20}
dir=${FUZZ_DIR:-build-fuzz}
targets=(${FUZZ_TARGETS:-safetensors torch_zip torch_legacy pickle})

cxx=""
for c in clang++-14 clang++; do
  command -v "$c" >/dev/null && { cxx=$c; break; }
done
if [[ -z $cxx ]]; then
  echo "fuzz: clang++ not found (tools/setup.sh installs clang-14 and libclang-rt-14-dev); skipped"
  exit 77
fi
mkdir -p "$dir/obj" "$dir/bin" "$dir/crashes"
flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
  -fno-sanitize-recover=undefined -DNEURAL_STYLE_HAVE_LIBZIP=1 -Imodels/include -Imodels/src)
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
  "$cxx" -x c++ - -fsanitize=fuzzer -o "$dir/bin/probe" 2>/dev/null; then
  echo "fuzz: $cxx cannot link libFuzzer (install libclang-rt-14-dev); skipped"
  exit 77
fi

echo "fuzz: building with $cxx"
objects=()
for src in models/src/formats/*.cpp models/src/model_files.cpp models/src/vgg19_layout.cpp; do
  obj="$dir/obj/$(basename "${src%.cpp}").o"
  # Rebuilt only when a source or header changed.
  if [[ ! -f $obj || -n $(find models/src models/include -newer "$obj" \
    -print -quit) ]]; then
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || exit 1
  fi
  objects+=("$obj")
done
for t in "${targets[@]}"; do
  "$cxx" "${flags[@]}" -fsanitize=fuzzer "tests/fuzz/fuzz_$t.cpp" "${objects[@]}" -lzip \
    -o "$dir/bin/fuzz_$t" || exit 1
done

# Seeds: tiny checkpoints of each format written by PyTorch, and the pickles inside the zips.
seeds=$dir/seeds
if [[ ! -d $seeds/zip ]]; then
  if /usr/bin/python3 tools/make_test_checkpoints.py --corpus "$seeds" 2>"$dir/seeds.log"; then
    mkdir -p "$seeds/pickle"
    for z in "$seeds"/zip/*.pth; do
      unzip -p "$z" '*/data.pkl' >"$seeds/pickle/$(basename "$z" .pth).pkl" 2>/dev/null ||
        /usr/bin/python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
sys.stdout.buffer.write(z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0]))' \
          "$z" >"$seeds/pickle/$(basename "$z" .pth).pkl"
    done
    cp "$seeds"/legacy/*.pth "$seeds/pickle/"
  else
    echo "fuzz: no seed corpus (python3-torch missing?), starting from nothing: $(tail -1 "$dir/seeds.log")"
    mkdir -p "$seeds"/{safetensors,zip,legacy,pickle}
  fi
fi
declare -A seed_dir=([safetensors]=safetensors [torch_zip]=zip [torch_legacy]=legacy [pickle]=pickle)

status=0
for t in "${targets[@]}"; do
  corpus=$dir/corpus/$t
  mkdir -p "$corpus"
  log=$dir/fuzz_$t.log
  # Memory limits far above what any input of a few kilobytes may legitimately cost: a parser
  # allocating by a claimed size instead of the bytes present shows up as a failure.
  "$dir/bin/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -max_len=65536 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$dir/crashes/$t-" "$corpus" "$seeds/${seed_dir[$t]}" >"$log" 2>&1
  rc=$?
  runs=$(awk '/stat::number_of_executed_units/ {s += $2} END {print s + 0}' "$log")
  if ((rc != 0)); then
    status=1
    echo "fuzz: $t FAILED after $runs executions; log $log:"
    grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -20
  else
    echo "fuzz: $t ok, $runs executions in ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs"
  fi
done
exit $status
