#!/usr/bin/python3
"""Writes the install tests' pictures into OUT: photo.png, a real photograph from GIMP's own data
(its 2.10 splash, mushrooms on moss, 240x180 with the title text cropped away), and style.png,
GIMP's "lightning" pattern tiled to 240x240.

  install_test_images.py OUT
"""
import struct
import sys

from PIL import Image

out = sys.argv[1]
splash = Image.open("/usr/share/gimp/2.0/images/gimp-splash.png").convert("RGB")
splash.crop((0, 330, 1000, 1080)).resize((240, 180), Image.LANCZOS).save(f"{out}/photo.png")
# GIMP's .pat format: a big-endian header (size, version, width, height, bytes per pixel, ...).
data = open("/usr/share/gimp/2.0/patterns/Sky/lightning.pat", "rb").read()
header, _, w, h, bpp = struct.unpack(">5I", data[:20])
tile = Image.frombytes({3: "RGB", 4: "RGBA"}[bpp], (w, h), data[header:header + w * h * bpp])
style = Image.new("RGB", (240, 240))
for x in range(0, 240, w):
    for y in range(0, 240, h):
        style.paste(tile.convert("RGB"), (x, y))
style.save(f"{out}/style.png")
