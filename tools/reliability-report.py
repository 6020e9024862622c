#!/usr/bin/python3
"""Writes docs/reliability.md from the test reports: each fault case, the tests that try it,
whether they passed, what happened and whether anything was lost; then the sanitizer stage.

    tools/reliability-report.py [--out docs/reliability.md] [BUILD-DIR ...]

Run it after `bash .ci/run` or `tools/run-tests.sh` (and `tools/sanitize.sh`,
`tools/gimp3-tests.sh` for their columns). The build folders default to build (native:
core, CLI, GIMP 2.10), build-asan (tools/sanitize.sh) and build-gimp3 (tools/gimp3-tests.sh);
a folder without meson-logs/testlog.json is reported as not run. It reads each folder's
testlog.json and the GoogleTest XML reports named in it; the properties that a test records
(RecordProperty: exit status, message, whether an output was written, peak memory) become the
"what happened" column. The table of cases lives in CASES below: a case whose tests are in no
report is listed as not covered.
"""
import argparse
import datetime
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


class Case:
    def __init__(self, area, fault, tests, kept, expected):
        self.area = area          # heading it is listed under
        self.fault = fault        # what goes wrong
        self.tests = tests        # GoogleTest "Suite.Case" or meson test names
        self.kept = kept          # what "nothing lost" means for this case
        self.expected = expected  # what the tests assert, shown when they record nothing


CLI_REFUSED = "exit 2, one `neural-style: error:` line naming the file, no output file"

# Fault case -> tests. Names are GoogleTest cases (Suite.Case) or meson tests (GIMP cases).
CASES = [
    Case("Image files", "Truncated PNG and truncated JPEG", ["CliRun.DamagedImagesAreRefused"],
         "no output file; the inputs are only read", CLI_REFUSED),
    Case("Image files", "Zero-byte file", ["CliRun.BadInputExitsTwoWithOneLineAndNoOutput"],
         "no output file", "exit 2, one error line, no output file"),
    Case("Image files", "A directory given as an image",
         ["CliRun.BadInputExitsTwoWithOneLineAndNoOutput"], "no output file",
         "exit 2, one error line, no output file"),
    Case("Image files", "PNG header claiming 100000×100000 pixels",
         ["CliRun.DamagedImagesAreRefused", "Faults.HugePngHeaderIsRefusedBeforeAllocating"],
         "no output file; refused from the header, no pixel memory taken",
         CLI_REFUSED + "; peak memory no higher than refusing an empty file"),
    Case("Image files", "PNG header claiming 16000×16000 pixels over ten rows of data",
         ["Faults.TruncatedBigPngCostsWhatItDecodes"],
         "no output file; memory grows with the rows decoded, not with the header's promise",
         CLI_REFUSED + " (`cannot decode`); peak memory within 256 MiB of refusing an empty file"),
    Case("Image files", "Not an image (text named .png); unsupported output format",
         ["CliRun.DamagedImagesAreRefused", "CliRun.UnsupportedOutputFormatIsRefusedBeforeTheRun"],
         "no output file", "exit 2, one error line, refused before the run"),
    Case("Image files", "Input file the user may not read",
         ["Faults.UnreadableInputIsRefused"], "no output file; the input keeps its bytes",
         CLI_REFUSED + " (`not readable`)"),
    Case("Model files", "Malformed, truncated, hostile or missing weights files",
         ["MalformedWeights.*"], "the process survives; a ModelError naming the file",
         "ModelError naming the file and the problem; no crash"),
    Case("Output", "Output folder that does not exist",
         ["CliRun.UnwritableFolderFailsBeforeTheRun"], "no run, no file",
         "exit 2 naming the folder, before the run"),
    Case("Output", "Folder without write permission; read-only file system",
         ["Faults.FolderWithoutWritePermissionIsRefused", "Faults.ReadOnlyMountIsRefused"],
         "no run, no file", "exit 2, `cannot write into the folder`, before the run"),
    Case("Output", "Full disk (16 KiB tmpfs)", ["CliRun.FullDiskLeavesNothingBehind"],
         "no partial or temporary file left on the full disk",
         "exit 1, one error line, nothing left in the folder"),
    Case("Output", "Output name equal to an input name",
         ["CliRun.RefusesToOverwriteAnInput", "Faults.OutputNamingAnInputAnotherWayKeepsTheInput"],
         "every input keeps its bytes",
         "exit 2 (`is one of the input files`) for the same path, via `..` and via a symbolic "
         "link; a hard link may run, the atomic rename leaves the content's bytes alone"),
    Case("Interruption", "SIGINT (Ctrl-C) during the optimisation",
         ["CliRun.InterruptLeavesNoOutputAndNoTemporaryFile"],
         "no output and no temporary file", "exit 130, `interrupted`, folder as before"),
    Case("Interruption", "SIGTERM during the optimisation",
         ["CliRun.TerminateLeavesNoOutputAndNoTemporaryFile"],
         "no output and no temporary file", "exit 130, folder as before"),
    Case("Interruption", "Cancel in the GIMP 2.10 progress window", ["gimp2-cancel-run"],
         "the image keeps one layer with unchanged pixels", "no layer added, pixels unchanged"),
    Case("Interruption", "Plug-in process killed (SIGKILL) during a run in GIMP 2.10",
         ["gimp2-kill-plugin"],
         "GIMP keeps running and answers the next batch command; the image has its original "
         "layer only, pixels unchanged; the plug-in runs again",
         "the PDB call fails; GIMP answers the next batch command; one layer, same pixels"),
    Case("Interruption", "Plug-in process killed during a run in GIMP 3", ["gimp3-kill-plugin"],
         "as for GIMP 2.10, and gimp-console then exits with status 0",
         "the PDB call fails; GIMP answers the next batch command; one layer, same pixels; "
         "the plug-in runs again"),
    Case("Memory", "Memory budget smaller than the job needs",
         ["Scale.TooSmallABudgetIsRefusedBeforeWorkNamingTheSizeThatFits",
          "CliRun.MemoryBudgetTooSmallExitsThreeNamingTheSizeThatFits"],
         "refused before work starts, with the size that would fit",
         "refused before any work with a message naming the size that fits (CLI: exit 3); "
         "that size then runs within the budget"),
    Case("Numbers", "NaN/Inf in the optimisation (weights of 1e30)",
         ["Weights.OverflowingWeightsStopWithANumericError"],
         "the run stops with NumericError instead of returning a garbage image",
         "Status NumericError"),
    Case("Concurrency", "Two CLI runs at once; the same seed twice",
         ["CliRun.ConcurrentRunsGiveTheBytesOfARunAlone", "Engine.SameSeedSameBytes"],
         "each output has the bytes of a run alone",
         "identical output bytes, alone and side by side"),
    Case("GIMP input", "Missing style file, missing or corrupt weights (GIMP 2.10)",
         ["gimp2-missing-style", "gimp2-bad-weights"],
         "an error status and no layer added", "the call fails with a message; no layer"),
    Case("GIMP input", "Missing or unreadable style file (GIMP 3)",
         ["gimp3-python-missing-style", "gimp3-python-unreadable-style",
          "gimp3-sf-missing-style"],
         "an error status and no layer added", "the call fails with a message; no layer"),
]

PROPERTY_LABELS = [
    ("ran_as", "ran as {}"),
    ("exit_status", "exit {}"),
    ("message", "{}"),
    ("output_written", "output written: {}"),
    ("inputs_unchanged", "inputs unchanged: {}"),
    ("peak_rss_mib", "peak RSS {} MiB"),
    ("peak_rss_mib_empty_file", "(empty file: {} MiB)"),
    ("hard_link_exit_status", "hard-link output: exit {}"),
]


def gtest_xml(command):
    for arg in command:
        if arg.startswith("--gtest_output=xml:"):
            return arg.split(":", 1)[1]
    return None


def properties_of(case):
    props = {}
    for p in case.iter("property"):  # GoogleTest >= 1.10 writes <properties><property .../>
        props[p.get("name")] = p.get("value")
    for k, v in case.attrib.items():  # older ones wrote extra attributes on <testcase>
        if k not in ("name", "status", "result", "time", "classname", "timestamp", "file",
                     "line", "type_param", "value_param"):
            props.setdefault(k, v)
    return props


class Results:
    """The tests of one build folder: meson tests and GoogleTest cases, by name."""

    def __init__(self, build):
        self.build = build
        self.ran = False
        self.meson = {}   # name -> (result, seconds)
        self.cases = {}   # "Suite.Case" without the asan/ prefix -> dict
        log = os.path.join(build, "meson-logs", "testlog.json")
        if not os.path.exists(log):
            return
        self.ran = True
        with open(log) as f:
            for line in f:
                if not line.strip():
                    continue
                t = json.loads(line)
                self.meson[t["name"]] = (t["result"], t.get("duration", 0.0))
                xml = gtest_xml(t.get("command", []))
                if not xml or not os.path.exists(xml):
                    continue
                try:
                    root = ET.parse(xml).getroot()
                except ET.ParseError:
                    continue
                for suite in root.iter("testsuite"):
                    sname = suite.get("name", "").removeprefix("asan/")
                    for case in suite.iter("testcase"):
                        if case.find("failure") is not None:
                            result = "FAIL"
                            detail = case.find("failure").get("message", "")
                        elif (case.get("result") == "skipped"
                              or case.find("skipped") is not None):
                            result = "SKIP"
                            sk = case.find("skipped")
                            detail = sk.get("message", "") if sk is not None else ""
                        else:
                            result = "OK"
                            detail = ""
                        self.cases[f"{sname}.{case.get('name')}"] = {
                            "result": result, "detail": detail,
                            "time": float(case.get("time", 0)),
                            "props": properties_of(case), "meson": t["name"]}

    def lookup(self, test):
        """[(name, result, props, detail)] for a test name or a Suite.* pattern."""
        if test.endswith(".*"):
            prefix = test[:-1]
            return [(n, c["result"], c["props"], c["detail"])
                    for n, c in sorted(self.cases.items()) if n.startswith(prefix)]
        if test in self.cases:
            c = self.cases[test]
            return [(test, c["result"], c["props"], c["detail"])]
        for name, (result, _) in self.meson.items():
            if name == test or name.endswith(":" + test) or name.endswith(" / " + test):
                return [(test, result, {}, "")]
        return []


def md(text):
    return str(text).replace("<", "&lt;").replace("|", "\\|").replace("\n", " ")


def short_path(text):
    # Scratch folders change every run; only the file name tells the reader something.
    return re.sub(r"/(?:[^\s/]+/)*([^\s/]+)", r"\1", text)


def describe(props):
    parts = []
    for key, label in PROPERTY_LABELS:
        if key in props:
            value = short_path(props[key]) if key == "message" else props[key]
            if value != "":
                parts.append(label.format(value if key != "message" else f"`{value}`"))
    return "; ".join(parts)


def verdict(results):
    if not results:
        return "not run"
    kinds = {r[1] for r in results}
    if kinds & {"FAIL", "ERROR", "TIMEOUT", "UNEXPECTEDPASS"}:
        return "FAIL"
    if kinds == {"SKIP"}:
        return "skipped"
    if "SKIP" in kinds:
        return "pass (some skipped)"
    return "pass"


def suppressions():
    """(file, entry, reason) for every suppression in tests/sanitizers/*.supp."""
    out = []
    folder = os.path.join(ROOT, "tests", "sanitizers")
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".supp"):
            continue
        reason = []
        header_done = False
        with open(os.path.join(folder, name)) as f:
            for line in f:
                line = line.strip()
                if not line:
                    header_done = True
                    reason = []
                elif line.startswith("#"):
                    if header_done:
                        reason.append(line.lstrip("# "))
                else:
                    out.append((name, line, " ".join(reason)))
                    header_done = True
    return out


def sanitizer_options():
    path = os.path.join(ROOT, "tests", "sanitizers", "options.sh")
    if not os.path.exists(path):
        return []
    opts = []
    with open(path) as f:
        for line in f:
            m = re.match(r'export (\w+)="(.*)"', line.strip())
            if m:
                opts.append((m.group(1), re.sub(r"\$supp_dir/", "", m.group(2))))
    return opts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "reliability.md"))
    ap.add_argument("builds", nargs="*")
    args = ap.parse_args()
    builds = args.builds or [os.path.join(ROOT, b) for b in ("build", "build-asan", "build-gimp3")]
    native = [Results(b) for b in builds if not os.path.basename(b.rstrip("/")).endswith("asan")]
    asan = [Results(b) for b in builds if os.path.basename(b.rstrip("/")).endswith("asan")]

    def gather(test, sources):
        found = []
        for r in sources:
            found += r.lookup(test)
        return found

    lines = []
    w = lines.append
    w("# Reliability report")
    w("")
    w("Generated by `tools/reliability-report.py` from the test reports of "
      + ", ".join(f"`{os.path.relpath(r.build, ROOT)}`" + ("" if r.ran else " (not run)")
                  for r in native + asan)
      + f" on {datetime.date.today().isoformat()}. Regenerate it after `bash .ci/run` (or "
      "`tools/run-tests.sh`, `tools/sanitize.sh` and `tools/gimp3-tests.sh`) with "
      "`tools/reliability-report.py`. The contract: the CLI exits with a status "
      "from 1 to 125 and one line naming the problem and writes no output file; the plug-ins "
      "return an error and add no layer; nothing the user had is lost.")
    w("")
    w("Columns: **native** is the normal build (`build/`, and `build-gimp3/` for GIMP 3); "
      "**ASan+UBSan** the same GoogleTest cases in the instrumented build "
      "(`tools/sanitize.sh`; GIMP cases do not run there). **What happened** comes from the "
      "properties the tests record (exit status, the message with its folders left out, "
      "whether an output file was written, whether the inputs kept their bytes, peak memory); "
      "where a test records none, it is what the test asserts.")
    w("")
    summary = {"pass": 0, "FAIL": 0, "not covered": 0, "other": 0}
    area = None
    for case in CASES:
        if case.area != area:
            if area is not None:
                w("")
            area = case.area
            w(f"## {area}")
            w("")
            w("| fault | tests | native | ASan+UBSan | what happened | anything lost? |")
            w("| --- | --- | --- | --- | --- | --- |")
        tests = case.tests
        found = [x for t in tests for x in gather(t, native)]
        found_asan = [x for t in tests for x in gather(t, asan)]
        if not tests or not found:
            status = "not yet covered" if not tests else "not run"
            summary["not covered"] += 1
            w(f"| {md(case.fault)} | {md(', '.join(tests)) or '—'} | {status} | — | — | "
              f"unknown: no test result |")
            continue
        v = verdict(found)
        va = verdict(found_asan) if found_asan else "—"
        happened = [describe(p) for (_, _, p, _) in found if p]
        what = " / ".join(h for h in happened if h) or f"as asserted: {case.expected}"
        if v.startswith("pass"):
            lost = f"nothing: {case.kept}"
            summary["pass"] += 1
        elif v == "FAIL":
            fails = [f"{n}: {d[:120]}" for (n, r, _, d) in found if r not in ("OK", "SKIP")]
            lost = "possibly — failed: " + "; ".join(fails)
            summary["FAIL"] += 1
        else:
            reasons = [d for (_, r, _, d) in found if r == "SKIP" and d]
            lost = "unknown: " + (reasons[0] if reasons else v)
            summary["other"] += 1
        names = sorted({n for (n, _, _, _) in found})
        shown = names if len(names) <= 4 else [tests[0].replace(".*", f".* ({len(names)} cases)")]
        w(f"| {md(case.fault)} | {md(', '.join(shown))} | {v} | {va} | {md(what)} | {md(lost)} |")
    w("")
    w(f"**Cases:** {summary['pass']} pass, {summary['FAIL']} fail, "
      f"{summary['not covered']} not covered or not run, {summary['other']} skipped.")
    w("")

    w("## Sanitizer stage")
    w("")
    w("`tools/sanitize.sh` (run by `.ci/run`) builds the core, the CLI and their tests with "
      "`-Db_sanitize=address,undefined -fno-sanitize-recover=all` (g++, `debugoptimized`) and "
      "runs the tests of `meson test --suite core --suite models --suite cli` under them but the slow "
      "`core_quality` (its reason is in the script). The CLI tests run the "
      "instrumented `neural-style`, so the binary is checked end to end as well as the "
      "engine's code called in-process. LibTorch, OpenBLAS and OpenImageIO are Debian's "
      "uninstrumented builds: memory errors inside them are not seen, and their allocations "
      "are only tracked for leaks.")
    w("")
    if not asan or not asan[0].ran:
        w("Not run for this report (no `build-asan/meson-logs/testlog.json`).")
    else:
        a = asan[0]
        w("| meson test | result | seconds | GoogleTest cases (pass / fail / skip) |")
        w("| --- | --- | --- | --- |")
        for name, (result, secs) in sorted(a.meson.items()):
            cases = [c for c in a.cases.values() if c["meson"] == name]
            counts = (f"{sum(c['result'] == 'OK' for c in cases)} / "
                      f"{sum(c['result'] == 'FAIL' for c in cases)} / "
                      f"{sum(c['result'] == 'SKIP' for c in cases)}") if cases else "—"
            w(f"| {md(name.split(' / ')[-1])} | {result} | {secs:.0f} | {counts} |")
        w("")
    opts = sanitizer_options()
    if opts:
        w("Options (`tests/sanitizers/options.sh`; each finding ends the process with an error):")
        w("")
        for k, v in opts:
            w(f"- `{k}={v}`")
        w("")
    supp = suppressions()
    w("Suppressions (`tests/sanitizers/*.supp`), each for code we do not build:")
    w("")
    if supp:
        w("| file | entry | why |")
        w("| --- | --- | --- |")
        for f, entry, why in supp:
            w(f"| {f} | `{md(entry)}` | {md(why)} |")
    else:
        w("None.")
    w("")
    notes = os.path.join(ROOT, "tests", "sanitizers", "NOTES.md")
    if os.path.exists(notes):
        with open(notes) as f:
            lines.extend(f.read().rstrip("\n").splitlines())
        w("")

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines).rstrip("\n") + "\n")
    print(f"reliability-report: wrote {os.path.relpath(args.out)}: {summary['pass']} pass, "
          f"{summary['FAIL']} fail, {summary['not covered']} not covered or not run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
