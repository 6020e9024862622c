#!/usr/bin/python3
"""Draws the example content and style images (deterministic; no downloads).

content: a small landscape (sky gradient, sun, hills, a house) -- shapes a viewer recognises,
so that one can tell whether a result keeps its subject.
style:   bold, colourful brush-like strokes on a dark ground, so that a stylised result is
obviously different from its content.
"""
import argparse
import math
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def content_image(w, h):
    img = Image.new("RGB", (w, h))
    px = np.zeros((h, w, 3), np.float32)
    t = np.linspace(0, 1, h)[:, None]
    px[..., 0] = 0.35 + 0.45 * t
    px[..., 1] = 0.55 + 0.30 * t
    px[..., 2] = 0.95 - 0.25 * t
    img = Image.fromarray((px * 255).astype(np.uint8))
    d = ImageDraw.Draw(img)
    d.ellipse([w * 0.70, h * 0.10, w * 0.86, h * 0.10 + w * 0.16], fill=(250, 215, 90))
    d.polygon([(0, h * 0.70), (w * 0.30, h * 0.45), (w * 0.62, h * 0.72), (w, h * 0.52), (w, h), (0, h)],
              fill=(70, 140, 60))
    d.rectangle([0, h * 0.80, w, h], fill=(50, 110, 45))
    x0, y0, x1, y1 = w * 0.18, h * 0.55, w * 0.42, h * 0.82
    d.rectangle([x0, y0, x1, y1], fill=(200, 80, 60))
    d.polygon([(x0 - w * 0.03, y0), ((x0 + x1) / 2, h * 0.40), (x1 + w * 0.03, y0)], fill=(110, 50, 40))
    d.rectangle([w * 0.27, h * 0.68, w * 0.33, y1], fill=(90, 60, 40))
    d.rectangle([w * 0.21, h * 0.60, w * 0.25, h * 0.65], fill=(240, 240, 200))
    d.rectangle([w * 0.35, h * 0.60, w * 0.39, h * 0.65], fill=(240, 240, 200))
    return img


def style_image(w, h, seed=7):
    rng = np.random.default_rng(seed)
    img = Image.new("RGB", (w, h), (25, 20, 45))
    d = ImageDraw.Draw(img)
    palette = [(235, 190, 40), (220, 80, 40), (40, 120, 200), (240, 240, 220), (60, 170, 140)]
    for _ in range(int(w * h / 180)):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        angle = math.sin(cx / w * 6.0) + math.cos(cy / h * 5.0)
        length = rng.uniform(w * 0.03, w * 0.09)
        dx, dy = math.cos(angle) * length, math.sin(angle) * length
        colour = palette[int(rng.integers(len(palette)))]
        d.line([(cx - dx, cy - dy), (cx + dx, cy + dy)], fill=colour, width=int(rng.integers(2, 6)))
    return img.filter(ImageFilter.SMOOTH)


def mosaic_image(w, h, seed=11):
    """A second style: bright stained-glass cells with dark leading."""
    rng = np.random.default_rng(seed)
    points = rng.uniform(0, 1, (40, 2)) * [w, h]
    palette = np.array([(200, 40, 60), (30, 90, 200), (240, 200, 40), (40, 160, 90), (150, 60, 180),
                        (240, 120, 30)], np.float32)
    colours = palette[rng.integers(len(palette), size=len(points))]
    yy, xx = np.mgrid[0:h, 0:w]
    d = (xx[..., None] - points[:, 0]) ** 2 + (yy[..., None] - points[:, 1]) ** 2
    order = np.sort(d, axis=-1)
    nearest = d.argmin(-1)
    px = colours[nearest]
    edge = np.sqrt(order[..., 1]) - np.sqrt(order[..., 0]) < 2.5
    px[edge] = (20, 20, 25)
    return Image.fromarray(px.astype(np.uint8))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", default="examples", help="output folder")
    ap.add_argument("--width", type=int, default=384)
    ap.add_argument("--height", type=int, default=256)
    ap.add_argument("--mosaic", action="store_true", help="also draw style-mosaic.png")
    args = ap.parse_args()
    os.makedirs(args.dest, exist_ok=True)
    content = os.path.join(args.dest, "content.png")
    style = os.path.join(args.dest, "style.png")
    content_image(args.width, args.height).save(content)
    style_image(args.width, args.height).save(style)
    print(content)
    print(style)
    if args.mosaic:
        mosaic = os.path.join(args.dest, "style-mosaic.png")
        mosaic_image(args.width, args.height).save(mosaic)
        print(mosaic)


if __name__ == "__main__":
    main()
