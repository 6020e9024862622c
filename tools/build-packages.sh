#!/bin/bash
# Builds the Debian packages (debian/) from the source tarball that `meson dist` makes of this
# checkout, and checks them with lintian: on Debian 12 the GIMP 2.10 plug-in, on Debian 13 the
# GIMP 3 plug-in, each with the neural-style command it depends on.
#
#   tools/build-packages.sh [--release bookworm|trixie|all] [--out DIR]      (as root)
#
# bookworm is built on this machine (which must be Debian 12), trixie in the Debian 13 root of
# tools/debian13-root.sh. The packages, their .changes and .buildinfo files and lintian's report
# (lintian.txt) land in DIR/RELEASE/ (default: build-packages/ in the checkout). The tarball holds
# what is committed (git archive of HEAD): commit first.
#
# Each release builds in a fixed folder outside the checkout (/var/cache/gimp-neural-style/
# packages/RELEASE), so that the compiler cache recognises the objects from one checkout to the
# next, and a tarball that was built before (same SHA-256) is not built again. Exit status: 0 when
# every package built and lintian found no error.
set -euo pipefail

readonly CACHE=/var/cache/gimp-neural-style/packages
# The build folder inside the Debian 13 root: on the root's own file system, at a fixed path.
readonly ROOT_WORK=/var/tmp/gns-packages
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

note() { echo "build-packages: $*" >&2; }
die() { note "$*"; exit 2; }

# Builds TARBALL's packages in WORK and copies them with lintian's report to OUT. Runs on the host
# for bookworm and inside the Debian 13 root for trixie.
build_here() {  # build_here WORK TARBALL OUT
  local work=$1 tarball=$2 out=$3 started=$SECONDS
  rm -rf "$work/src"
  mkdir -p "$work/src" "$out"
  tar -xf "$tarball" -C "$work/src"
  local src
  src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d)
  cd "$src"
  if ! dpkg-checkbuilddeps >/dev/null 2>&1 || ! command -v lintian >/dev/null; then
    note "installing the build dependencies (apt-get build-dep) and lintian"
    apt-get update -qq
    apt-get build-dep -y -qq "$src" >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends lintian >/dev/null
  fi
  # Meson uses ccache by itself when it is installed. dpkg's -ffile-prefix-map names the
  # folder, so the fixed folder is what lets the cache hit.
  # shellcheck source=tools/ccache-env.sh
  source "$TOOLS/ccache-env.sh"
  local jobs=${GNS_JOBS:-2}
  note "dpkg-buildpackage in $src"
  DEB_BUILD_OPTIONS="nocheck parallel=$jobs" nice -n 10 dpkg-buildpackage -us -uc -b \
    >"$work/build.log" 2>&1 || { tail -40 "$work/build.log" >&2; die "dpkg-buildpackage failed"; }
  note "built in $((SECONDS - started)) s"
  local changes
  changes=$(ls "$work"/src/*.changes)
  local lintian_status=0
  lintian --fail-on error --display-info "$changes" \
    >"$work/lintian.txt" 2>&1 || lintian_status=$?
  rm -f "$out"/*.deb "$out"/*.changes "$out"/*.buildinfo
  cp "$work"/src/*.deb "$work"/src/*.changes "$work"/src/*.buildinfo "$work/lintian.txt" \
    "$work/build.log" "$out/"
  if ((lintian_status)); then
    note "lintian found errors:"
    grep '^E:' "$work/lintian.txt" >&2 || cat "$work/lintian.txt" >&2
    return 1
  fi
  note "lintian: no errors ($(grep -c '^W:' "$work/lintian.txt" || true) warnings, see $out/lintian.txt)"
}

if [[ ${1:-} == --inside-root ]]; then
  shift
  build_here "$@"
  exit $?
fi

release=all
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$(pwd -P)
out=$top/build-packages
while (($#)); do
  case $1 in
    --release) release=$2; shift 2 ;;
    --out) out=$(realpath -m -- "$2"); shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case $release in
  all) releases=(bookworm trixie) ;;
  bookworm | trixie) releases=("$release") ;;
  *) die "--release: bookworm, trixie or all" ;;
esac
((EUID == 0)) || die "needs root (build dependencies, the Debian 13 root); run it with sudo"

# The source tarball, as a release would make it.
dist=$top/build-dist
if [[ ! -f $dist/build.ninja ]]; then
  rm -rf "$dist"
  meson setup "$dist" -Dtests=false -Dcli=disabled -Dgimp=disabled -Ddownload=disabled \
    >/dev/null || die "meson setup $dist failed"
fi
rm -rf "$dist/meson-dist"
[[ -z $(git status --porcelain --untracked-files=no) ]] ||
  note "the checkout has uncommitted changes: the tarball holds HEAD without them"
meson dist -C "$dist" --no-tests --formats xztar --allow-dirty >/dev/null 2>&1 ||
  die "meson dist failed"
tarball=$(ls "$dist"/meson-dist/*.tar.xz)
sum=$(sha256sum "$tarball" | cut -d' ' -f1)
note "source tarball $tarball ($sum)"

status=0
for rel in "${releases[@]}"; do
  cache=$CACHE/$rel
  mkdir -p "$cache"
  # One build per release at a time: two checkouts on one machine share the folder.
  exec {lock_fd}>"$cache.lock"
  flock "$lock_fd"
  if [[ -f $cache/tarball.sha256 && $(cat "$cache/tarball.sha256") == "$sum" ]] &&
    ls "$cache"/out/*.deb >/dev/null 2>&1; then
    note "$rel: this tarball's packages are built already ($cache/out)"
  else
    rm -f "$cache/tarball.sha256"
    case $rel in
      bookworm)
        codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
        [[ $codename == bookworm ]] || die "bookworm packages build on Debian 12; this is $codename"
        (build_here "$cache" "$tarball" "$cache/out") || status=1
        ;;
      trixie)
        # The tarball and the results pass through the checkout, which the root bind-mounts.
        stage=$out/.trixie-stage
        rm -rf "$stage"
        mkdir -p "$stage"
        "$TOOLS/debian13-root.sh" -- "$TOOLS/build-packages.sh" --inside-root "$ROOT_WORK" \
          "$tarball" "$stage" || status=1
        rm -rf "$cache/out"
        mv "$stage" "$cache/out"
        ;;
    esac
    ((status)) || echo "$sum" >"$cache/tarball.sha256"
  fi
  rm -rf "$out/$rel"
  mkdir -p "$out/$rel"
  cp "$cache"/out/* "$out/$rel/"
  note "$rel: $(cd "$out/$rel" && ls ./*.deb | grep -v dbgsym | xargs -n1 basename | tr '\n' ' ')"
  exec {lock_fd}>&-
done
exit $status
