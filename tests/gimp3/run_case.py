#!/usr/bin/env python3
"""Runs one GIMP 3 test case in a real gimp-console-3.0 with a throw-away profile.

usage: run_case.py --gimp GIMP_CONSOLE --plugin EXE --engine MODULE --tests DIR --work DIR
                   [--po PO_DIR] [--language de] KIND CASE
KIND is "python" (a function of pycases.py, through --batch-interpreter=python-fu-eval) or
"script-fu" (CASE.scm with the helpers of lib.scm, through plug-in-script-fu-eval).

The case writes "PASS name" / "FAIL name: why" lines and a final "DONE" to a results file; the
case passes when DONE is there and no FAIL is. GIMP's exit status alone proves nothing: a batch
command that raised before its checks would otherwise pass.

Starting GIMP 3 with an empty profile queries every plug-in (several seconds), so the first case
makes a profile template under --work, guarded by a lock, and every case starts from a copy.
"""

import argparse
import fcntl
import glob
import os
import shutil
import struct
import subprocess
import sys
import zlib

TIMEOUT_S = 150


class Checks:
    """The driver scripts' own checks: a PASS or FAIL line each on stdout; called with a name,
    whether it held and why not, it returns whether it held."""

    def __init__(self):
        self.results = []

    def __call__(self, name, ok, why=""):
        self.results.append(bool(ok))
        print(("PASS " if ok else "FAIL ") + name + ("" if ok or not why else f": {why}"))
        return ok

    def all_passed(self):
        return bool(self.results) and all(self.results)


def parse_args():
    p = argparse.ArgumentParser()
    for name in ("gimp", "plugin", "engine", "tests", "work"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--po", help="po/ folder: its catalogues go next to the test plug-in")
    p.add_argument("--language", default="C", help="LANGUAGE for GIMP and the plug-in")
    p.add_argument("--cli", help="the command line tool, for cases that compare with it")
    p.add_argument("kind", choices=["python", "script-fu"])
    p.add_argument("case")
    return p.parse_args()


def base_env(work, home, language="C"):
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "TMPDIR", "DISPLAY")}
    # gettext ignores LANGUAGE in the C locale, so a translated run needs a real one
    # (tools/debian13-root.sh generates de_DE.UTF-8).
    locale = "C.UTF-8" if language == "C" else f"{language}_{language.upper()}.UTF-8"
    env.update({
        "HOME": home,
        "LANG": locale,
        "LC_ALL": locale,
        "LANGUAGE": language,
        # No pretrained weights anywhere: the engine's deterministic random network, narrowed
        # so that a run takes a second or two.
        "NEURAL_STYLE_MODEL_PATH": os.path.join(work, "no-models"),
        "XDG_DATA_HOME": os.path.join(home, "data"),
        "XDG_CONFIG_HOME": os.path.join(home, "config"),
        "XDG_CACHE_HOME": os.path.join(home, "cache"),
        "NEURAL_STYLE_TEST_WIDTH_DIVISOR": "8",
        "OMP_NUM_THREADS": "2",
        "NO_AT_BRIDGE": "1",
        # Python-Fu imports pycases.py from the source tree: leave no __pycache__ there.
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    return env


def plugin_stamp(args):
    paths = [args.plugin, args.engine] + sorted(glob.glob(os.path.join(args.po or "", "*.po")))
    return " ".join(f"{os.stat(p).st_size}:{os.stat(p).st_mtime_ns}" for p in paths)


def install_catalogues(po_dir, plug_dir):
    """Compiles po/*.po into <plug-in folder>/locale, where a user install keeps them."""
    for po in sorted(glob.glob(os.path.join(po_dir, "*.po"))):
        lang = os.path.splitext(os.path.basename(po))[0]
        target = os.path.join(plug_dir, "locale", lang, "LC_MESSAGES")
        os.makedirs(target, exist_ok=True)
        subprocess.run(["msgfmt", "-o", os.path.join(target, "gimp-neural-style.mo"), po],
                       check=True)


def ensure_profile_template(args):
    """The plug-in folder and a queried profile, remade when the executable changed."""
    os.makedirs(args.work, exist_ok=True)
    template = os.path.join(args.work, "profile-template")
    stamp_file = template + ".stamp"
    stamp = plugin_stamp(args)
    with open(os.path.join(args.work, "profile.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(stamp_file) and open(stamp_file).read() == stamp:
            return template
        # The folder as installed: GIMP 3 runs <folder>/gimp-neural-style/gimp-neural-style
        # only, the plug-in finds the engine next to itself (not executable, or GIMP would try
        # to run it as a plug-in), and the catalogues in locale/.
        plug_dir = os.path.join(args.work, "plug-ins", "gimp-neural-style")
        shutil.rmtree(os.path.dirname(plug_dir), ignore_errors=True)
        os.makedirs(plug_dir)
        shutil.copy2(args.plugin, os.path.join(plug_dir, "gimp-neural-style"))
        engine = os.path.join(plug_dir, os.path.basename(args.engine))
        shutil.copy2(args.engine, engine)
        os.chmod(engine, 0o644)
        if args.po:
            install_catalogues(args.po, plug_dir)
        shutil.rmtree(template, ignore_errors=True)
        os.makedirs(template)
        with open(os.path.join(template, "gimprc"), "w") as rc:
            rc.write('(plug-in-path "${gimp_plug_in_dir}/plug-ins:%s")\n'
                     % os.path.dirname(plug_dir))
        home = os.path.join(args.work, "template-home")
        env = base_env(args.work, home)
        env["GIMP3_DIRECTORY"] = template
        proc = subprocess.run(
            [args.gimp, "-i", "-n", "-d", "-f", "--batch-interpreter=python-fu-eval",
             "-b", "pass", "--quit"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=TIMEOUT_S, check=False)
        if not os.path.exists(os.path.join(template, "pluginrc")):
            sys.exit("could not make the GIMP profile template:\n" + proc.stdout)
        with open(stamp_file, "w") as f:
            f.write(stamp)
        return template


def write_style_png(path, size=48, variant=0):
    """A colourful, stripy RGB picture as a PNG, written without GIMP so that a broken export
    cannot hide behind a plug-in failure. Variant 1 is a second, different style (checks in
    other colours)."""
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter type: none
        for x in range(size):
            if variant:
                check = ((x // 8) + (y // 8)) % 2
                row += bytes([(y * 5) % 256, 230 if check else 20, 40 if check else 180])
                continue
            stripe = ((x + y) // 6) % 2
            row += bytes([200 if stripe else 30, (x * 5) % 256, 220 if not stripe else 60])
        rows.append(bytes(row))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n"
    png += chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"".join(rows)))
    png += chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(png)


def batch_command(args, results, files):
    if args.kind == "python":
        return "python-fu-eval", (
            f"import sys; sys.path.insert(0, {args.tests!r}); import pycases; "
            f"pycases.run({args.case!r}, {results!r}, {files!r})")
    return "plug-in-script-fu-eval", (
        f'(define test-results "{results}") (define test-files "{files}") '
        f'(load "{args.tests}/lib.scm") (load "{args.tests}/{args.case}.scm")')


def prepare_case(args, name):
    """A fresh case folder: files/ with the two style pictures, and profile/, a copy of the
    template. Returns (case folder, files folder, profile folder)."""
    template = ensure_profile_template(args)
    case_dir = os.path.join(args.work, "cases", name)
    shutil.rmtree(case_dir, ignore_errors=True)
    files = os.path.join(case_dir, "files")
    os.makedirs(files)
    write_style_png(os.path.join(files, "style.png"))
    write_style_png(os.path.join(files, "style-2.png"), variant=1)
    profile = os.path.join(case_dir, "profile")
    shutil.copytree(template, profile, symlinks=True)
    return case_dir, files, profile


def main():
    args = parse_args()
    case_dir, files, profile = prepare_case(args, f"{args.kind}-{args.case}-{args.language}")
    results = os.path.join(case_dir, "results.txt")

    env = base_env(args.work, case_dir, args.language)
    env["GIMP3_DIRECTORY"] = profile
    # The engine's trace: a line per engine created and per image stylised (pycases reads it).
    env["NEURAL_STYLE_TRACE"] = os.path.join(files, "engine-trace.log")
    interpreter, command = batch_command(args, results, files)
    try:
        proc = subprocess.run(
            [args.gimp, "-i", "-n", "-d", "-f", "--batch-interpreter=" + interpreter,
             "-b", command, "--quit"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            timeout=TIMEOUT_S, check=False)
        log = proc.stdout
    except subprocess.TimeoutExpired as e:
        log = (e.stdout or b"").decode(errors="replace") + "\n(timed out)"

    lines = open(results).read().splitlines() if os.path.exists(results) else []
    print("\n".join(lines))
    ok = "DONE" in lines and not any(line.startswith("FAIL") for line in lines)
    # A case that saved results for the command line tool to match passes only when the CLI
    # (--cli) gives the same pictures: the GIMP 2 tests' compare-cli.py runs it.
    if ok and os.path.exists(os.path.join(files, "cli-compare.txt")):
        compare_env = dict(env, NEURAL_STYLE_CLI=args.cli or "")
        compare = os.path.join(args.tests, os.pardir, "gimp", "compare-cli.py")
        ok = subprocess.run([sys.executable, compare, files], env=compare_env,
                            check=False).returncode == 0
    if not ok:
        print("--- gimp-console output ---")
        print(log)
    print(("PASS " if ok else "FAIL ") + f"{args.kind} {args.case}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
