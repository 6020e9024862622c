#!/usr/bin/env python3
"""The GIMP 3 dialogs under Xvfb.

usage: dialog_test.py --gimp GIMP_CONSOLE --plugin EXE --engine MODULE --tests DIR --work DIR
                      --screenshot PNG

gimp-console-3.0 runs plug-in-neural-style interactively on a fresh image (a plug-in opens its
own GTK windows on $DISPLAY, the console needs none).

--scenario cancel: the test waits for the settings dialog, saves a screenshot of it (PNG, plus
*-progress.png of the progress window), presses OK, waits for the progress window and presses
Escape there, after checking that the progress window shows a live preview. The run must end
with status CANCEL and the image must keep its single layer: a cancelled run leaves the image as
it was.

--scenario last-values: OK in the dialog; the batch command then calls the procedure with
RUN_WITH_LAST_VALS and nothing but the image, which must repeat the run exactly.

--scenario preset: Alt+P, Home and Down choose the "Fast preview" preset, Alt+O is OK; the run must
give the same picture as a non-interactive call with preset="fast-preview".

--scenario repeat: OK in the dialog, then Filters > Repeat's call (RUN_WITH_LAST_VALS) must show
the progress window too; Escape there cancels it.

--scenario reset-blend: two style files blended 0.25,0.75. In the first dialog Reset > Reset to
Factory Defaults (which clears the style files too); OK then must keep the dialog open with a
message, closed with Escape; both files chosen again in GTK's file chooser, 2 typed as the first blend weight, OK; in the second, on the last values, 3 typed as
the second weight, Reset > Reset to Initial Values, 0.5 typed as the first, OK. The runs must
blend 2,1 and 0.5,1 (the engine's trace says which blend each run got): the weights shown follow
the reset, and nothing the user does afterwards writes the old ones back.

--scenario style-layer: the call gives style 1 a layer of a second open image, which the dialog
shows in its rows for layers and regions; the test picks the image's channel as that style's
region with the keyboard (screenshot *-style-layers.png) and presses OK; the run must be the one a
non-interactive call with that layer and region gives, not the style files' alone.

--scenario undo-two-layers: the GUI gimp-3.0 (--gimp-gui; gimp-console has no undo), the image
in a window; OK runs the filter over two layers, and once the batch command has counted the four
layers (it writes files/counted), Ctrl+Z goes to the image window. That single undo must leave
the image as it was before the run (the batch command checks it).

--scenario preview: the dialog's preview on a 640 x 480 layer. It is off at first (no engine run);
Alt+Q switches it on and a picture appears (found as the coloured pixels that changed); a new
style weight (Alt+Y) gives a new one; a change while a preview runs cancels it (the engine's
trace counts the finished ones: 160 x 120 runs); switching it off during a run clears it at once
and the run does not finish; Escape during a preview closes the dialog at once, and the call
reports CANCEL with the image unchanged. The dialog with its preview is saved as
*-preview.png, on the bundled network as docs/ shows it.
"""

import argparse
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_case  # noqa: E402

TITLE = "Neural Style Transfer"


def parse_args():
    p = argparse.ArgumentParser()
    for name in ("gimp", "plugin", "engine", "tests", "work", "screenshot"):
        p.add_argument("--" + name, required=True)
    p.add_argument("--po")
    p.add_argument("--gimp-gui", help="gimp-3.0, for the scenarios that need GIMP's own windows")
    p.add_argument("--scenario", default="cancel",
                   choices=["cancel", "last-values", "preset", "repeat", "reset-blend",
                            "undo-two-layers", "preview", "style-layer"])
    return p.parse_args()


def start_xvfb():
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten",
         "tcp"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        display = f.readline().strip()
    if not display:
        xvfb.kill()
        sys.exit("Xvfb did not start")
    return xvfb, ":" + display


def windows_named(env, title):
    proc = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", f"^{title}$"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          check=False)
    return [w for w in proc.stdout.split() if w]


def wait_for_window(env, title, exclude=(), timeout=60, gimp=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [w for w in windows_named(env, title) if w not in exclude]
        if found:
            return found[0]
        if gimp is not None and gimp.poll() is not None:
            return None
        time.sleep(0.3)
    return None


def read_xwd(xwd_path):
    """xwd's ZPixmap output (24 or 32 bits per pixel, TrueColor) as width, height and PNG rows
    (a filter byte, then RGB)."""
    data = open(xwd_path, "rb").read()
    header = struct.unpack(">25I", data[:100])
    header_size, width, height = header[0], header[4], header[5]
    byte_order, bits_per_pixel, bytes_per_line = header[7], header[11], header[12]
    ncolors = header[19]
    masks = header[14:17]
    pixels = data[header_size + ncolors * 12:]
    bpp = bits_per_pixel // 8
    if bpp not in (3, 4):
        raise ValueError(f"unsupported xwd depth {bits_per_pixel}")
    order = "little" if byte_order == 0 else "big"
    shifts = [(m & -m).bit_length() - 1 for m in masks]
    rows = []
    for y in range(height):
        row = bytearray([0])
        base = y * bytes_per_line
        for x in range(width):
            start = base + x * bpp
            v = int.from_bytes(pixels[start:start + bpp], order)
            row += bytes(((v & m) >> s) & 0xFF for m, s in zip(masks, shifts))
        rows.append(bytes(row))
    return width, height, rows


def xwd_to_png(xwd_path, png_path):
    """Converts xwd's output to an RGB PNG."""
    width, height, rows = read_xwd(xwd_path)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I",
                                                                        zlib.crc32(kind + body))

    with open(png_path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(b"".join(rows))))
        f.write(chunk(b"IEND", b""))
    # Colours along three rows, a quarter, half and three quarters down (the middle one first).
    distinct = [len(set(rows[y][1 + i * 3:4 + i * 3] for i in range(width)))
                for y in (height // 2, height // 4, 3 * height // 4)]
    return width, height, distinct


def screenshot(env, window, png_path):
    xwd_path = png_path + ".xwd"
    subprocess.run(["xwd", "-silent", "-id", window, "-out", xwd_path], env=env, check=True)
    size = xwd_to_png(xwd_path, png_path)
    os.remove(xwd_path)
    return size


def window_pixels(env, window):
    """The window's pixels as rows of RGB triples."""
    xwd_path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"dialog-test-{os.getpid()}.xwd")
    subprocess.run(["xwd", "-silent", "-id", window, "-out", xwd_path], env=env, check=True)
    width, _, rows = read_xwd(xwd_path)
    os.remove(xwd_path)
    return [[row[1 + 3 * x:4 + 3 * x] for x in range(width)] for row in rows]


def coloured_change(before, after):
    """The bounding box (x0, y0, x1, y1) of the picture that appeared in the right half of the
    window (the preview; the style thumbnail is on the left), or None: the columns with at least
    50 pixels that changed to a colour (channels more than 40 apart: the theme is grey), then
    the rows where most of those columns did. The dialog may grow a little when the picture
    comes, so a few widgets shift; they are grey, or too thin to count."""
    height, width = len(after), len(after[0])

    def coloured(x, y):
        pa = after[y][x]
        return pa != before[y][x] and max(pa) - min(pa) > 40

    cols = [x for x in range(width // 2, width)
            if sum(coloured(x, y) for y in range(height)) >= 50]
    if not cols:
        return None
    x0, x1 = min(cols), max(cols) + 1
    rows = [y for y in range(height)
            if sum(coloured(x, y) for x in range(x0, x1)) >= (x1 - x0) // 2]
    return (x0, min(rows), x1, max(rows) + 1) if rows else None


def area(pixels, box):
    x0, y0, x1, y1 = box
    return [row[x0:x1] for row in pixels[y0:y1]]


def colours(pixels):
    return len({p for row in pixels for p in row})


def press(env, window, key):
    subprocess.run(["xdotool", "windowfocus", "--sync", window], env=env, check=False,
                   timeout=10)
    subprocess.run(["xdotool", "key", "--clearmodifiers", key], env=env, check=False, timeout=10)


def visible_windows(env):
    proc = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", ".*"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          check=False, timeout=10)
    return proc.stdout.split()


def window_width(env, window):
    proc = subprocess.run(["xdotool", "getwindowgeometry", "--shell", window], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                          check=False, timeout=10)
    for line in proc.stdout.splitlines():
        if line.startswith("WIDTH="):
            return int(line[6:])
    return 0


def wait_for_no_window(env, title, timeout=60):
    deadline = time.monotonic() + timeout
    while windows_named(env, title) and time.monotonic() < deadline:
        time.sleep(0.3)
    return not windows_named(env, title)


def wait_for_path(path, gimp, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path) and gimp.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    return os.path.exists(path)


def keys(env, window, names):
    """Presses each key in turn, with a pause after each: a key that opens something (Reset's
    menu) must see it open before the next key arrives."""
    for name in names:
        press(env, window, name)
        time.sleep(0.7)


def type_blend_weight(env, dialog, slot, text):
    """Types a blend weight. Alt+P focuses the Preset combo; from there Tab goes through each
    style row's file button, then its weight, so slot n's weight is 2n Tabs on. Focusing the
    spin button selects its text, typing replaces it, and Tab out commits it."""
    keys(env, dialog, ["alt+p"] + ["Tab"] * (2 * slot))
    subprocess.run(["xdotool", "type", "--delay", "100", text], env=env, check=False,
                   timeout=10)
    keys(env, dialog, ["Tab"])


def choose_style_file(env, dialog, gimp, slot, path):
    """Chooses a style file as a user does: slot n's file button is 2n-1 Tabs on from the Preset
    combo (see type_blend_weight), Return opens GTK's file chooser, Ctrl+L there takes a typed
    path. Returns whether the chooser came and went."""
    keys(env, dialog, ["alt+p"] + ["Tab"] * (2 * slot - 1) + ["Return"])
    chooser = wait_for_window(env, "Select a File", timeout=30, gimp=gimp)
    if chooser is None:
        return False
    keys(env, chooser, ["ctrl+l"])
    subprocess.run(["xdotool", "type", "--delay", "50", path], env=env, check=False, timeout=60)
    keys(env, chooser, ["Return"])
    return wait_for_no_window(env, "Select a File", timeout=30)


def previews_done(trace):
    """Finished engine runs at the preview's size (160 x 120 for the 640 x 480 layer)."""
    if not os.path.exists(trace):
        return 0
    return sum(1 for line in open(trace) if line.startswith("stylize 160x120"))


def wait_for_previews(trace, count, gimp, timeout=180):
    start = time.monotonic()
    while (previews_done(trace) < count and gimp.poll() is None and
           time.monotonic() < start + timeout):
        time.sleep(0.3)
    print(f"{previews_done(trace)} previews finished after {time.monotonic() - start:.1f} s")
    return previews_done(trace) >= count


def type_value(env, dialog, mnemonic, text):
    """Types into the spin button whose label has `mnemonic` (focusing selects its text); Tab
    commits it."""
    press(env, dialog, mnemonic)
    time.sleep(0.3)
    subprocess.run(["xdotool", "type", "--delay", "50", text], env=env, check=False, timeout=10)
    press(env, dialog, "Tab")


def preview_scenario(env, dialog, gimp, trace, png_path, check):
    subprocess.run(["xdotool", "mousemove", "--sync", "1279", "1023"], env=env, check=False)
    time.sleep(3)
    check("no preview runs while it is off", previews_done(trace) == 0, previews_done(trace))
    off = window_pixels(env, dialog)
    press(env, dialog, "alt+q")
    check("a preview after Alt+Q switched it on", wait_for_previews(trace, 1, gimp))
    time.sleep(1)  # the dialog picks the result up within a tenth of a second
    first = window_pixels(env, dialog)
    box = coloured_change(off, first)
    shown = colours(area(first, box)) if box else 0
    check("the preview shows a picture", box is not None and box[2] - box[0] >= 100 and
          shown > 20, f"{box}, {shown} colours")
    if box is None:
        return
    type_value(env, dialog, "alt+y", "100000")
    check("a new preview after the style weight changed", wait_for_previews(trace, 2, gimp))
    time.sleep(1)
    second = window_pixels(env, dialog)
    check("the preview changed with the style weight", area(second, box) != area(first, box))
    # A change while a preview runs: that one stops unfinished, the newest finishes.
    type_value(env, dialog, "alt+n", "50")
    time.sleep(2)
    type_value(env, dialog, "alt+y", "2000")
    check("a preview after two changes", wait_for_previews(trace, 3, gimp))
    time.sleep(8)
    check("the preview running at the second change was cancelled", previews_done(trace) == 3,
          f"{previews_done(trace)} previews finished, 3 expected")
    w, h, _ = screenshot(env, dialog, png_path)
    print(f"screenshot: {png_path} ({w}x{h})")
    # Switched off during a run: cleared while that run would still go on (the dialog does not
    # wait for it), and the run does not finish.
    type_value(env, dialog, "alt+n", "20")
    time.sleep(2)
    press(env, dialog, "alt+q")
    deadline = time.monotonic() + 10
    shown = colours(area(window_pixels(env, dialog), box))
    while shown > 10 and time.monotonic() < deadline:
        time.sleep(0.5)
        shown = colours(area(window_pixels(env, dialog), box))
    if shown > 10:  # what the dialog shows then, for whoever reads the failure
        screenshot(env, dialog, png_path.replace(".png", "-switched-off.png"))
    check("switching the preview off during a run clears it at once",
          shown <= 10 and previews_done(trace) == 3, f"{shown} colours in {box}")
    time.sleep(8)
    check("the preview running when it was switched off did not finish",
          previews_done(trace) == 3, previews_done(trace))
    # Escape (Cancel) during a preview closes the dialog at once.
    press(env, dialog, "alt+q")
    time.sleep(2)
    press(env, dialog, "Escape")
    check("Escape during a preview closes the dialog at once",
          wait_for_no_window(env, TITLE, timeout=10))


def main():
    args = parse_args()
    check = run_case.Checks()

    # The profile template of the batch cases, with the built plug-in.
    case_args = argparse.Namespace(gimp=args.gimp, plugin=args.plugin, engine=args.engine,
                                   tests=args.tests, work=args.work, kind="python",
                                   case="dialog", po=args.po, language="C")
    template = run_case.ensure_profile_template(case_args)
    case_dir = os.path.join(args.work, "cases", "dialog-" + args.scenario)
    shutil.rmtree(case_dir, ignore_errors=True)
    files = os.path.join(case_dir, "files")
    os.makedirs(files)
    run_case.write_style_png(os.path.join(files, "style.png"))
    run_case.write_style_png(os.path.join(files, "style-2.png"), variant=1)
    profile = os.path.join(case_dir, "profile")
    shutil.copytree(template, profile, symlinks=True)
    results = os.path.join(case_dir, "results.txt")
    gui = args.scenario == "undo-two-layers"
    if gui:
        if not args.gimp_gui:
            sys.exit("the undo-two-layers scenario needs --gimp-gui")
        # A new profile would greet the user with the welcome dialog, over the image window.
        with open(os.path.join(profile, "gimprc"), "a") as rc:
            rc.write("(show-welcome-dialog no)\n")

    xvfb, display = start_xvfb()
    gimp = None
    try:
        env = run_case.base_env(args.work, case_dir)
        env.update({"DISPLAY": display, "GIMP3_DIRECTORY": profile,
                    "NEURAL_STYLE_TRACE": os.path.join(files, "engine-trace.log")})
        if args.scenario in ("cancel", "preview"):
            # The dialog whose screenshot goes into docs/ sees the bundled network, as a new
            # user has it; the other scenarios run, on the narrowed random network.
            models = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models")
            env["NEURAL_STYLE_MODEL_PATH"] += ":" + os.path.normpath(models)
        function = {"cancel": "run_interactive",
                    "last-values": "run_interactive_then_last_values",
                    "preset": "run_interactive_preset",
                    "repeat": "run_interactive_then_repeat",
                    "reset-blend": "run_blend_resets",
                    "undo-two-layers": "run_two_layers_then_undo",
                    "preview": "run_interactive_preview",
                    "style-layer": "run_interactive_style_layer"}[args.scenario]
        command = (
            f"import sys; sys.path.insert(0, {args.tests!r}); import pycases; "
            f"pycases.{function}({results!r}, {files!r})")
        log_path = os.path.join(case_dir, "gimp.log")
        with open(log_path, "w") as log:
            program = [args.gimp_gui, "-s"] if gui else [args.gimp, "-i"]
            gimp = subprocess.Popen(
                program + ["-n", "-d", "-f", "--batch-interpreter=python-fu-eval",
                           "-b", command, "--quit"],
                env=env, stdout=log, stderr=subprocess.STDOUT)

        dialog = wait_for_window(env, TITLE, gimp=gimp)
        check("settings dialog appears", dialog is not None)
        if dialog and args.scenario == "repeat":
            # OK; the run's progress window comes and goes; then Repeat's must come too, and
            # Escape there cancels it.
            time.sleep(1.0)
            press(env, dialog, "Return")
            first = wait_for_window(env, TITLE, exclude=[dialog], timeout=60, gimp=gimp)
            check("progress window of the dialog's run", first is not None)
            # The batch command says when the first run has returned. Window ids cannot tell:
            # the X server may give the Repeat's plug-in process the ids the first one had.
            first_done = wait_for_path(os.path.join(files, "first-done"), gimp, 120)
            check("the first run ends", first_done)
            repeat = wait_for_window(env, TITLE, timeout=60, gimp=gimp) if first_done else None
            check("Repeat shows a progress window", repeat is not None)
            if repeat:
                press(env, repeat, "Escape")
        elif dialog and args.scenario == "reset-blend":
            # Reset opens a menu (Alt+R) whose first item, Reset to Initial Values, has the
            # focus; Down moves to Reset to Factory Defaults.
            time.sleep(1.0)
            keys(env, dialog, ["alt+r", "Down", "Return"])
            # OK now, with no style image: the dialog must say so in a message window and stay
            # open. The message is the one new window (it has no title); Escape closes it.
            before = visible_windows(env)
            keys(env, dialog, ["alt+o"])
            time.sleep(2.0)
            new = [w for w in visible_windows(env) if w not in before and window_width(env, w) > 1]
            check("OK without a style image keeps the dialog open, with a message",
                  dialog in windows_named(env, TITLE) and len(new) == 1, new)
            if new:
                press(env, new[0], "Escape")
                time.sleep(1.0)
            for slot, name in ((1, "style.png"), (2, "style-2.png")):
                check(f"style file {slot} chosen again",
                      choose_style_file(env, dialog, gimp, slot, os.path.join(files, name)))
            type_blend_weight(env, dialog, 1, "2")
            keys(env, dialog, ["alt+o"])
            first_done = wait_for_path(os.path.join(files, "first-done"), gimp, 120)
            check("the first run ends", first_done)
            check("its progress window closes", wait_for_no_window(env, TITLE))
            open(os.path.join(files, "go"), "w").close()
            second = wait_for_window(env, TITLE, timeout=60, gimp=gimp) if first_done else None
            check("the second dialog appears", second is not None)
            if second:
                time.sleep(1.0)
                type_blend_weight(env, second, 2, "3")
                keys(env, second, ["alt+r", "Return"])
                type_blend_weight(env, second, 1, "0.5")
                keys(env, second, ["alt+o"])
        elif dialog and args.scenario == "undo-two-layers":
            time.sleep(1.0)
            press(env, dialog, "Return")
            counted = os.path.join(files, "counted")
            deadline = time.monotonic() + 120
            while (not os.path.exists(counted) and gimp.poll() is None and
                   time.monotonic() < deadline):
                time.sleep(0.2)
            check("the batch command counted the new layers", os.path.exists(counted))
            # The image window's title holds the image's file name.
            window = wait_for_window(env, ".*undo-two-layers.*", timeout=30, gimp=gimp)
            check("the image window", window is not None)
            if window and os.path.exists(counted):
                press(env, window, "ctrl+z")
        elif dialog and args.scenario == "preview":
            preview_scenario(env, dialog, gimp, os.path.join(files, "engine-trace.log"),
                             args.screenshot.replace(".png", "-preview.png"), check)
        elif dialog and args.scenario == "last-values":
            time.sleep(1.0)
            press(env, dialog, "Return")
        elif dialog and args.scenario == "style-layer":
            # The call gave style 1 a layer of another image, which opens the rows for layers and
            # regions (the layer chooser's list is GIMP's own window, which gimp-console does not
            # have, so the test does not pick the layer itself). Alt+H focuses the colour handling;
            # three Tabs on (the rows' expander, style 1's layer chooser) is style 1's region
            # combo, where Down, Down pass Everywhere and The selection to the image's one
            # channel. Then OK.
            time.sleep(1.5)
            # (The first key the dialog gets only gives it the keyboard focus.)
            keys(env, dialog, ["alt+h", "alt+h", "Tab", "Tab", "Tab", "Down", "Down"])
            subprocess.run(["xdotool", "mousemove", "--sync", "1279", "1023"], env=env,
                           check=False)
            time.sleep(2.0)  # the thumbnails
            png = args.screenshot.replace(".png", "-style-layers.png")
            w, h, _ = screenshot(env, dialog, png)
            print(f"screenshot: {png} ({w}x{h})")
            press(env, dialog, "alt+o")
        elif dialog and args.scenario == "preset":
            # Alt+P focuses the Preset combo, Home moves it to Custom (it opens on the preset
            # the values match), Down from there to Fast preview (which fills in the preset's
            # values), Alt+O is OK.
            time.sleep(1.0)
            press(env, dialog, "alt+p")
            press(env, dialog, "Home")
            press(env, dialog, "Down")
            time.sleep(0.5)
            press(env, dialog, "alt+o")
        elif dialog:
            time.sleep(1.5)  # let GTK draw the thumbnail and labels
            w, h, distinct = screenshot(env, dialog, args.screenshot)
            # A blank or black window has one or two colours in every row; a drawn dialog has
            # many in at least one of them, wherever its rows of widgets happen to fall.
            check("dialog screenshot", w >= 300 and h >= 300 and max(distinct) > 3,
                  f"{w}x{h}, {distinct} colours in three rows")
            print(f"screenshot: {args.screenshot} ({w}x{h})")
            press(env, dialog, "Return")
            progress = wait_for_window(env, TITLE, exclude=[dialog], timeout=60, gimp=gimp)
            check("progress window appears after OK", progress is not None)
            if progress:
                time.sleep(3)  # the live preview comes about once a second
                progress_png = args.screenshot.replace(".png", "-progress.png")
                w, h, rows_distinct = screenshot(env, progress, progress_png)
                distinct = rows_distinct[0]
                # The middle row crosses the preview: a picture of many colours where an
                # empty area has one or two.
                check("live preview in the progress window", distinct > 20,
                      f"{distinct} colours in the middle row of {w}x{h}")
                press(env, progress, "Escape")
        try:
            gimp.wait(timeout=60)
        except subprocess.TimeoutExpired:
            gimp.kill()
            gimp.wait()
            check("GIMP finishes after Cancel", False, "timed out")
        lines = open(results).read().splitlines() if os.path.exists(results) else []
        for line in lines:
            if line.startswith(("PASS", "FAIL")):
                check(line.split(" ", 1)[1], line.startswith("PASS"))
        check("the batch command finished", "DONE" in lines)
        if not check.all_passed():
            print("--- gimp-console output ---")
            print(open(log_path).read())
    finally:
        if gimp is not None and gimp.poll() is None:
            gimp.kill()
            gimp.wait()
        xvfb.terminate()
        xvfb.wait()
    ok = check.all_passed()
    print(("PASS" if ok else "FAIL") + " dialog")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
