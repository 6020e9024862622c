#!/usr/bin/python3
"""Writes the gallery's content and style images from Debian's own data: photographs from
scikit-image's sample data (python3-skimage, unpacked from its .deb, not installed) and GIMP's
own patterns (/usr/share/gimp/2.0/patterns, tiled).

    gallery_sources.py SKIMAGE_DATA_DIR DEST

Writes DEST/{cat,coffee}.png (photographs) and DEST/{stain,lightning}.png (styles) and prints
one line per file with its source.
"""
import os
import struct
import sys

from PIL import Image


def gimp_pattern(path):
    """A GIMP .pat file: big-endian header (size, version, width, height, bytes per pixel,
    magic, name), then the pixels."""
    data = open(path, "rb").read()
    header, _version, width, height, bpp = struct.unpack(">5I", data[:20])
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[bpp]
    return Image.frombytes(mode, (width, height), data[header:header + width * height * bpp])


def tiled(tile, size):
    out = Image.new("RGB", size)
    for x in range(0, size[0], tile.size[0]):
        for y in range(0, size[1], tile.size[1]):
            out.paste(tile.convert("RGB"), (x, y))
    return out


def main():
    skimage, dest = sys.argv[1], sys.argv[2]
    os.makedirs(dest, exist_ok=True)
    sources = {
        "cat": (Image.open(os.path.join(skimage, "chelsea.png")),
                "scikit-image sample data chelsea.png (python3-skimage), 451x300"),
        "coffee": (Image.open(os.path.join(skimage, "coffee.png")).resize((480, 320), Image.LANCZOS),
                   "scikit-image sample data coffee.png (python3-skimage), 600x400 scaled to 480x320"),
        "stain": (Image.open(os.path.join(skimage, "ihc.png")).resize((384, 384), Image.LANCZOS),
                  "scikit-image sample data ihc.png (python3-skimage), a stained tissue section"),
        "lightning": (tiled(gimp_pattern("/usr/share/gimp/2.0/patterns/Sky/lightning.pat"), (384, 384)),
                      "GIMP's pattern Sky/lightning.pat, tiled to 384x384"),
    }
    for name, (img, what) in sources.items():
        img.convert("RGB").save(os.path.join(dest, name + ".png"))
        print(f"{name}: {what}")


if __name__ == "__main__":
    main()
