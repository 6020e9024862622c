#!/bin/bash
# Runs a command in a Debian root folder (a debootstrap tree) with /proc, /sys, /dev and a fresh
# /tmp, and host folders bind-mounted where asked. Used by tools/debian13-root.sh (the GIMP 3 build
# root) and tools/package-tests.sh (fresh systems that install the packages).
#
#   tools/chroot-run.sh [options] ROOT [--] COMMAND [ARG...]      (as root)
#
# Options:
#   --bind DIR          bind-mount host folder DIR at the same path inside (repeatable)
#   --bind DIR:TARGET   ... at TARGET inside
#   --env NAME=VALUE    pass a variable to COMMAND (repeatable); COMMAND starts from an empty
#                       environment otherwise (HOME=/root, LANG=C.UTF-8, a standard PATH)
#   --workdir DIR       where COMMAND starts (default /)
#
# Every mount is made in a private mount namespace (unshare): nothing is visible on the host,
# concurrent runs do not see each other's mounts, and the kernel drops them even if this script
# is killed. The trap unmounts them explicitly all the same.
set -euo pipefail

die() { echo "chroot-run: $*" >&2; exit 2; }

MOUNTED=()
unmount_all() {
  local i
  for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
    umount -l -- "${MOUNTED[i]}" 2>/dev/null || echo "chroot-run: could not unmount ${MOUNTED[i]}" >&2
  done
  MOUNTED=()
}

mount_into() {  # mount_into TARGET MOUNT-ARGS...
  local target=$1; shift
  [[ -e $target ]] || mkdir -p -- "$target"
  mount "$@" "$target"
  MOUNTED+=("$target")
}

binds=()
envs=(HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
      DEBIAN_FRONTEND=noninteractive)
workdir=/
in_namespace=0
while (($#)); do
  case $1 in
    --in-namespace) in_namespace=1; shift ;;
    --bind) binds+=("$2"); shift 2 ;;
    --env) [[ $2 == *=* ]] || die "--env wants NAME=VALUE"; envs+=("$2"); shift 2 ;;
    --workdir) workdir=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --) shift; break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) break ;;
  esac
done
root=${1:?root folder}
shift
[[ ${1:-} == -- ]] && shift
(($#)) || die "no command given"
((EUID == 0)) || die "needs root (chroot and mounts)"
[[ -d $root ]] || die "no root folder $root"
root=$(realpath -- "$root")
[[ $root != / ]] || die "refusing to use / as the root"

if ((!in_namespace)); then
  args=()
  for b in "${binds[@]}"; do args+=(--bind "$b"); done
  for e in "${envs[@]:5}"; do args+=(--env "$e"); done
  exec unshare --mount --propagation private "$0" --in-namespace "${args[@]}" --workdir "$workdir" \
    "$root" -- "$@"
fi

trap unmount_all EXIT
trap 'exit 130' INT TERM
mount --make-rprivate /
mount_into "$root/proc" -t proc proc
mount_into "$root/sys" --rbind -o ro /sys
mount_into "$root/dev" -t tmpfs -o mode=755,nosuid tmpfs
for node in null zero full random urandom tty; do
  touch "$root/dev/$node"
  mount_into "$root/dev/$node" --bind "/dev/$node"
done
ln -sf /proc/self/fd "$root/dev/fd"
mount_into "$root/dev/pts" -t devpts -o newinstance,ptmxmode=0666 devpts
ln -sf pts/ptmx "$root/dev/ptmx"
mount_into "$root/dev/shm" -t tmpfs -o mode=1777 tmpfs
mount_into "$root/tmp" -t tmpfs -o mode=1777 tmpfs
for b in "${binds[@]}"; do
  src=${b%%:*}
  target=$src
  [[ $b == *:* ]] && target=${b#*:}
  [[ -d $src ]] || die "no folder $src to bind"
  mount_into "$root$target" --bind "$src"
done
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
[[ -n ${TERM:-} ]] && envs+=("TERM=$TERM")

status=0
chroot "$root" /usr/bin/env -i "${envs[@]}" /bin/bash -c 'cd "$1" && shift && exec "$@"' _ \
  "$workdir" "$@" || status=$?
unmount_all
trap - EXIT
exit $status
