#!/usr/bin/env python3
"""Kills the plug-in's process during a run inside a real gimp-console-3.0 and checks that nothing
is lost: the killed call fails, GIMP keeps running and answers the next batch command, the image
keeps its original layer with unchanged pixels, the plug-in runs again, and GIMP then quits with
status 0. The GIMP 3 counterpart of tests/gimp/kill-plugin.sh.

usage: kill_test.py --gimp GIMP_CONSOLE --plugin EXE --engine MODULE --tests DIR --work DIR
                    [--po PO_DIR]

GIMP gets two Python-Fu batch commands (pycases.run_kill_phase 1 and 2, which do the checks
inside GIMP). The plug-in is found as the child of GIMP's process whose command line names
gimp-neural-style, and is killed with SIGKILL once it has LibTorch mapped (so the engine is
running, not just starting) and a second has passed. Every wait is bounded; on any failure GIMP
and whatever it started are killed.
"""

import argparse
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_case  # noqa: E402

# GIMP's start, Python-Fu's and the plug-in's loading of LibTorch; then, after the kill, phase
# 1's checks, phase 2 with its short run, and the quit. Each takes seconds when all is well.
START_S = 90
FINISH_S = 90


def parse_args():
    p = argparse.ArgumentParser()
    for name in ("gimp", "plugin", "engine", "tests", "work"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--po")
    return p.parse_args()


def children(pid):
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # ended meanwhile
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            yield int(entry)


def running_plugin(gimp_pid):
    """The plug-in's pid once its engine is loaded, else None."""
    for pid in children(gimp_pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode(errors="replace").split("\0")
            if not any("gimp-neural-style" in a for a in argv):
                continue
            with open(f"/proc/{pid}/maps") as f:
                if "libtorch" in f.read():
                    return pid
        except OSError:
            continue
    return None


def alive(pid):
    """True while pid exists and is no zombie (a killed plug-in stays one until GIMP reaps it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def main():
    args = parse_args()
    check = run_case.Checks()

    case_args = argparse.Namespace(gimp=args.gimp, plugin=args.plugin, engine=args.engine,
                                   tests=args.tests, work=args.work, po=args.po, language="C")
    case_dir, files, profile = run_case.prepare_case(case_args, "kill-plugin")
    results = [os.path.join(case_dir, f"results-{phase}.txt") for phase in (1, 2)]
    env = run_case.base_env(args.work, case_dir)
    env["GIMP3_DIRECTORY"] = profile
    batch = []
    for phase, path in zip((1, 2), results):
        batch += ["-b", f"import sys; sys.path.insert(0, {args.tests!r}); import pycases; "
                        f"pycases.run_kill_phase({phase}, {path!r}, {files!r})"]
    log_path = os.path.join(case_dir, "gimp.log")
    started = time.monotonic()
    with open(log_path, "w") as log:
        # Its own process group, so that a failure can end GIMP with its plug-ins.
        gimp = subprocess.Popen(
            [args.gimp, "-i", "-n", "-d", "-f", "--batch-interpreter=python-fu-eval"] + batch +
            ["--quit"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        plugin = None
        deadline = time.monotonic() + START_S
        while plugin is None and gimp.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            plugin = running_plugin(gimp.pid)
        if check("the plug-in runs under GIMP with LibTorch loaded", plugin is not None,
                 f"none found within {START_S} s" if gimp.poll() is None
                 else f"GIMP ended first (status {gimp.returncode})"):
            time.sleep(1)
            if check("the plug-in is still running a second later", alive(plugin)):
                os.kill(plugin, signal.SIGKILL)
                print(f"killed the plug-in (pid {plugin}, child of GIMP {gimp.pid}) "
                      f"{time.monotonic() - started:.1f} s after GIMP started")
            try:
                status = gimp.wait(timeout=FINISH_S)
                check("gimp-console exits with status 0", status == 0, status)
            except subprocess.TimeoutExpired:
                check("GIMP finishes the batch commands and quits", False,
                      f"still running {FINISH_S} s after the kill")
    finally:
        if gimp.poll() is None:
            os.killpg(gimp.pid, signal.SIGKILL)
            gimp.wait()
    print(f"GIMP ran {time.monotonic() - started:.1f} s")

    for phase, path in zip((1, 2), results):
        lines = open(path).read().splitlines() if os.path.exists(path) else []
        for line in lines:
            if line.startswith(("PASS", "FAIL")):
                check(f"batch command {phase}: " + line.split(" ", 1)[1], line.startswith("PASS"))
            elif line.startswith("NOTE"):
                print(f"batch command {phase}: {line[5:]}")
        check(f"batch command {phase} finished", "DONE" in lines)
    ok = check.all_passed()
    if not ok:
        print("--- gimp-console output ---")
        print(open(log_path).read())
    print(("PASS" if ok else "FAIL") + " kill-plugin")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
