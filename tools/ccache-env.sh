# Compiler-cache settings shared by the build scripts (tools/build.sh, tools/sanitize.sh,
# tools/gimp3-tests.sh); source it, do not run it.
#
# The cache lives outside the checkout so that a fresh clone rebuilds fast: $CCACHE_DIR when set
# (tools/debian13-root.sh sets its own for the Debian 13 root), else
# /var/cache/gimp-neural-style/ccache when that can be written, else ccache's own default.
# shellcheck shell=bash

_gns_ccache_dir=/var/cache/gimp-neural-style/ccache
if [[ -z ${CCACHE_DIR:-} ]] && mkdir -p "$_gns_ccache_dir" 2>/dev/null &&
  [[ -w $_gns_ccache_dir ]]; then
  export CCACHE_DIR=$_gns_ccache_dir
fi
unset _gns_ccache_dir
# The precompiled LibTorch header would defeat ccache without these.
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-5G}
