#!/usr/bin/env python3
"""Runs the command line tool on what a GIMP test case saved and compares the two results.

usage: compare-cli.py FILES_DIR

FILES_DIR/cli-compare.txt has one comparison per line, tab-separated: a name, the plug-in's
result (a PNG in FILES_DIR) and the CLI's style arguments (--style, --style-mask,
--style-source-mask ...; file names relative to FILES_DIR, "-" as is). The content is
FILES_DIR/content.png, the settings those of the cases' calls (weights 1, 1000 and 0.001, three
Adam steps at each of two scales from the content, seed 1234, the layer's size, CPU). The CLI is
$NEURAL_STYLE_CLI; the environment (the narrowed random network, no model folders) is the one the
case ran GIMP in.

Prints "PASS name" or "FAIL name: why" per line; the exit status is 0 when every line passed.
"""

import os
import struct
import subprocess
import sys
import zlib

# The plug-in writes the engine's float result into an 8-bit layer through babl, the CLI through
# OpenImageIO: both round, and may round a value that falls between two steps differently.
TOLERANCE = 1

SETTINGS = ["--content-weight", "1", "--style-weight", "1000", "--tv-weight", "0.001",
            "--iterations", "3", "--scales", "2", "--optimizer", "adam", "--init", "content",
            "--seed", "1234", "--max-size", "0", "--device", "cpu", "--quiet"]


def pixels(path):
    """An 8-bit, non-interlaced PNG as (width, height, RGBA rows): Python alone, so that the
    script runs wherever GIMP's tests do."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(color)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: not an 8-bit gray or RGB(A) PNG")
    raw, stride, rows, prev = zlib.decompress(idat), width * channels, [], bytes(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = bytes(line)
        px = [line[x * channels:(x + 1) * channels] for x in range(width)]
        if channels == 1:
            px = [(p[0], p[0], p[0], 255) for p in px]
        elif channels == 2:
            px = [(p[0], p[0], p[0], p[1]) for p in px]
        elif channels == 3:
            px = [(p[0], p[1], p[2], 255) for p in px]
        rows.append([v for p in px for v in p])
    return width, height, rows


def main():
    files = sys.argv[1]
    cli = os.environ.get("NEURAL_STYLE_CLI", "")
    ok = True
    with open(os.path.join(files, "cli-compare.txt"), encoding="utf-8") as spec:
        lines = [line.rstrip("\n").split("\t") for line in spec if line.strip()]
    if not lines:
        print("FAIL cli comparisons: the case wrote none")
        return 1
    for name, gimp_png, *style_args in lines:
        if not cli or not os.access(cli, os.X_OK):
            print(f"FAIL {name}: no command line tool (NEURAL_STYLE_CLI={cli!r})")
            ok = False
            continue
        args = [a if a.startswith("--") or a == "-" else os.path.join(files, a)
                for a in style_args]
        out = os.path.join(files, name.replace(" ", "-") + "-cli.png")
        run = subprocess.run([cli, "--content", os.path.join(files, "content.png"),
                              "--output", out] + SETTINGS + args,
                             capture_output=True, text=True, check=False)
        if run.returncode != 0:
            print(f"FAIL {name}: the CLI failed ({run.returncode}): {run.stderr.strip()}")
            ok = False
            continue
        a, b = pixels(os.path.join(files, gimp_png)), pixels(out)
        if a[:2] != b[:2]:
            print(f"FAIL {name}: sizes differ: {a[:2]} and {b[:2]}")
            ok = False
            continue
        diffs = [abs(x - y) for ra, rb in zip(a[2], b[2]) for x, y in zip(ra, rb)]
        diff, mean = max(diffs), sum(diffs) / len(diffs)
        if diff <= TOLERANCE:
            print(f"PASS {name}: the plug-in's result = the CLI's (largest difference {diff})")
        else:
            print(f"FAIL {name}: the plug-in's result differs from the CLI's by up to {diff} "
                  f"(mean {mean:.3f})")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
