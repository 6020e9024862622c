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
# Every mount is made in a private mount namespace (unshare), so nothing is visible on the host,
# concurrent runs do not see each other's mounts, and the kernel drops them even if this script
# is killed. The trap unmounts them explicitly all the same, so a failing command leaves nothing.
set -euo pipefail

readonly SUITE=trixie
# Build and test packages. Changing this list (or SUITE) makes the next run rebuild the root.
readonly PACKAGES=(
  # build
  g++ meson ninja-build pkg-config gettext ccache git ca-certificates
  libgimp-3.0-dev libtorch-dev libgtest-dev nlohmann-json3-dev
  # the model library: SHA-256 (Nettle), the PyTorch checkpoint reader (libzip), and the
  # dialog's "Download VGG-19 weights…" (libcurl)
  nettle-dev libzip-dev libcurl4-openssl-dev
  # test: GIMP 3 in batch mode with Python-Fu and Script-Fu, a display for the dialog screenshot
  gimp python3-gi xvfb xauth x11-apps x11-utils xdotool
  # gettext ignores LANGUAGE in the C locale: the translation test needs a real German locale
  locales
)
readonly LOCALES=(de_DE.UTF-8)
# The CLI's dependencies (OpenImageIO and friends) are left out: the root builds with
# -Dcli=disabled, the CLI is built and tested natively on the host.
readonly STAMP_VERSION=2  # bump when the setup steps below change in a way that needs a rebuild

CACHE_DIR=/var/cache/gimp-neural-style
ROOT=${GNS_TRIXIE_ROOT:-$CACHE_DIR/$SUITE}
MIRROR=${GNS_DEBIAN_MIRROR:-}
CHECKOUT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/$(basename "${BASH_SOURCE[0]}")

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

# --- Inside the private mount namespace ------------------------------------------------------
# Called as: SCRIPT --in-namespace ROOT WORKDIR ENVFILE COMMAND...

MOUNTED=()
unmount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount -l -- "${MOUNTED[i]}" 2>/dev/null || note "could not unmount ${MOUNTED[i]}"
  done
  MOUNTED=()
}

mount_into() {  # mount_into TARGET MOUNT-ARGS...
  local target=$1; shift
  [[ -e $target ]] || mkdir -p -- "$target"
  mount "$@" "$target"
  MOUNTED+=("$target")
}

in_namespace() {
  local root=$1 workdir=$2 envfile=$3; shift 3
  trap unmount_all EXIT
  trap 'exit 130' INT TERM
  mount --make-rprivate /
  mount_into "$root/proc" -t proc proc
  mount_into "$root/sys" --rbind -o ro /sys
  mount_into "$root/dev" -t tmpfs -o mode=755,nosuid tmpfs
  local node
  for node in null zero full random urandom tty; do
    touch "$root/dev/$node"
    mount_into "$root/dev/$node" --bind "/dev/$node"
  done
  ln -sf /proc/self/fd "$root/dev/fd"
  mount_into "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666 devpts
  ln -sf pts/ptmx "$root/dev/ptmx"
  mount_into "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs
  mount_into "$root/tmp" -t tmpfs -o mode=1777 tmpfs
  # The checkout and the compiler cache at the same paths as on the host, so that a meson
  # build folder configured inside stays valid in the host's view (logs, testlog.json).
  mount_into "$root$CHECKOUT" --bind "$CHECKOUT"
  mkdir -p "$CACHE_DIR/ccache-$SUITE"
  mount_into "$root$CACHE_DIR/ccache-$SUITE" --bind "$CACHE_DIR/ccache-$SUITE"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

  local -a envs=(HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
                 "CCACHE_DIR=$CACHE_DIR/ccache-$SUITE" DEBIAN_FRONTEND=noninteractive)
  [[ -n ${TERM:-} ]] && envs+=("TERM=$TERM")
  if [[ -s $envfile ]]; then
    mapfile -t extra <"$envfile"
    envs+=("${extra[@]}")
  fi
  local status=0
  chroot "$root" /usr/bin/env -i "${envs[@]}" /bin/bash -c 'cd "$1" && shift && exec "$@"' _ \
    "$workdir" "$@" || status=$?
  unmount_all
  trap - EXIT
  return $status
}

if [[ ${1:-} == --in-namespace ]]; then
  shift
  in_namespace "$@"
  exit $?
fi

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

# Runs `in_namespace` for ROOT in a fresh private mount namespace.
run_in_root() {  # run_in_root ROOT WORKDIR COMMAND...
  local root=$1 workdir=$2; shift 2
  local envfile
  envfile=$(mktemp)
  ((${#env_args[@]})) && printf '%s\n' "${env_args[@]}" >"$envfile"
  local status=0
  unshare --mount --propagation private "$SCRIPT" --in-namespace "$root" "$workdir" "$envfile" "$@" || status=$?
  rm -f "$envfile"
  return $status
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
