#!/usr/bin/python3
"""A plain PyTorch implementation of the project's objective, for side-by-side timing.

Same network layout (VGG-19 features to relu5_1, torchvision normalisation), same loss terms
and default layers as the engine (README, "The objective"), Adam on the pixels with clamping.
Written for the benchmark: straightforward code, the way a user would write it in Python.

  python3 reference_pytorch.py --size 512 --iterations 5 --threads 2
prints one JSON object: seconds per iteration (median), peak RSS.
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn.functional as F

CONVS = [(3, 64), (64, 64), "M", (64, 128), (128, 128), "M", (128, 256), (256, 256), (256, 256),
         (256, 256), "M", (256, 512), (512, 512), (512, 512), (512, 512), "M", (512, 512)]
TAPS = ["relu1_1", "relu1_2", "relu2_1", "relu2_2", "relu3_1", "relu3_2", "relu3_3", "relu3_4",
        "relu4_1", "relu4_2", "relu4_3", "relu4_4", "relu5_1"]


def make_weights(seed):
    g = torch.Generator().manual_seed(seed)
    ws = []
    for c in CONVS:
        if c == "M":
            continue
        cin, cout = c
        ws.append((torch.randn(cout, cin, 3, 3, generator=g) * (2.0 / (cin * 9)) ** 0.5, torch.zeros(cout)))
    return ws


def features(x, ws, wanted):
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = (x - mean) / std
    out, i = {}, 0
    for c in CONVS:
        if c == "M":
            x = F.max_pool2d(x, 2, 2)
            continue
        w, b = ws[i]
        x = F.relu(F.conv2d(x, w, b, padding=1))
        out[TAPS[i]] = x
        i += 1
        if all(k in out for k in wanted):
            break
    return out


def gram(a):
    c = a.shape[1]
    a = a.reshape(c, -1)
    return a @ a.t()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--iterations", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    style_layers = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
    content_layer = "relu4_2"
    ws = make_weights(0)
    g = torch.Generator().manual_seed(1)
    content = torch.rand(1, 3, args.size, args.size, generator=g)
    style = torch.rand(1, 3, args.size, args.size, generator=g)
    with torch.no_grad():
        a_c = features(content, ws, [content_layer])[content_layer]
        fs = features(style, ws, style_layers)
        g_s = {k: gram(fs[k]) for k in style_layers}
    x = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=0.02)
    times = []
    for _ in range(args.iterations):
        t0 = time.perf_counter()
        opt.zero_grad()
        f = features(x, ws, style_layers + [content_layer])
        a_g = f[content_layer]
        j_c = ((a_c - a_g) ** 2).sum() / (4 * a_g.numel())
        j_s = 0
        for k in style_layers:
            n_c, hw = f[k].shape[1], f[k].shape[2] * f[k].shape[3]
            j_s = j_s + 0.2 * ((g_s[k] - gram(f[k])) ** 2).sum() / (4 * n_c ** 2 * hw ** 2)
        dy = x[:, :, 1:, :] - x[:, :, :-1, :]
        dx = x[:, :, :, 1:] - x[:, :, :, :-1]
        j_tv = ((dy ** 2).sum() + (dx ** 2).sum()) / (args.size * args.size)
        j = 1.0 * j_c + 1e4 * j_s + 1e-3 * j_tv
        j.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        times.append(time.perf_counter() - t0)
    print(json.dumps({"impl": "pytorch", "size": args.size, "threads": args.threads,
                      "seconds_per_iteration": statistics.median(times),
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
