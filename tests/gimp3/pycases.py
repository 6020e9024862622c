"""Python-Fu test cases for the GIMP 3 plug-in, run inside gimp-console-3.0.

run_case.py starts GIMP with --batch-interpreter=python-fu-eval and a batch command that imports
this module and calls run(case, results, files). Each check writes "PASS name" or "FAIL name: why"
to the results file, and "DONE" ends it; an exception (a broken API call, say) aborts before
DONE, so it can never look like success.
"""

import os
import struct
import time
import zlib

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

PROC = "plug-in-neural-style"
SUFFIX = " (neural style)"


class Results:
    def __init__(self, path):
        self.out = open(path, "w", encoding="utf-8")

    def check(self, name, ok, why=""):
        line = ("PASS " if ok else "FAIL ") + name
        if not ok and why:
            line += ": " + str(why)
        self.out.write(line + "\n")
        self.out.flush()

    def note(self, text):
        """A line for the log that is neither a check nor the end."""
        self.out.write("NOTE " + text + "\n")
        self.out.flush()

    def done(self):
        self.out.write("DONE\n")
        self.out.close()


# --- Pictures --------------------------------------------------------------------------------


def pattern_bytes(width, height, channels, seed):
    """A smooth but busy test picture (so the network sees structure), as 8-bit bytes."""
    data = bytearray(width * height * channels)
    i = 0
    for y in range(height):
        for x in range(width):
            r = (x * 255 // max(1, width - 1) + seed * 37) % 256
            g = (y * 255 // max(1, height - 1) + seed * 91) % 256
            b = ((x // 4 + y // 4) % 2) * 200 + 20
            px = [r, g, b] if channels >= 3 else [(r + g) // 2]
            if channels in (2, 4):
                px.append(255)
            data[i:i + channels] = bytes(px)
            i += channels
    return bytes(data)


def layer_format(layer):
    gray = layer.is_gray()
    return ("Y'A u8" if layer.has_alpha() else "Y' u8") if gray else \
           ("R'G'B'A u8" if layer.has_alpha() else "R'G'B' u8")


def channels_of(fmt):
    return {"Y' u8": 1, "Y'A u8": 2, "R'G'B' u8": 3, "R'G'B'A u8": 4}[fmt]


def read_pixels(drawable, fmt=None):
    fmt = fmt or layer_format(drawable)
    buf = drawable.get_buffer()
    rect = Gegl.Rectangle.new(0, 0, drawable.get_width(), drawable.get_height())
    data = buf.get(rect, 1.0, fmt, Gegl.AbyssPolicy.CLAMP)
    return bytes(data)


def write_pixels(drawable, data):
    buf = drawable.get_buffer()
    rect = Gegl.Rectangle.new(0, 0, drawable.get_width(), drawable.get_height())
    buf.set(rect, layer_format(drawable), data)
    buf.flush()
    drawable.update(0, 0, drawable.get_width(), drawable.get_height())


def pixel(drawable, x, y):
    fmt = layer_format(drawable)
    n = channels_of(fmt)
    data = read_pixels(drawable, fmt)
    i = (y * drawable.get_width() + x) * n
    return tuple(data[i:i + n])


def make_image(width, height, name="Source", offset=(0, 0), gray=False,
               precision=None, seed=1, extra=(8, 8)):
    base = Gimp.ImageBaseType.GRAY if gray else Gimp.ImageBaseType.RGB
    iw, ih = width + offset[0] + extra[0], height + offset[1] + extra[1]
    if precision is None:
        image = Gimp.Image.new(iw, ih, base)
    else:
        image = Gimp.Image.new_with_precision(iw, ih, base, precision)
    layer = add_layer(image, width, height, name, offset, gray, seed)
    return image, layer


def add_layer(image, width, height, name, offset=(0, 0), gray=False, seed=1):
    kind = Gimp.ImageType.GRAYA_IMAGE if gray else Gimp.ImageType.RGBA_IMAGE
    layer = Gimp.Layer.new(image, name, width, height, kind, 100.0, Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    layer.set_offsets(*offset)
    write_pixels(layer, pattern_bytes(width, height, 2 if gray else 4, seed))
    return layer


def make_style_file(path):
    """run_case.py has written the style picture already (a plain PNG, see there)."""
    return path


def mean_abs_diff(a, b):
    if len(a) != len(b):
        return float("inf")
    return sum(abs(x - y) for x, y in zip(a, b)) / max(1, len(a))


def rgb_only(data, channels):
    """Colour channels of interleaved 8-bit data, alpha dropped."""
    if channels in (2, 4):
        return bytes(v for i, v in enumerate(data) if i % channels != channels - 1)
    return data


# --- Running the procedure -------------------------------------------------------------------


def run_plugin(image, drawables, style_file, **overrides):
    """Calls plug-in-neural-style by name through the PDB with tiny, fast settings; returns the
    status and the first return value."""
    result = run_plugin_values(image, drawables, style_file, **overrides)
    status = result.index(0)
    value = result.index(1) if result.length() > 1 else None
    return status, value


def run_plugin_values(image, drawables, style_file, **overrides):
    """The same call, returning GIMP's whole value array."""
    proc = Gimp.get_pdb().lookup_procedure(PROC)
    config = proc.create_config()
    config.set_property("run-mode", overrides.pop("run-mode", Gimp.RunMode.NONINTERACTIVE))
    config.set_property("image", image)
    config.set_core_object_array("drawables", drawables)
    config.set_property("style-file", Gio.File.new_for_path(style_file) if style_file else None)
    settings = {
        "content-weight": 1.0, "style-weight": 1000.0, "tv-weight": 0.001,
        "iterations": 3, "max-size": 48, "seed": 1234,
        "optimizer": "adam", "init": "content", "preserve-colors": False, "device": "cpu",
    }
    settings.update(overrides)
    for name, value in settings.items():
        config.set_property(name, value)
    return proc.run(config)


def find_layer(image, name):
    for layer in image.get_layers():
        if layer.get_name() == name:
            return layer
    return None


# --- Cases -----------------------------------------------------------------------------------


def case_registration(r, files):
    proc = Gimp.get_pdb().lookup_procedure(PROC)
    r.check("procedure registered", proc is not None)
    if proc is None:
        return
    names = [spec.get_name() for spec in proc.get_arguments()]
    expected = ["run-mode", "image", "drawables", "style-file", "content-weight",
                "style-weight", "tv-weight", "iterations", "max-size", "optimizer", "init",
                "preserve-colors", "seed", "device", "weights-file", "style-file-2",
                "style-file-3", "style-file-4", "style-blend", "style-scale", "color-mode",
                "preset", "content-layer", "style-layers", "scales", "learning-rate",
                "raw-weights", "style-drawable", "style-drawable-2", "style-drawable-3",
                "style-drawable-4", "style-region", "style-region-2", "style-region-3",
                "style-region-4"]
    r.check("argument names in PDB order", names == expected, names)
    r.check("menu label", proc.get_menu_label() == "_Neural Style Transfer…",
            proc.get_menu_label())
    r.check("menu path", "<Image>/Filters/Artistic" in proc.get_menu_paths(),
            proc.get_menu_paths())
    returns = [spec.get_name() for spec in proc.get_return_values()]
    r.check("returns the new layer and all of them", returns == ["new-layer", "new-layers"],
            returns)
    config = proc.create_config()
    for name, good, bad in [("optimizer", "lbfgs", "sgd"), ("init", "noise", "zeros"),
                            ("device", "gpu", "tpu"), ("color-mode", "luminance", "sepia"),
                            ("color-mode", "transfer", "lab"), ("preset", "seed-recipe", "turbo"),
                            ("preset", "fast-preview", "fast")]:
        spec = config.find_property(name)
        choice = Gimp.param_spec_choice_get_choice(spec)
        r.check(name + " accepts " + good, choice.is_valid(good))
        r.check(name + " rejects " + bad, not choice.is_valid(bad))


def case_new_layer(r, files):
    style = make_style_file(files + "/style.png")
    image, source = make_image(64, 48, offset=(6, 4))
    # A transparent corner, to see that the source's alpha is kept.
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 6, 4, 8, 8)
    source.edit_clear()
    Gimp.Selection.none(image)
    before = read_pixels(source)
    status, result = run_plugin(image, [source], style)
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    layers = image.get_layers()
    r.check("one layer added", len(layers) == 2, len(layers))
    if result is None:
        r.check("a layer returned", False)
        return
    r.check("layer name", result.get_name() == "Source" + SUFFIX, result.get_name())
    r.check("same size", (result.get_width(), result.get_height()) == (64, 48),
            (result.get_width(), result.get_height()))
    r.check("same offsets", result.get_offsets()[1:] == source.get_offsets()[1:],
            (result.get_offsets(), source.get_offsets()))
    r.check("directly above the source",
            image.get_item_position(result) + 1 == image.get_item_position(source))
    r.check("no mask without a selection", result.get_mask() is None)
    r.check("transparent corner kept", pixel(result, 2, 2)[3] == 0, pixel(result, 2, 2))
    r.check("opaque part kept", pixel(result, 40, 30)[3] == 255, pixel(result, 40, 30))
    after = read_pixels(source)
    d = mean_abs_diff(rgb_only(read_pixels(result), 4), rgb_only(after, 4))
    r.check("result differs from the source", d > 0.5, d)
    r.check("source pixels unchanged", before == after)
    r.check("source name unchanged", source.get_name() == "Source")


def case_selection(r, files):
    style = make_style_file(files + "/style.png")
    image, source = make_image(64, 64)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 16, 16, 32, 32)
    before = read_pixels(source)
    status, result = run_plugin(image, [source], style)
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    if result is None:
        r.check("a layer returned", False)
        return
    r.check("same size as the source", (result.get_width(), result.get_height()) == (64, 64))
    mask = result.get_mask()
    r.check("masked by the selection", mask is not None)
    if mask is not None:
        r.check("mask hides the outside", pixel(mask, 4, 4)[0] == 0, pixel(mask, 4, 4))
        r.check("mask shows the inside", pixel(mask, 32, 32)[0] == 255, pixel(mask, 32, 32))
    r.check("outside the box equals the source", pixel(result, 4, 4) == pixel(source, 4, 4))
    r.check("outside the box equals the source (far corner)",
            pixel(result, 60, 60) == pixel(source, 60, 60))
    res, src = read_pixels(result), read_pixels(source)
    inside = lambda data: bytes(data[(y * 64 + x) * 4 + c] for y in range(16, 48)
                                for x in range(16, 48) for c in range(3))
    d = mean_abs_diff(inside(res), inside(src))
    r.check("inside the box differs", d > 0.5, d)
    r.check("source pixels unchanged", before == src)
    r.check("selection kept", not Gimp.Selection.is_empty(image))


def case_selection_misses(r, files):
    # A selection that misses every selected layer leaves nothing to do: GIMP's own filters
    # succeed without a change, and so does this one.
    style = make_style_file(files + "/style.png")
    image, source = make_image(48, 48)  # the image has 8 more pixels on the right and below
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 50, 50, 4, 4)
    status, result = run_plugin(image, [source], style)
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    r.check("no layer returned", result is None, result)
    r.check("no layer added", len(image.get_layers()) == 1, len(image.get_layers()))


def case_not_a_layer(r, files):
    # A layer mask is a drawable but not a layer: the caller's error, no layer added.
    style = make_style_file(files + "/style.png")
    image, source = make_image(48, 48)
    mask = source.create_mask(Gimp.AddMaskType.WHITE)
    source.add_mask(mask)
    status, message = run_plugin(image, [mask], style)
    r.check("error status", status == Gimp.PDBStatusType.CALLING_ERROR, (status, message))
    r.check("no layer added", len(image.get_layers()) == 1, len(image.get_layers()))
    r.check("message asks for a layer", "layer" in str(message), message)


def case_missing_style(r, files):
    # GIMP 3 itself validates file arguments declared for opening: a path that does not exist
    # is refused with a calling error naming the argument, before the plug-in even starts.
    image, source = make_image(48, 48)
    status, message = run_plugin(image, [source], files + "/no-such-style.png")
    r.check("error status", status in (Gimp.PDBStatusType.CALLING_ERROR,
                                       Gimp.PDBStatusType.EXECUTION_ERROR), (status, message))
    r.check("no layer added", len(image.get_layers()) == 1, len(image.get_layers()))
    r.check("message names the argument", "style-file" in str(message), message)


def case_unreadable_style(r, files):
    # A file that exists but is no picture gets past GIMP's check and is the plug-in's to report.
    path = files + "/not-a-picture.png"
    with open(path, "wb") as f:
        f.write(b"this is not an image\n" * 10)
    image, source = make_image(48, 48)
    status, message = run_plugin(image, [source], path)
    r.check("error status", status == Gimp.PDBStatusType.EXECUTION_ERROR, (status, message))
    r.check("no layer added", len(image.get_layers()) == 1, len(image.get_layers()))
    r.check("message names the file", "not-a-picture.png" in str(message), message)


def case_no_style(r, files):
    # An argument missing is the caller's error, as GIMP's own filters answer it.
    image, source = make_image(48, 48)
    status, message = run_plugin(image, [source], None)
    r.check("error status", status == Gimp.PDBStatusType.CALLING_ERROR, (status, message))
    r.check("no layer added", len(image.get_layers()) == 1)
    r.check("message asks for a style image", "style image" in str(message), message)


def read_trace(files):
    """The engine's trace lines ($NEURAL_STYLE_TRACE, set by run_case.py)."""
    try:
        with open(files + "/engine-trace.log", encoding="utf-8") as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def case_two_layers(r, files):
    style = make_style_file(files + "/style.png")
    image, first = make_image(48, 40, name="First", offset=(2, 3), seed=1)
    second = add_layer(image, 40, 48, "Second", offset=(10, 1), seed=2)
    image.set_selected_layers([first, second])
    values = run_plugin_values(image, [first, second], style)
    status = values.index(0)
    result = values.index(1) if values.length() > 1 else None
    every = values.get_core_object_array(2) if values.length() > 2 else None
    r.check("new-layers names both results in order",
            every is not None and [layer.get_name() for layer in every] ==
            ["First" + SUFFIX, "Second" + SUFFIX], every)
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    r.check("two layers added", len(image.get_layers()) == 4, len(image.get_layers()))
    for source in (first, second):
        name = source.get_name() + SUFFIX
        out = find_layer(image, name)
        r.check(name + " exists", out is not None)
        if out is None:
            continue
        r.check(name + " size", (out.get_width(), out.get_height()) ==
                (source.get_width(), source.get_height()))
        r.check(name + " offsets", out.get_offsets()[1:] == source.get_offsets()[1:])
        r.check(name + " above its source",
                image.get_item_position(out) + 1 == image.get_item_position(source))
    r.check("returns the first result",
            result is not None and result.get_name() == "First" + SUFFIX)
    # One engine for the run: the network is loaded once and paints both layers.
    trace = read_trace(files)
    creates = [line for line in trace if line.startswith("create ")]
    stylised = [line for line in trace if line.startswith("stylize ")]
    r.check("network loaded once", len(creates) == 1, trace)
    r.check("both layers stylised", len(stylised) == 2, trace)


def case_grayscale(r, files):
    style = make_style_file(files + "/style.png")
    image, source = make_image(48, 48, gray=True)
    before = read_pixels(source)
    status, result = run_plugin(image, [source], style)
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    if result is None:
        r.check("a layer returned", False)
        return
    r.check("result is gray", result.is_gray())
    d = mean_abs_diff(rgb_only(read_pixels(result), 2), rgb_only(read_pixels(source), 2))
    r.check("result differs from the source", d > 0.5, d)
    r.check("source pixels unchanged", before == read_pixels(source))


def case_high_bit_depth(r, files):
    style = make_style_file(files + "/style.png")
    image, source = make_image(48, 48, precision=Gimp.Precision.FLOAT_NON_LINEAR)
    before = read_pixels(source, "R'G'B'A float")
    status, result = run_plugin(image, [source], style, **{"preserve-colors": True})
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    if result is None:
        r.check("a layer returned", False)
        return
    # 4 channels of 32-bit float: the result was not squeezed through 8 or 16 bits.
    r.check("result is 32-bit float", result.get_bpp() == 16, result.get_bpp())
    after = read_pixels(result, "R'G'B'A float")
    r.check("result differs from the source", after != before)
    r.check("source pixels unchanged", before == read_pixels(source, "R'G'B'A float"))


def case_options(r, files):
    """Every choice nick and the boolean reach the engine without a calling error."""
    style = make_style_file(files + "/style.png")
    image, source = make_image(40, 40)
    status, message = run_plugin(image, [source], style, optimizer="lbfgs", init="noise",
                                 **{"preserve-colors": True, "iterations": 2, "device": "auto"})
    r.check("lbfgs, noise, preserve colours, auto device", status == Gimp.PDBStatusType.SUCCESS,
            message)
    broken = files + "/broken.safetensors"
    with open(broken, "wb") as f:
        f.write(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    status, message = run_plugin(image, [source], style,
                                 **{"weights-file": Gio.File.new_for_path(broken)})
    r.check("broken weights file is an error", status == Gimp.PDBStatusType.EXECUTION_ERROR,
            (status, message))
    r.check("weights message says so", "weights" in str(message).lower(), message)
    r.check("only the first run added a layer", len(image.get_layers()) == 2)


def gray_image(width, height):
    """An RGB image whose layer is a gray pattern (R = G = B): any colour in a result is the
    style's."""
    image, layer = make_image(width, height)
    data = bytearray()
    for y in range(height):
        for x in range(width):
            v = 40 + (x * 170 // max(1, width - 1) + ((x // 4 + y // 4) % 2) * 30) % 200
            data += bytes([v, v, v, 255])
    write_pixels(layer, bytes(data))
    return image, layer


def max_chroma(drawable):
    """The largest spread between the colour channels of a pixel: 0 for gray."""
    data = read_pixels(drawable, "R'G'B'A u8")
    return max(max(data[i:i + 3]) - min(data[i:i + 3]) for i in range(0, len(data), 4))


def case_style_controls(r, files):
    """Two styles with a blend, style scale and the colour modes, through the PDB."""
    style, style2 = files + "/style.png", files + "/style-2.png"
    image, source = make_image(48, 40)
    before = read_pixels(source)
    second = {"style-file-2": Gio.File.new_for_path(style2)}
    _, alone = run_plugin(image, [source], style)
    status, first_only = run_plugin(image, [source], style, **second, **{"style-blend": "1,0"})
    r.check("two styles: success", status == Gimp.PDBStatusType.SUCCESS, first_only)
    _, other = run_plugin(image, [source], style, **second, **{"style-blend": "0,1"})
    _, blended = run_plugin(image, [source], style, **second, **{"style-blend": "3,1"})
    if None in (alone, first_only, other, blended):
        r.check("every run returned a layer", False)
        return
    d = mean_abs_diff(read_pixels(first_only), read_pixels(alone))
    r.check("blend 1,0 is the first style alone", d < 0.5, d)
    d = mean_abs_diff(read_pixels(other), read_pixels(first_only))
    r.check("blend 0,1 differs from 1,0", d > 0.5, d)
    r.check("blend 3,1 differs from 0,1", read_pixels(blended) != read_pixels(other))
    status, message = run_plugin(image, [source], style, **second, **{"style-blend": "1,2,3"})
    r.check("a blend that does not fit is refused", status != Gimp.PDBStatusType.SUCCESS,
            status)
    r.check("the refusal names style-blend", "style-blend" in str(message), message)

    _, small = run_plugin(image, [source], style, **{"style-scale": 0.5})
    _, large = run_plugin(image, [source], style, **{"style-scale": 2.0})
    if small and large:
        d = mean_abs_diff(read_pixels(small), read_pixels(large))
        r.check("style scale 0.5 and 2 differ", d > 0.5, d)
    r.check("source pixels unchanged", read_pixels(source) == before)

    gray, gsource = gray_image(48, 48)
    _, plain = run_plugin(gray, [gsource], style, **{"color-mode": "none"})
    _, kept = run_plugin(gray, [gsource], style, **{"color-mode": "luminance"})
    _, transfer = run_plugin(gray, [gsource], style, **{"color-mode": "transfer"})
    if None in (plain, kept, transfer):
        r.check("every colour mode returned a layer", False)
        return
    r.check("none: the style's colours appear", max_chroma(plain) > 8, max_chroma(plain))
    r.check("luminance: the result stays gray", max_chroma(kept) <= 2, max_chroma(kept))
    d = mean_abs_diff(rgb_only(read_pixels(kept), 4), rgb_only(read_pixels(gsource), 4))
    r.check("luminance: the result is still styled", d > 0.5, d)
    # How far the recoloured style moves the colours is the engine's to test (tests/core); here:
    # the mode reaches it and is neither of the other two.
    d = mean_abs_diff(read_pixels(transfer), read_pixels(plain))
    r.check("transfer: differs from none", d > 0.5, d)
    d = mean_abs_diff(read_pixels(transfer), read_pixels(kept))
    r.check("transfer: differs from luminance", d > 0.5, d)


def case_presets(r, files):
    """A preset replaces the arguments it covers; every preset runs."""
    style = files + "/style.png"
    image, source = make_image(32, 32)
    nonsense = {"content-weight": 5.0, "style-weight": 5.0, "tv-weight": 3.0, "iterations": 1,
                "max-size": 20, "optimizer": "lbfgs", "init": "noise", "scales": 1,
                "learning-rate": 0.5, "content-layer": "relu1_1", "style-layers": "relu1_1:1"}
    status, recipe = run_plugin(image, [source], style, **nonsense, preset="seed-recipe")
    r.check("seed recipe: success", status == Gimp.PDBStatusType.SUCCESS, recipe)
    spelled = {"content-weight": 10.0, "style-weight": 40.0, "tv-weight": 0.0,
               "iterations": 150, "max-size": 512, "optimizer": "adam", "init": "content",
               "scales": 2, "learning-rate": 0.03, "raw-weights": True,
               "content-layer": "relu5_4",
               "style-layers": "relu1_1:0.2,relu2_1:0.2,relu3_1:0.2,relu4_1:0.2,relu5_1:0.2"}
    _, custom = run_plugin(image, [source], style, **spelled, preset="custom")
    if recipe and custom:
        d = mean_abs_diff(read_pixels(recipe), read_pixels(custom))
        r.check("seed recipe equals its values spelled out", d < 0.5, d)
    for preset in ("fast-preview", "balanced", "high-quality"):
        status, layer = run_plugin(image, [source], style, **nonsense, preset=preset)
        r.check(preset + " runs", status == Gimp.PDBStatusType.SUCCESS and layer is not None,
                (status, layer))
    r.check("five layers added", len(image.get_layers()) == 6, len(image.get_layers()))


def case_german(r, files):
    """Run with LANGUAGE=de: the plug-in's own catalogue names the layer and the errors."""
    image, source = make_image(48, 48)
    status, result = run_plugin(image, [source], files + "/style.png")
    r.check("status success", status == Gimp.PDBStatusType.SUCCESS, status)
    name = result.get_name() if result else None
    r.check("German layer name", name == "Source (neuronaler Stil)", name)
    status, message = run_plugin(image, [source], None)
    r.check("German error message", "Stilbild" in str(message), message)
    proc = Gimp.get_pdb().lookup_procedure(PROC)
    r.check("German menu label", proc.get_menu_label() == "_Neuronaler Stiltransfer …",
            proc.get_menu_label())


def write_png(path, width, height, data, channels):
    """8-bit pixels (1 = gray, 3 = RGB, 4 = RGBA) as a PNG, written without GIMP: the files the
    command line tool reads must hold exactly these values."""
    color = {1: 0, 3: 2, 4: 6}[channels]
    stride = width * channels
    raw = b"".join(b"\0" + bytes(data[y * stride:(y + 1) * stride]) for y in range(height))

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body)))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" +
                chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def write_mask_png(path, width, height, x, y, w, h):
    """Black with a white rectangle: a mask as the command line tool reads it."""
    data = bytes(255 if x <= i < x + w and y <= j < y + h else 0
                 for j in range(height) for i in range(width))
    write_png(path, width, height, data, 1)


def case_style_sources(r, files):
    """Styles from layers of open images, regions from channels and the selection: the same as a
    style file and as the command line tool's masks (run_case.py has compare-cli.py run the CLI on
    the lines of cli-compare.txt); wrong items are refused and add nothing."""
    style, style2 = files + "/style.png", files + "/style-2.png"
    fast = {"max-size": 0}
    Gimp.context_set_background(Gegl.Color.new("#c87828"))
    image, source = make_image(48, 40, offset=(3, 2))
    before = read_pixels(source)
    write_png(files + "/content.png", 48, 40, before, 4)
    compare = open(files + "/cli-compare.txt", "w", encoding="utf-8")

    # (a) A layer of another image, offset and partly transparent, as the style = its pixels
    # saved to a file.
    style_image = Gimp.Image.new(60, 60, Gimp.ImageBaseType.RGB)
    layer = add_layer(style_image, 48, 48, "Style layer", offset=(5, 7), seed=4)
    style_image.select_rectangle(Gimp.ChannelOps.REPLACE, 5, 7, 12, 48)
    layer.edit_clear()
    Gimp.Selection.none(style_image)
    write_png(files + "/style-layer.png", 48, 48, read_pixels(layer), 4)
    _, from_file = run_plugin(image, [source], files + "/style-layer.png", **fast)
    status, from_layer = run_plugin(image, [source], None, **fast, **{"style-drawable": layer})
    r.check("a style layer alone: success", status == Gimp.PDBStatusType.SUCCESS, from_layer)
    _, both = run_plugin(image, [source], style2, **fast, **{"style-drawable": layer})
    _, other = run_plugin(image, [source], style2, **fast)
    if None in (from_file, from_layer, both, other):
        r.check("every run returned a layer", False)
        return
    d = mean_abs_diff(read_pixels(from_layer), read_pixels(from_file))
    r.check("a style layer of another image = its pixels as a file", d == 0, d)
    d = mean_abs_diff(read_pixels(both), read_pixels(from_layer))
    r.check("a slot with a file and a layer uses the layer", d == 0, d)
    d = mean_abs_diff(read_pixels(other), read_pixels(from_layer))
    r.check("another style gives another result", d > 0.5, d)

    # (b) A channel of the content image (image coordinates; the layer is offset by (3, 2)) as
    # the region of style 1, style 2 elsewhere: the CLI with the same mask.
    two = {**fast, "style-file-2": Gio.File.new_for_path(style2)}
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 10, 6, 20, 30)
    channel = Gimp.Selection.save(image)
    Gimp.Selection.none(image)
    write_mask_png(files + "/region.png", 48, 40, 7, 4, 20, 30)
    _, region = run_plugin(image, [source], style, **two, **{"style-region": channel})
    _, everywhere = run_plugin(image, [source], style, **two)
    if None in (region, everywhere):
        r.check("the region runs returned layers", False)
        return
    write_png(files + "/region-gimp.png", 48, 40, read_pixels(region), 4)
    compare.write("channel region\tregion-gimp.png\t--style\tstyle.png\t--style\tstyle-2.png\t"
                  "--style-mask\tregion.png\t--style-mask\t-\n")
    d = mean_abs_diff(read_pixels(region), read_pixels(everywhere))
    r.check("a region changes the result", d > 0.5, d)

    # The selection as a region = the channel saved from it (both runs then process the
    # selection's box and mask the result with it; read_pixels reads the layers, not the masks).
    image.select_ellipse(Gimp.ChannelOps.REPLACE, 6, 4, 36, 34)
    saved = Gimp.Selection.save(image)
    _, by_selection = run_plugin(image, [source], style, **two,
                                 **{"style-region": image.get_selection()})
    _, by_channel = run_plugin(image, [source], style, **two, **{"style-region": saved})
    _, unregioned = run_plugin(image, [source], style, **two)
    Gimp.Selection.none(image)
    if None in (by_selection, by_channel, unregioned):
        r.check("the selection runs returned layers", False)
        return
    d = mean_abs_diff(read_pixels(by_selection), read_pixels(by_channel))
    r.check("the selection as region = the channel saved from it", d == 0, d)
    d = mean_abs_diff(read_pixels(by_selection), read_pixels(unregioned))
    r.check("the selection as region changes the result", d > 0.5, d)

    # (c) An opaque style layer (the CLI ignores a style file's alpha, which the plug-in
    # composites on the background as GIMP does) whose image has a selection: the style is taken
    # from the selected part, as with the CLI's --style-source-mask.
    opaque_image = Gimp.Image.new(64, 64, Gimp.ImageBaseType.RGB)
    opaque = Gimp.file_load_layer(Gimp.RunMode.NONINTERACTIVE, opaque_image,
                                  Gio.File.new_for_path(style))
    opaque_image.insert_layer(opaque, None, 0)
    opaque.set_offsets(6, 9)
    _, whole = run_plugin(image, [source], None, **fast, **{"style-drawable": opaque})
    opaque_image.select_rectangle(Gimp.ChannelOps.REPLACE, 10, 12, 24, 30)
    write_mask_png(files + "/source-mask.png", 48, 48, 4, 3, 24, 30)
    _, part = run_plugin(image, [source], None, **fast, **{"style-drawable": opaque})
    if None in (whole, part):
        r.check("the source mask runs returned layers", False)
        return
    write_png(files + "/source-gimp.png", 48, 40, read_pixels(part), 4)
    compare.write("style source mask\tsource-gimp.png\t--style\tstyle.png\t"
                  "--style-source-mask\tsource-mask.png\n")
    compare.close()
    d = mean_abs_diff(read_pixels(part), read_pixels(whole))
    r.check("the style image's selection changes the result", d > 0.5, d)

    # (d) Wrong items: calling errors naming the argument, nothing added.
    count = len(image.get_layers())
    foreign = Gimp.Selection.save(opaque_image)
    status, message = run_plugin(image, [source], style, **fast, **{"style-region": foreign})
    r.check("a channel of another image is refused",
            status == Gimp.PDBStatusType.CALLING_ERROR and "style-region" in str(message),
            (status, message))
    # GIMP 3 types its arguments (style-drawable is a layer argument, style-region a channel
    # one): GObject refuses a value of another type.
    for name, arg, value in [("a channel as style layer is refused", "style-drawable", channel),
                             ("a layer as region is refused", "style-region", source)]:
        try:
            status, message = run_plugin(image, [source], style, **fast, **{arg: value})
            refused = status != Gimp.PDBStatusType.SUCCESS
        except TypeError as e:
            refused, message = True, e
        r.check(name, refused, message)
    r.check("failed calls add no layer", len(image.get_layers()) == count,
            len(image.get_layers()))
    r.check("source pixels unchanged", read_pixels(source) == before)
    for i in (style_image, opaque_image, image):
        i.delete()


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def run(case, results_path, files):
    r = Results(results_path)
    CASES[case](r, files)
    r.done()


def run_interactive(results_path, files):
    """For dialog_test.py: an interactive run that the test cancels from the progress window."""
    r = Results(results_path)
    image, source = make_image(64, 64)
    status, _ = run_plugin(image, [source], files + "/style.png",
                           **{"run-mode": Gimp.RunMode.INTERACTIVE, "iterations": 2000,
                              "max-size": 64})
    r.check("cancelled run reports CANCEL", status == Gimp.PDBStatusType.CANCEL, status)
    r.check("cancelled run adds no layer", len(image.get_layers()) == 1,
            len(image.get_layers()))
    r.done()


def run_interactive_preview(results_path, files):
    """For dialog_test.py: an interactive run on a 640 x 480 layer whose dialog the test uses the
    preview of (160 x 120) and then cancels while a preview runs: the call reports CANCEL and the
    image is as it was."""
    r = Results(results_path)
    image, source = make_image(640, 480)
    before = read_pixels(source)
    status, _ = run_plugin(image, [source], files + "/style.png",
                           **{"run-mode": Gimp.RunMode.INTERACTIVE})
    r.check("cancelled dialog reports CANCEL", status == Gimp.PDBStatusType.CANCEL, status)
    r.check("cancelled dialog adds no layer", len(image.get_layers()) == 1,
            len(image.get_layers()))
    r.check("the source is unchanged", read_pixels(source) == before)
    r.done()


def run_with_last_values(image, drawables):
    """Calls the procedure as Filters > Repeat does: RUN_WITH_LAST_VALS and nothing but the image
    and its drawables; returns GIMP's whole value array."""
    proc = Gimp.get_pdb().lookup_procedure(PROC)
    config = proc.create_config()
    config.set_property("run-mode", Gimp.RunMode.WITH_LAST_VALS)
    config.set_property("image", image)
    config.set_core_object_array("drawables", drawables)
    return proc.run(config)


def run_interactive_then_last_values(results_path, files):
    """For dialog_test.py: OK in the dialog, then a RUN_WITH_LAST_VALS call that sets nothing
    but the image must repeat that run, style file included (GIMP 3 keeps the last values of
    interactive runs in the procedure config)."""
    r = Results(results_path)
    image, source = make_image(48, 48)
    status, first = run_plugin(image, [source], files + "/style.png",
                               **{"run-mode": Gimp.RunMode.INTERACTIVE, "iterations": 2,
                                  "max-size": 32, "seed": 99})
    r.check("interactive run succeeds", status == Gimp.PDBStatusType.SUCCESS, first)
    result = run_with_last_values(image, [source])
    status, second = result.index(0), result.index(1)
    r.check("run with last values succeeds", status == Gimp.PDBStatusType.SUCCESS, second)
    if status == Gimp.PDBStatusType.SUCCESS and first is not None:
        r.check("last values give the same result", read_pixels(first) == read_pixels(second))
    r.done()


def run_interactive_then_repeat(results_path, files):
    """For dialog_test.py: OK in the dialog, then Filters > Repeat's call (RUN_WITH_LAST_VALS),
    which shows the progress window too; the test cancels it there, and the repeat adds
    nothing."""
    r = Results(results_path)
    image, source = make_image(64, 64)
    status, first = run_plugin(image, [source], files + "/style.png",
                               **{"run-mode": Gimp.RunMode.INTERACTIVE, "iterations": 400,
                                  "max-size": 64})
    r.check("interactive run succeeds", status == Gimp.PDBStatusType.SUCCESS, first)
    # The first run's windows are gone once it has returned: the next one is Repeat's.
    open(files + "/first-done", "w").close()
    status = run_with_last_values(image, [source]).index(0)
    r.check("repeat cancelled from its progress window reports CANCEL",
            status == Gimp.PDBStatusType.CANCEL, status)
    r.check("the cancelled repeat adds no layer", len(image.get_layers()) == 2,
            len(image.get_layers()))
    r.done()


def run_two_layers_then_undo(results_path, files):
    """For dialog_test.py in the GUI gimp-3.0: an image in a window, OK in the dialog runs the
    filter over two layers, then the test presses Ctrl+Z once in the image window. That one undo
    must take both result layers away and leave the image as it was before the run: the two
    source layers with their pixels, and nothing left to save.

    The count is checked first and files/counted written after it: the window title already
    counts the new layers while the plug-in is still returning, so the undo must wait for the
    marker, or this script would count after it."""
    r = Results(results_path)
    image, first = make_image(48, 40, name="First", offset=(2, 3), seed=1)
    second = add_layer(image, 40, 48, "Second", offset=(10, 1), seed=2)
    before = [(layer.get_name(), read_pixels(layer)) for layer in image.get_layers()]
    # A file name for the window title, which the test finds the image window by.
    image.set_file(Gio.File.new_for_path(files + "/undo-two-layers.xcf"))
    Gimp.Display.new(image)
    image.set_selected_layers([first, second])
    image.clean_all()
    values = run_plugin_values(image, [first, second], files + "/style.png",
                               **{"run-mode": Gimp.RunMode.INTERACTIVE})
    r.check("the run succeeds", values.index(0) == Gimp.PDBStatusType.SUCCESS, values.index(0))
    added = values.get_core_object_array(2) if values.length() > 2 else []
    r.check("the run returns two layers", len(added) == 2, added)
    r.check("the image has four layers", len(image.get_layers()) == 4, len(image.get_layers()))
    open(files + "/counted", "w").close()

    # The undo is the test's to send; it comes within seconds once the marker is there.
    deadline = time.monotonic() + 90
    while len(image.get_layers()) == 4 and time.monotonic() < deadline:
        time.sleep(0.2)
    after = [(layer.get_name(), read_pixels(layer)) for layer in image.get_layers()]
    r.check("one undo removes both new layers", len(after) == 2,
            [name for name, _ in after])
    r.check("the source layers are what remains, in their order",
            [name for name, _ in after] == [name for name, _ in before],
            [name for name, _ in after])
    r.check("their pixels are unchanged", after == before)
    r.check("the image is clean again, as before the run", not image.is_dirty())
    # Nothing for --quit to ask about, whatever happened above.
    image.clean_all()
    r.done()


def last_stylize(files):
    """The engine's trace line of the latest image stylised, or None."""
    lines = [line for line in read_trace(files) if line.startswith("stylize ")]
    return lines[-1] if lines else None


def wait_for_file(path, seconds):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.2)
    return os.path.exists(path)


def run_blend_resets(results_path, files):
    """For dialog_test.py: the blend weights beside the style files follow Reset.

    First dialog: the values given are two styles blended 0.25,0.75; the test chooses Reset >
    Reset to Factory Defaults, which clears the style files too, chooses both files again,
    types 2 as the first weight and presses OK. The run must blend 2,1: the typed weight and
    the second's default, not the 0.75 shown before the reset.
    Second dialog, on the last values (2,1): the test types 3 as the second weight, chooses
    Reset > Reset to Initial Values, types 0.5 as the first weight and presses OK. The run must
    blend 0.5,1, not 0.5,3. Typing a weight after each reset proves that the keys reached the
    weights at all, and makes the dialog write the blend from what it shows.

    Between the two the test waits for files/first-done, and this script for files/go: the
    second dialog must not open while the first run's progress window is still there."""
    r = Results(results_path)
    image, source = make_image(48, 40)
    given = {"run-mode": Gimp.RunMode.INTERACTIVE, "iterations": 3,
             "style-file-2": Gio.File.new_for_path(files + "/style-2.png"),
             "style-blend": "0.25,0.75"}
    status, _ = run_plugin(image, [source], files + "/style.png", **given)
    r.check("the run after Reset to Factory Defaults succeeds",
            status == Gimp.PDBStatusType.SUCCESS, status)
    line = last_stylize(files)
    r.check("after Reset to Factory Defaults the run blends the typed weight with the default",
            line is not None and line.endswith(", 2 styles, blend 2,1"), line)
    open(files + "/first-done", "w").close()
    if not wait_for_file(files + "/go", 120):
        r.check("the test lets the second dialog open", False)
        r.done()
        return
    # The dialog opens on the last values; those given here are only the fallback.
    status, _ = run_plugin(image, [source], files + "/style.png", **given)
    r.check("the run after Reset to Initial Values succeeds",
            status == Gimp.PDBStatusType.SUCCESS, status)
    line = last_stylize(files)
    r.check("after Reset to Initial Values the run blends the typed weight with the initial one",
            line is not None and line.endswith(", 2 styles, blend 0.5,1"), line)
    r.done()


def run_interactive_preset(results_path, files):
    """For dialog_test.py: the test picks the "Fast preview" preset in the dialog and presses OK.
    The run must then be the preset's: the same picture as a non-interactive call with
    preset="fast-preview" and the same other arguments."""
    r = Results(results_path)
    image, source = make_image(48, 40)
    base = {"iterations": 3, "max-size": 32, "seed": 99}
    status, chosen = run_plugin(image, [source], files + "/style.png",
                                **base, **{"run-mode": Gimp.RunMode.INTERACTIVE})
    r.check("interactive run succeeds", status == Gimp.PDBStatusType.SUCCESS, chosen)
    status, scripted = run_plugin(image, [source], files + "/style.png", **base,
                                  preset="fast-preview")
    _, custom = run_plugin(image, [source], files + "/style.png", **base)
    if chosen is not None and scripted is not None and custom is not None:
        d = mean_abs_diff(read_pixels(chosen), read_pixels(scripted))
        r.check("the dialog's run is the preset's", d < 0.5, d)
        d = mean_abs_diff(read_pixels(chosen), read_pixels(custom))
        r.check("and not the values given before", d > 0.5, d)
    r.done()


def run_interactive_style_layer(results_path, files):
    """For dialog_test.py: the dialog opens on two style files and the layer of a second open
    image for style 1; the test picks the image's one channel as that style's region and presses
    OK. The run must then be the one a non-interactive call with that layer and region gives, not
    the files' alone."""
    r = Results(results_path)
    image, source = make_image(48, 40)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 8, 8, 30, 24)
    channel = Gimp.Selection.save(image)
    channel.set_name("Region")
    Gimp.Selection.none(image)
    style_image = Gimp.Image.new(48, 48, Gimp.ImageBaseType.RGB)
    layer = add_layer(style_image, 48, 48, "Style layer", seed=4)
    base = {"iterations": 3, "max-size": 0, "seed": 1234,
            "style-file-2": Gio.File.new_for_path(files + "/style-2.png")}
    status, chosen = run_plugin(image, [source], files + "/style.png",
                                **base, **{"run-mode": Gimp.RunMode.INTERACTIVE,
                                           "style-drawable": layer})
    r.check("interactive run succeeds", status == Gimp.PDBStatusType.SUCCESS, chosen)
    _, scripted = run_plugin(image, [source], files + "/style.png", **base,
                             **{"style-drawable": layer, "style-region": channel})
    _, files_only = run_plugin(image, [source], files + "/style.png", **base)
    if None in (chosen, scripted, files_only):
        r.check("every run returned a layer", False)
    else:
        d = mean_abs_diff(read_pixels(chosen), read_pixels(scripted))
        r.check("the run used the layer and the region", d == 0, d)
        d = mean_abs_diff(read_pixels(chosen), read_pixels(files_only))
        r.check("which differs from the files alone", d > 0.5, d)
    r.done()


def run_kill_phase(phase, results_path, files):
    """For kill_test.py, which kills the plug-in's process during phase 1's run.

    Phase 1, the first batch command: a run that would take hours on a fresh image, beside a
    duplicate made before it; once the killed call returns, the image must have its one layer
    with unchanged pixels. The two image ids go to files/images.txt for phase 2.
    Phase 2, the next batch command (a new Python-Fu process): GIMP still has both images, they
    still agree, and the plug-in runs again.
    """
    r = Results(results_path)
    ids_path = files + "/images.txt"
    style = files + "/style.png"

    def check_intact(image, backup):
        layers = image.get_layers()
        r.check("the image has its original layer only", len(layers) == 1, len(layers))
        r.check("the layer keeps its name", layers[0].get_name() == "Source",
                layers[0].get_name())
        d = mean_abs_diff(read_pixels(layers[0]), read_pixels(backup.get_layers()[0]))
        r.check("the layer's pixels are unchanged", d == 0, d)

    if phase == 1:
        image, source = make_image(160, 120)
        backup = image.duplicate()
        with open(ids_path, "w") as f:
            f.write(f"{image.get_id()} {backup.get_id()}\n")
        # 100000 iterations at the layer's own size: hours, unless killed.
        status, message = run_plugin(image, [source], style,
                                     **{"iterations": 100000, "max-size": 0})
        r.note(f"the killed call returned {status} {message!r}")
        r.check("the killed run returns an error", status != Gimp.PDBStatusType.SUCCESS,
                status)
        check_intact(image, backup)
    else:
        with open(ids_path) as f:
            image_id, backup_id = (int(v) for v in f.read().split())
        known = [im.get_id() for im in Gimp.get_images()]
        r.check("GIMP answers the next batch command and still has the image",
                image_id in known, known)
        r.check("and its copy", backup_id in known, known)
        if image_id in known and backup_id in known:
            image = Gimp.Image.get_by_id(image_id)
            check_intact(image, Gimp.Image.get_by_id(backup_id))
            status, result = run_plugin(image, image.get_layers()[:1], style)
            r.check("the plug-in runs again", status == Gimp.PDBStatusType.SUCCESS, result)
            r.check("and adds its layer", len(image.get_layers()) == 2,
                    len(image.get_layers()))
    r.done()
