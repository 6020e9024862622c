#!/bin/bash
# The Debian packages, tested as a user meets them: built by tools/build-packages.sh, installed
# with `apt-get install ./PACKAGE.deb` into a fresh minimal Debian 12 and Debian 13 system
# (debootstrap --variant=minbase; every dependency from Debian's registry, nothing installed by
# hand), used there, and purged again.
#
#   tools/package-tests.sh [--release bookworm|trixie|all]      (as root)
#
# In each fresh system:
#   - `neural-style` runs from PATH, `neural-style models list` shows the bundled network, and
#     the command stylises a real photograph with it (judged by tools/quality_metrics.py);
#   - OpenBLAS (the package's recommendation) provides libblas.so.3;
#   - gimp-console with an empty profile finds the plug-in in the system plug-in folder, and a
#     batch script (Script-Fu on GIMP 2.10, Python-Fu on GIMP 3) adds a stylised layer painted
#     with the bundled network;
#   - `apt-get purge` removes every file the packages installed; and in a second fresh system
#     that has their dependencies already (`apt-get satisfy`), installing them adds nothing but
#     their own files and purging them gives the same file list back (apt's and dpkg's own
#     records, caches and logs apart).
#
# The fresh systems are kept as tarballs and apt's downloads in a cache folder, outside the
# checkout (/var/cache/gimp-neural-style/fresh), so that only the first run downloads. Results:
# PASS/FAIL lines, and build-packages/meson-logs/testlog.json in meson's format, which
# tools/count_results.py counts. Exit status 0 when every check passed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
top=$(pwd -P)
readonly CACHE=/var/cache/gimp-neural-style/fresh

release=all
while (($#)); do
  case $1 in
    --release) release=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "package-tests: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $release in
  all) releases=(bookworm trixie) ;;
  bookworm | trixie) releases=("$release") ;;
  *) echo "package-tests: --release: bookworm, trixie or all" >&2; exit 2 ;;
esac
((EUID == 0)) || { echo "package-tests: needs root (debootstrap, chroot)" >&2; exit 2; }
for tool in debootstrap zstd; do
  command -v "$tool" >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$tool" >/dev/null
done

out=$top/build-packages
mkdir -p "$out/meson-logs"
log=$out/meson-logs/testlog.json
: >"$log"
failures=0
record() {  # record NAME OK|FAIL [WHY]
  local name=$1 result=$2 why=${3:-}
  if [[ $result == OK ]]; then
    echo "PASS $name"
  else
    echo "FAIL $name${why:+: $why}"
    failures=$((failures + 1))
  fi
  /usr/bin/python3 -c 'import json, sys
print(json.dumps({"name": sys.argv[1], "result": sys.argv[2], "stdout": sys.argv[3], "command": []}))' \
    "$name" "$result" "$why" >>"$log"
}
check() {  # check NAME WHY COMMAND...: records OK when COMMAND succeeds
  local name=$1 why=$2; shift 2
  if "$@"; then record "$name" OK; else record "$name" FAIL "$why"; fi
}

# --- Fresh systems -----------------------------------------------------------------------------

fresh_tarball() {  # fresh_tarball RELEASE: prints the cached tarball's path, making it if missing
  local rel=$1 tarball=$CACHE/$1.tar.zst
  if [[ ! -f $tarball ]]; then
    local dir=$CACHE/$rel.new
    rm -rf --one-file-system "$dir"
    mkdir -p "$CACHE"
    echo "package-tests: debootstrap --variant=minbase $rel" >&2
    unshare --mount --propagation private debootstrap --variant=minbase "$rel" "$dir" \
      >"$CACHE/$rel.debootstrap.log" 2>&1 || { tail -5 "$CACHE/$rel.debootstrap.log" >&2; return 1; }
    # The downloads live in the apt cache folder that the tests bind-mount, not in the tarball.
    rm -f "$dir"/var/cache/apt/archives/*.deb
    tar --zstd -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf --one-file-system "$dir"
  fi
  echo "$tarball"
}

# What a file-list comparison leaves out: apt's and dpkg's records, caches and logs, and the
# mount points of the test itself.
snapshot() {  # snapshot ROOT: every path of the system, sorted
  local root=$1
  (cd "$root" && find . -xdev \( -path ./proc -o -path ./sys -o -path ./dev -o -path ./tmp \
    -o -path ./io -o -path ./var/cache -o -path ./var/lib/apt -o -path ./var/lib/dpkg \
    -o -path ./var/log \) -prune -o -print | sort)
}

test_release() {
  local rel=$1 debs=$out/$1
  local work=$CACHE/work-$rel root io archives
  root=$work/root
  io=$work/io
  archives=$CACHE/apt-archives-$rel
  local -a pkgs
  mapfile -t pkgs < <(ls "$debs"/neural-style_*.deb "$debs"/gimp-neural-style_*.deb 2>/dev/null)
  if ((${#pkgs[@]} != 2)); then
    record "$rel: packages built" FAIL "expected neural-style and gimp-neural-style in $debs"
    return
  fi
  record "$rel: packages built" OK
  if grep -q '^E:' "$debs/lintian.txt"; then
    record "$rel: lintian reports no errors" FAIL "$(grep '^E:' "$debs/lintian.txt" | head -3)"
  else
    record "$rel: lintian reports no errors" OK
  fi

  local tarball
  tarball=$(fresh_tarball "$rel") || { record "$rel: fresh system" FAIL "debootstrap failed"; return; }
  rm -rf --one-file-system "$work"
  mkdir -p "$root" "$io/debs" "$io/out" "$archives"
  tar --zstd -C "$root" -xf "$tarball"
  cp "${pkgs[@]}" "$io/debs/"
  /usr/bin/python3 tools/install_test_images.py "$io"
  quality() {  # quality NAME RESULT [--log LOG]: stylised, and keeps its subject
    local name=$1 result=$2 m; shift 2
    if m=$(/usr/bin/python3 tools/quality_metrics.py "$io/photo.png" "$io/style.png" "$result" \
      "$@" --check); then
      record "$name" OK
    else
      record "$name" FAIL "$m"
    fi
  }
  in_root() {  # in_root COMMAND...: runs COMMAND in the fresh system
    "$top/tools/chroot-run.sh" --bind "$io:/io" --bind "$archives:/var/cache/apt/archives" \
      --env HOME=/tmp/home "$root" -- "$@"
  }

  local names=(/io/debs/neural-style_*.deb /io/debs/gimp-neural-style_*.deb)
  if in_root bash -c 'apt-get update -q && apt-get install -y -q ${0} ${1}' "${names[@]}" \
    >"$io/install.log" 2>&1; then
    record "$rel: apt-get install ./*.deb into a fresh system" OK
  else
    record "$rel: apt-get install ./*.deb into a fresh system" FAIL "$(tail -3 "$io/install.log")"
    return
  fi

  local cmd
  cmd=$(in_root bash -c 'command -v neural-style && neural-style --version' 2>&1)
  check "$rel: neural-style runs from PATH" "$cmd" \
    grep -q "^/usr/bin/neural-style" <<<"$cmd"
  local list
  list=$(in_root neural-style models list 2>&1)
  check "$rel: models list shows the bundled network, verified, used by default" "$list" \
    grep -q "vgg19-imagenet-conv1_1-conv3_4-f16.safetensors.*verified.*<- used by default" <<<"$list"
  local blas
  blas=$(in_root bash -c 'readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3' 2>&1)
  check "$rel: OpenBLAS provides libblas.so.3" "$blas" grep -q openblas <<<"$blas"

  # Small enough for a test, large enough for features: 240x180, one scale of 120 steps.
  if in_root neural-style --content /io/photo.png --style /io/style.png --output /io/out/cli.png \
    --log-json /io/out/cli.jsonl --iterations 120 --scales 1 --max-size 240 --seed 7 \
    >"$io/cli.log" 2>&1 && grep -q "bundled ImageNet VGG-19 layers" "$io/cli.log"; then
    quality "$rel: the CLI paints the photograph with the bundled network" "$io/out/cli.png" \
      --log "$io/out/cli.jsonl"
  else
    record "$rel: the CLI paints the photograph with the bundled network" FAIL "$(tail -3 "$io/cli.log")"
  fi

  # GIMP with an empty profile: the plug-in comes from the system plug-in folder or nowhere.
  local gimp_cmd
  if [[ $rel == bookworm ]]; then
    gimp_cmd=(gimp-console-2.10 -i -d -f -b '
      (let* ((image (car (gimp-file-load RUN-NONINTERACTIVE "/io/photo.png" "photo.png")))
             (layer (car (gimp-image-get-active-layer image)))
             (result (car (plug-in-neural-style RUN-NONINTERACTIVE image layer "/io/style.png"
                            1 10 1 120 240 0 0 0 7 1 ""
                            "" "" "" "" 1.0 0 0 "" "" 1 0.0 0 -1 -1 -1 -1 -1 -1 -1 -1))))
        (gimp-file-save RUN-NONINTERACTIVE image result "/io/out/gimp.png" "/io/out/gimp.png")
        (gimp-message (string-append "layers after the run: "
                                     (number->string (car (gimp-image-get-layers image)))))
        (gimp-image-delete image))'
      -b '(gimp-quit 0)')
  else
    cat >"$io/batch.py" <<'PY'
import gi
gi.require_version("Gimp", "3.0")
from gi.repository import Gimp, Gio
image = Gimp.file_load(Gimp.RunMode.NONINTERACTIVE, Gio.File.new_for_path("/io/photo.png"))
proc = Gimp.get_pdb().lookup_procedure("plug-in-neural-style")
config = proc.create_config()
config.set_property("run-mode", Gimp.RunMode.NONINTERACTIVE)
config.set_property("image", image)
config.set_core_object_array("drawables", image.get_layers())
config.set_property("style-file", Gio.File.new_for_path("/io/style.png"))
for name, value in {"iterations": 120, "max-size": 240, "seed": 7, "scales": 1}.items():
    config.set_property(name, value)
result = proc.run(config)
layer = result.index(1)
Gimp.file_save(Gimp.RunMode.NONINTERACTIVE, image, Gio.File.new_for_path("/io/out/gimp.png"), None)
print("layers after the run: %d" % len(image.get_layers()), flush=True)
image.delete()
PY
    gimp_cmd=(gimp-console-3.0 -i -d -f --batch-interpreter=python-fu-eval
      -b 'exec(open("/io/batch.py").read())' --quit)
  fi
  in_root timeout 900 "${gimp_cmd[@]}" >"$io/gimp.log" 2>&1
  if [[ -f $io/out/gimp.png ]] && grep -q "layers after the run: 2" "$io/gimp.log"; then
    quality "$rel: GIMP finds the plug-in in the system folder and adds a stylised layer" \
      "$io/out/gimp.png"
  else
    record "$rel: GIMP finds the plug-in in the system folder and adds a stylised layer" FAIL \
      "$(tail -5 "$io/gimp.log")"
  fi
  if grep -q "bundled ImageNet VGG-19 layers" "$io/gimp.log" && ! grep -q "random network" "$io/gimp.log"; then
    record "$rel: the plug-in paints with the bundled network" OK
  else
    record "$rel: the plug-in paints with the bundled network" FAIL "$(grep -i neural "$io/gimp.log" | head -3)"
  fi

  # Purge: first the packages' own files, then the system as it was.
  local owned
  owned=$(in_root bash -c 'dpkg -L neural-style gimp-neural-style | while read -r f; do
    [[ -f $f || -L $f ]] && echo "$f"; done' 2>/dev/null)
  in_root apt-get purge -y -q neural-style gimp-neural-style >"$io/purge.log" 2>&1
  local left=""
  while read -r f; do
    [[ -n $f && ( -e $root$f || -L $root$f ) ]] && left+="$f "
  done <<<"$owned"
  check "$rel: apt-get purge removes the $(wc -l <<<"$owned") files the packages installed" \
    "left: $left" test -z "$left"
  # A second fresh system that has the packages' dependencies (and recommendations) but has
  # never seen the packages: installing them may add only their own files (`dpkg -L`), nothing
  # from a maintainer script or a trigger, and purging them must give the file list back.
  local deps
  deps=$(for p in "${pkgs[@]}"; do dpkg-deb -f "$p" Depends Recommends | sed 's/^[A-Za-z]*: //'; done |
    tr '\n' ',' | tr -s ', ' | sed 's/,/\n/g' | sed 's/^ *//; /^$/d; /^neural-style /d' | paste -sd,)
  rm -rf --one-file-system "$root"
  mkdir -p "$root"
  tar --zstd -C "$root" -xf "$tarball"
  if ! in_root apt-get satisfy -y -q "$deps" >>"$io/purge.log" 2>&1; then
    record "$rel: installing adds only the packages' own files" FAIL \
      "apt-get satisfy of the dependencies failed: $(tail -2 "$io/purge.log")"
  else
    local deps_only with_pkgs added foreign after
    deps_only=$(snapshot "$root")
    in_root bash -c 'apt-get install -y -q ${0} ${1}' "${names[@]}" >>"$io/purge.log" 2>&1
    with_pkgs=$(snapshot "$root")
    owned=$(in_root bash -c 'dpkg -L neural-style gimp-neural-style' 2>/dev/null | sed 's|^|.|' | sort -u)
    added=$(comm -13 <(echo "$deps_only") <(echo "$with_pkgs"))
    foreign=$(comm -23 <(echo "$added") <(echo "$owned"))
    check "$rel: installing adds only the packages' own files" "not in dpkg -L: $foreign" \
      test -z "$foreign"
    in_root apt-get purge -y -q neural-style gimp-neural-style >>"$io/purge.log" 2>&1
    after=$(snapshot "$root")
    check "$rel: after purge the file list is the one before the install" \
      "$(diff <(echo "$deps_only") <(echo "$after") | head -10 | tr '\n' ' ')" \
      test "$deps_only" == "$after"
  fi
}

status=0
bash tools/build-packages.sh --release "$release" || status=1
# The packages build from `meson dist`'s tarball; the tests run from the checkout. The tarball
# must hold exactly the committed files, so that both are the same source.
tarball=$(ls build-dist/meson-dist/*.tar.xz 2>/dev/null | head -1)
if [[ -n $tarball ]]; then
  in_tar=$(tar -tJf "$tarball" | grep -v '/$' | cut -d/ -f2- | sort)
  in_git=$(git ls-files | sort)
  check "meson dist's tarball holds exactly the committed files ($(wc -l <<<"$in_git"))" \
    "$(diff <(echo "$in_git") <(echo "$in_tar") | head -5 | tr '\n' ' ')" test "$in_tar" == "$in_git"
else
  record "meson dist's tarball holds exactly the committed files" FAIL "no tarball in build-dist/meson-dist"
fi
mkdir -p "$CACHE"
for rel in "${releases[@]}"; do
  # One test per release at a time: two checkouts on one machine share its folders.
  exec {lock_fd}>"$CACHE/work-$rel.lock"
  flock "$lock_fd"
  test_release "$rel"
  # The pictures and logs, to look at, also after a failure; the fresh system (2 GB) goes.
  cp "$CACHE/work-$rel"/io/out/*.png "$CACHE/work-$rel"/io/*.log "$out/$rel/" 2>/dev/null
  rm -rf --one-file-system "$CACHE/work-$rel"
  exec {lock_fd}>&-
done
echo "package-tests: $failures failed"
((failures == 0 && status == 0))
