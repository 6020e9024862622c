#!/usr/bin/env python3
"""Counts test results across meson build folders and prints `N passed, N failed`.

GoogleTest binaries are counted per test case, from the XML report each writes
(--gtest_output=xml:...); every other meson test counts as one. A GoogleTest binary that died
before writing its report counts as one failure.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET


def gtest_xml(cmd):
    for arg in cmd:
        if arg.startswith("--gtest_output=xml:"):
            return arg.split(":", 1)[1]
    return None


def count(build_dir):
    passed = failed = skipped = 0
    log = os.path.join(build_dir, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        return None
    with open(log) as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            xml = gtest_xml(t.get("command", []))
            if xml and os.path.exists(xml) and t["result"] in ("OK", "FAIL", "SKIP"):
                for case in ET.parse(xml).getroot().iter("testcase"):
                    if case.find("failure") is not None:
                        failed += 1
                    elif case.get("result") == "skipped" or case.find("skipped") is not None:
                        skipped += 1
                    else:
                        passed += 1
                if t["result"] == "FAIL" and not any(
                        c.find("failure") is not None
                        for c in ET.parse(xml).getroot().iter("testcase")):
                    failed += 1  # the binary failed outside any test case
            elif t["result"] == "OK":
                passed += 1
            elif t["result"] == "SKIP":
                skipped += 1
            else:
                failed += 1
    return passed, failed, skipped


def main():
    total = [0, 0, 0]
    for d in sys.argv[1:]:
        c = count(d)
        if c is None:
            print(f"count_results: {d}: no test log (the build or the test run failed)")
            total[1] += 1
            continue
        print(f"count_results: {d}: {c[0]} passed, {c[1]} failed, {c[2]} skipped")
        total = [a + b for a, b in zip(total, c)]
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 0 if total[1] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
