#!/usr/bin/python3
"""Measures a style-transfer result the way a user would judge it.

  quality_metrics.py CONTENT STYLE RESULT [--log RUN.jsonl]

Prints JSON: the SSIM of the result's luminance against the content's (does it keep the
subject?), the distance of its colour statistics (per-channel mean and standard deviation) to
the style's and to the content's (did the palette move towards the style?), and, with --log, how
much the style loss fell from iteration 0 to the end.

--check exits with status 1 unless the result is stylised and keeps its subject: luminance SSIM
to the content above 0.25, colour statistics nearer the style than 0.6 times the content's own
distance to it, and (with --log) the style loss down by more than half. The install tests use it.
"""
import sys
import argparse
import json

import numpy as np
from PIL import Image


def load(path, size=None):
    img = Image.open(path).convert("RGB")
    if size and img.size != size:
        img = img.resize(size, Image.BILINEAR)
    return np.asarray(img, np.float64) / 255.0


def luminance(rgb):
    return rgb @ np.array([0.299, 0.587, 0.114])


def blur(x, radius=3):
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / 1.5) ** 2)
    k /= k.sum()
    x = np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), 1, x)
    return np.apply_along_axis(lambda c: np.convolve(c, k, mode="same"), 0, x)


def ssim(a, b):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    ma, mb = blur(a), blur(b)
    va, vb, cov = blur(a * a) - ma ** 2, blur(b * b) - mb ** 2, blur(a * b) - ma * mb
    s = ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2))
    return float(s.mean())


def stats(rgb):
    flat = rgb.reshape(-1, 3)
    return np.concatenate([flat.mean(0), flat.std(0)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("content")
    ap.add_argument("style")
    ap.add_argument("result")
    ap.add_argument("--log")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless the result is stylised and keeps its subject")
    args = ap.parse_args()
    content = load(args.content)
    size = (content.shape[1], content.shape[0])
    result = load(args.result, size)
    style = load(args.style)
    out = {
        "luminance_ssim_to_content": round(ssim(luminance(result), luminance(content)), 4),
        "colour_distance_to_style": round(float(np.linalg.norm(stats(result) - stats(style))), 4),
        "colour_distance_to_content": round(float(np.linalg.norm(stats(result) - stats(content))), 4),
        "content_colour_distance_to_style": round(float(np.linalg.norm(stats(content) - stats(style))), 4),
    }
    if args.log:
        rows = [json.loads(line) for line in open(args.log)]
        last_scale = max(r.get("scale", 0) for r in rows)
        rows = [r for r in rows if r.get("scale", 0) == last_scale]
        # Over the final scale only: earlier scales are at other sizes.
        out["style_loss_change"] = round(rows[-1]["style_loss"] / rows[0]["style_loss"] - 1, 4)
        out["seconds"] = round(rows[-1]["elapsed_seconds"], 1)
    print(json.dumps(out))
    if args.check:
        ok = (out["luminance_ssim_to_content"] > 0.25
              and out["colour_distance_to_style"] < 0.6 * out["content_colour_distance_to_style"]
              and out.get("style_loss_change", -1) < -0.5)
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
