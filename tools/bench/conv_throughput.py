#!/usr/bin/python3
"""Measures this machine's 3x3 convolution throughput (GFLOP/s, forward + backward to the input,
NHWC, fp32) with LibTorch's own kernels: the floor the style-transfer step is compared with."""
import argparse
import time

import torch
import torch.nn.functional as F

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
args = ap.parse_args()
torch.set_num_threads(args.threads)
x = torch.rand(1, 256, 64, 64).contiguous(memory_format=torch.channels_last).requires_grad_(True)
w = (torch.randn(256, 256, 3, 3) * 0.03).contiguous(memory_format=torch.channels_last)
best = float("inf")
for _ in range(6):
    t = time.perf_counter()
    y = F.conv2d(x, w, padding=1)
    y.backward(torch.ones_like(y))
    best = min(best, time.perf_counter() - t)
print(f"{2 * 2 * 64 * 64 * 256 * 256 * 9 / best / 1e9:.0f}")
