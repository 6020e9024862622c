#!/bin/sh
# The layering the house rules promise, checked on the sources and the built engine:
# models/ includes no LibTorch; core/ includes and links neither libcurl, OpenSSL nor libzip
# directly (the model library reads checkpoints for it); core/ and plugin/common/ include no
# GIMP adapter or ui/ header; ui/ includes no adapter header (ui -> plugin/common -> engine).
#
# usage: layering.sh SOURCE_ROOT [ENGINE_MODULE]
set -eu
root=$1
module=${2:-}
status=0
check() {  # check WHAT PATTERN DIR...
  what=$1 pattern=$2
  shift 2
  if hits=$(grep -rnE "$pattern" "$@" 2>/dev/null); then
    echo "FAIL $what:"
    echo "$hits"
    status=1
  else
    echo "PASS $what"
  fi
}
cd "$root"
check "models/ includes no LibTorch" '#include *[<"](torch/|ATen/|c10/)' models
check "core/ includes no libcurl, OpenSSL or libzip" '#include *[<"](curl/|openssl/|zip\.h)' core
check "core/ and plugin/common/ include no adapter or ui/ header" \
  '#include *"(gimp2/|gimp3/|ui/|\.\./ui/)' core plugin/common
check "ui/ includes no adapter header" '#include *"(gimp2/|gimp3/|plugin/gimp)' ui
check "core/meson.build names no libcurl, OpenSSL or libzip dependency" \
  "dependency\('(libcurl|libcrypto|openssl|libzip)'" core/meson.build
if [ -n "$module" ]; then
  if readelf -d "$module" | grep -E 'NEEDED.*(libcurl|libssl|libcrypto)'; then
    echo "FAIL the engine module links a network library"
    status=1
  else
    echo "PASS the engine module links no network library"
  fi
fi
exit $status
