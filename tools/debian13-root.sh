#!/bin/bash
# Runs a command in a Debian 13 ("trixie") root that has GIMP 3, libgimp-3.0-dev and LibTorch,
# with this checkout bind-mounted at the same path as on the host.
#
# This is how developers and CI build and test the GIMP 3 plug-in on a Debian 12 host, whose own
# GIMP is 2.10. The root lives outside the checkout (default /var/cache/gimp-neural-style/trixie)
# so that every checkout and every CI run on the machine reuses it; it is made with debootstrap
# when missing and made again when the package list below changes (a stamp file records it).
#
#   sudo tools/debian13-root.sh [options] [--] COMMAND [ARG...]
#   sudo tools/debian13-root.sh --shell            # interactive shell inside
#   sudo tools/debian13-root.sh --create           # only create or update the root
#
# Options:
#   --root DIR      root folder (also $GNS_TRIXIE_ROOT)
#   --mirror URL    Debian mirror (also $GNS_DEBIAN_MIRROR); default: debootstrap's own
#   --env NAME=VAL  pass an environment variable to COMMAND (repeatable)
#   --rebuild       throw the root away and make it again
#
# Mounts are made by tools/chroot-run.sh in a private mount namespace: nothing is visible on the
# host, and nothing is left behind by a failing or killed command.
set -euo pipefail

readonly SUITE=trixie
# Build and test packages. Changing this list (or SUITE) makes the next run rebuild the root.
readonly PACKAGES=(
  # build
  g++ meson ninja-build pkg-config gettext ccache git ca-certificates
  libgimp-3.0-dev libtorch-dev libdnnl-dev libgtest-dev nlohmann-json3-dev
  # the model library: SHA-256 (Nettle), the PyTorch checkpoint reader (libzip), and the
  # dialog's "Download VGG-19 weights…" (libcurl)
  nettle-dev libzip-dev libcurl4-openssl-dev
  # test: GIMP 3 in batch mode with Python-Fu and Script-Fu, a display for the dialog screenshot
  gimp python3-gi xvfb xauth x11-apps x11-utils xdotool
  # the Debian packages (tools/build-packages.sh): debian/control's other build dependencies
  # (the command line tool's libraries among them) and the tools that build and check them
  build-essential dpkg-dev debhelper fakeroot lintian help2man libopenimageio-dev libcli11-dev
  # gettext ignores LANGUAGE in the C locale: the translation test needs a real German locale
  locales
)
readonly LOCALES=(de_DE.UTF-8)
# The tests build the plug-in and the CLI (one GIMP 3 case compares with it); the CLI's own tests
# run natively on the host.
readonly STAMP_VERSION=2  # bump when the setup steps below change in a way that needs a rebuild

CACHE_DIR=/var/cache/gimp-neural-style
ROOT=${GNS_TRIXIE_ROOT:-$CACHE_DIR/$SUITE}
MIRROR=${GNS_DEBIAN_MIRROR:-}
CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
TOOLS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

die() { echo "debian13-root: $*" >&2; exit 2; }
note() { echo "debian13-root: $*" >&2; }

stamp_text() {
  printf 'suite=%s\nversion=%s\npackages=%s\nlocales=%s\n' "$SUITE" "$STAMP_VERSION" \
    "$(printf '%s\n' "${PACKAGES[@]}" | sort | tr '\n' ' ')" "${LOCALES[*]}"
}

# Refuses to delete a folder that has anything mounted below it: a leaked bind mount of a
# checkout would otherwise be deleted with it.
safe_remove() {
  local dir=$1
  [[ -e $dir ]] || return 0
  if findmnt -rn -o TARGET | grep -q -- "^$dir\(/\|$\)"; then
    die "refusing to delete $dir: something is mounted below it (see findmnt)"
  fi
  rm -rf --one-file-system -- "$dir"
}

# --- On the host ---------------------------------------------------------------------------

mode=run
rebuild=0
env_args=()
while (($#)); do
  case $1 in
    --root) ROOT=$2; shift 2 ;;
    --mirror) MIRROR=$2; shift 2 ;;
    --env) [[ $2 == *=* ]] || die "--env wants NAME=VALUE"; env_args+=("$2"); shift 2 ;;
    --rebuild) rebuild=1; shift ;;
    --create) mode=create; shift ;;
    --shell) mode=shell; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
[[ $mode != run || $# -gt 0 ]] || die "no command given (see --help)"
((EUID == 0)) || die "needs root (debootstrap, chroot and mounts); run it with sudo"
ROOT=$(realpath -m -- "$ROOT")
[[ $ROOT != / && $ROOT != "$CHECKOUT"* ]] || die "the root must lie outside the checkout: $ROOT"

mkdir -p "$CACHE_DIR" "$(dirname "$ROOT")"
LOCK=$ROOT.lock

# Runs COMMAND in ROOT (tools/chroot-run.sh) with the checkout and the compiler cache at the same
# paths as on the host, so that a meson build folder configured inside stays valid in the host's
# view (logs, testlog.json).
run_in_root() {  # run_in_root ROOT WORKDIR COMMAND...
  local root=$1 workdir=$2; shift 2
  local -a args=(--bind "$CHECKOUT" --bind "$CACHE_DIR/ccache-$SUITE" --workdir "$workdir"
                 --env "CCACHE_DIR=$CACHE_DIR/ccache-$SUITE")
  local e
  for e in "${env_args[@]}"; do args+=(--env "$e"); done
  mkdir -p "$CACHE_DIR/ccache-$SUITE"
  "$TOOLS/chroot-run.sh" "${args[@]}" "$root" -- "$@"
}

root_is_current() {
  [[ -f $ROOT/.gns-stamp ]] && [[ "$(cat "$ROOT/.gns-stamp")" == "$(stamp_text)" ]]
}

create_root() {
  local new=$ROOT.new started=$SECONDS
  command -v debootstrap >/dev/null || {
    note "installing debootstrap on the host"
    apt-get install -y --no-install-recommends debootstrap >&2
  }
  safe_remove "$new"
  note "debootstrap $SUITE into $new"
  # debootstrap mounts /proc and /sys in the new root for its second stage; in a private
  # namespace an interrupted run cannot leave them mounted on the host.
  unshare --mount --propagation private \
    debootstrap --variant=minbase "$SUITE" "$new" ${MIRROR:+"$MIRROR"} >&2
  # No daemons from maintainer scripts, no recommends, no docs: a build root, not a system.
  printf '#!/bin/sh\nexit 101\n' >"$new/usr/sbin/policy-rc.d"
  chmod 755 "$new/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$new/etc/apt/apt.conf.d/90gns"
  printf 'path-exclude=/usr/share/doc/*\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n' \
    >"$new/etc/dpkg/dpkg.cfg.d/90gns-nodoc"
  note "installing ${PACKAGES[*]}"
  run_in_root "$new" / bash -c 'apt-get update -q && apt-get install -y -q "$@" && apt-get clean' _ \
    "${PACKAGES[@]}" >&2
  printf '%s UTF-8\n' "${LOCALES[@]}" >"$new/etc/locale.gen"
  run_in_root "$new" / locale-gen >&2
  stamp_text >"$new/.gns-stamp"
  # Swap first, delete later: removing 2 GB of files takes a while, and the old root is no
  # longer needed by anyone once the new one is in place.
  if [[ -e $ROOT ]]; then
    safe_remove "$ROOT.old"
    mv -- "$ROOT" "$ROOT.old"
  fi
  mv -- "$new" "$ROOT"
  note "root ready in $((SECONDS - started)) s: $ROOT"
}

# Creation takes the lock exclusively; runs hold it shared so that a rebuild never pulls the root
# from under a running build.
exec 9>"$LOCK"
if ((rebuild)) || ! root_is_current; then
  flock -x 9
  if ((rebuild)) || ! root_is_current; then
    [[ -d $ROOT ]] && note "package list changed or rebuild asked: making the root again"
    create_root
  fi
fi
flock -s 9
if [[ -e $ROOT.old ]]; then
  # Only one process may delete it; the others go on with the new root.
  (flock -n 8 && safe_remove "$ROOT.old") 8>"$ROOT.old.lock" || true
fi

case $mode in
  create) exit 0 ;;
  shell) set -- /bin/bash -l ;;
esac
workdir=$(pwd -P)
[[ $workdir == "$CHECKOUT" || $workdir == "$CHECKOUT"/* ]] || workdir=$CHECKOUT
run_in_root "$ROOT" "$workdir" "$@"
