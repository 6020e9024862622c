#!/usr/bin/python3
"""Writes the same seeded VGG-19 state dict in every format the engine reads.

    /usr/bin/python3 tools/make_test_checkpoints.py OUT_DIR [--convs N] [--seed S]
    /usr/bin/python3 tools/make_test_checkpoints.py --corpus CORPUS_DIR

OUT_DIR receives, from one set of random tensors (the first N convolutions of VGG-19 with their
exact shapes, plus a few small classifier tensors):

    vgg19-test.safetensors          F32, the convolutions and the classifier
    vgg19-test.pth                  torch.save (zip format)
    vgg19-test-legacy.pth           torch.save(_use_new_zipfile_serialization=False)
    vgg19-test-fp16.safetensors     F16
    vgg19-test-fp16.pth             zip format, float16 tensors
    vgg19-test-wrapped.pth          {"epoch": ..., "state_dict": {"module.features...": ...}}

Every value is representable in float16, so all six files hold the same numbers. The .pth files
keep PyTorch's layouts as a state dict has them in memory: one convolution is channels-last
(non-contiguous strides), one classifier weight is a transposed view, and two biases share one
storage at different offsets.

--corpus writes tiny files of each format into CORPUS_DIR/{safetensors,zip,legacy}: the fuzzers'
seed corpus. Needs Debian's python3-torch (run with /usr/bin/python3).
"""

import argparse
import collections
import json
import os
import struct
import sys

import torch

# (feature index, in channels, out channels) of VGG-19's convolutions, torchvision's layout.
VGG19_CONVS = [
    (0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128),
    (10, 128, 256), (12, 256, 256), (14, 256, 256), (16, 256, 256),
    (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512),
    (28, 512, 512), (30, 512, 512), (32, 512, 512), (34, 512, 512),
]


def half_exact(t):
    """The tensor rounded to float16's values, held as float32."""
    return t.to(torch.float16).to(torch.float32)


def make_state_dict(convs, seed, shapes=None):
    """An OrderedDict like vgg19().state_dict(), in PyTorch's in-memory layouts."""
    gen = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for index, cin, cout in (shapes or VGG19_CONVS[:convs]):
        std = (2.0 / (cin * 9)) ** 0.5
        w = half_exact(torch.randn(cout, cin, 3, 3, generator=gen) * std)
        sd[f"features.{index}.weight"] = w
        sd[f"features.{index}.bias"] = half_exact(torch.randn(cout, generator=gen) * 0.01)
    if len(sd) >= 4:
        # A model converted to channels-last keeps NHWC strides in its state dict.
        key = list(sd)[2]
        sd[key] = sd[key].contiguous(memory_format=torch.channels_last)
    # The classifier, much smaller than VGG-19's: the engine must skip it whatever its size.
    shared = half_exact(torch.randn(40, generator=gen))
    sd["classifier.0.weight"] = half_exact(torch.randn(16, 8, generator=gen))
    sd["classifier.0.bias"] = shared[:16]
    sd["classifier.3.weight"] = half_exact(torch.randn(12, 16, generator=gen)).t()
    sd["classifier.3.bias"] = shared[16:32]
    return sd


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    torch_type = {"F32": torch.float32, "F16": torch.float16}[dtype]
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        data = t.to(torch_type).contiguous().numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-(len(text) + 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def as_half(sd):
    """The same state dict in float16, layouts kept (shared storages stay shared)."""
    out = collections.OrderedDict()
    converted = {}
    for name, t in sd.items():
        base = t._base if t._base is not None else None
        if base is not None:
            key = id(base)
            if key not in converted:
                converted[key] = base.to(torch.float16)
            h = converted[key].as_strided(t.shape, t.stride(), t.storage_offset())
        else:
            h = torch.empty_strided(t.shape, t.stride(), dtype=torch.float16)
            h.copy_(t)
        out[name] = h
    return out


def write_all(out_dir, convs, seed):
    os.makedirs(out_dir, exist_ok=True)
    sd = make_state_dict(convs, seed)
    p = lambda name: os.path.join(out_dir, name)
    write_safetensors(p("vgg19-test.safetensors"), sd, "F32", {"format": "pt"})
    write_safetensors(p("vgg19-test-fp16.safetensors"), sd, "F16", {"format": "pt"})
    torch.save(sd, p("vgg19-test.pth"))
    torch.save(sd, p("vgg19-test-legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(as_half(sd), p("vgg19-test-fp16.pth"))
    wrapped = collections.OrderedDict(("module." + k, v) for k, v in sd.items())
    torch.save({"epoch": 90, "arch": "vgg19", "best_acc1": 72.4, "state_dict": wrapped},
               p("vgg19-test-wrapped.pth"))


def write_corpus(corpus_dir, seed):
    tiny = [(0, 3, 2), (2, 2, 2)]
    for sub in ("safetensors", "zip", "legacy"):
        os.makedirs(os.path.join(corpus_dir, sub), exist_ok=True)
    sd = make_state_dict(0, seed, shapes=tiny)
    sd["features.2.weight"] = sd["features.2.weight"].contiguous(
        memory_format=torch.channels_last)
    c = lambda sub, name: os.path.join(corpus_dir, sub, name)
    write_safetensors(c("safetensors", "f32.safetensors"), sd, "F32",
                      {"input_convention": "caffe"})
    write_safetensors(c("safetensors", "f16.safetensors"), sd, "F16")
    torch.save(sd, c("zip", "state_dict.pth"))
    torch.save(as_half(sd), c("zip", "fp16.pth"))
    torch.save({"state_dict": sd, "epoch": 1}, c("zip", "wrapped.pth"))
    torch.save(sd, c("legacy", "state_dict.pth"), _use_new_zipfile_serialization=False)
    torch.save({"state_dict": as_half(sd), "lr": 0.5}, c("legacy", "wrapped.pth"),
               _use_new_zipfile_serialization=False)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out_dir", nargs="?")
    parser.add_argument("--convs", type=int, default=3, help="VGG-19 convolutions (1-16)")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--corpus", help="write the fuzzers' seed corpus here instead")
    args = parser.parse_args()
    if args.corpus:
        write_corpus(args.corpus, args.seed)
    elif args.out_dir:
        if not 1 <= args.convs <= 16:
            parser.error("--convs must be 1 to 16")
        write_all(args.out_dir, args.convs, args.seed)
    else:
        parser.error("give OUT_DIR or --corpus DIR")
    return 0


if __name__ == "__main__":
    sys.exit(main())
