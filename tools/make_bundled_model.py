#!/usr/bin/python3
"""Writes the bundled network, models/vgg19-imagenet-conv1_1-conv3_4-f16.safetensors, from the
float32 reference file (../shared/models/vgg19-imagenet-conv1_1-conv3_4.safetensors).

    tools/make_bundled_model.py [REFERENCE] [OUTPUT]

Each tensor is rounded to IEEE float16 (round to nearest even, numpy's astype); none of these
weights exceeds float16's range (checked). The metadata keeps the reference's input convention
and source, adds the licences, the reference's SHA-256, and "features_sha256": the digest of the
tensors as float32 (models/include/neural_style/model_store.h defines it), which
`neural-style models list|verify` check. Run again, it writes the same bytes.
"""
import hashlib
import json
import os
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "..", "..", "shared", "models",
                         "vgg19-imagenet-conv1_1-conv3_4.safetensors")
OUTPUT = os.path.join(HERE, "..", "models", "vgg19-imagenet-conv1_1-conv3_4-f16.safetensors")
DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype="<" + np.dtype(
            DTYPES[info["dtype"]]).str[1:]).reshape(info["shape"])
    return tensors, meta, hashlib.sha256(data).hexdigest()


def features_sha256(tensors):
    sha = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name]
        sha.update(name.encode() + b"\0")
        sha.update(struct.pack("<Q", t.ndim))
        for d in t.shape:
            sha.update(struct.pack("<Q", d))
        sha.update(t.astype("<f4").tobytes())
    return sha.hexdigest()


def main():
    reference = sys.argv[1] if len(sys.argv) > 1 else REFERENCE
    output = sys.argv[2] if len(sys.argv) > 2 else OUTPUT
    tensors, meta, reference_sha = read_safetensors(reference)
    half = {}
    for name, t in tensors.items():
        if np.abs(t).max() >= 65504:
            sys.exit(f"{name} exceeds float16's range")
        half[name] = t.astype(np.float16)
    metadata = {
        "format": "pt",
        "layers": meta.get("layers", "conv1_1..conv3_4"),
        "input_convention": meta["input_convention"],
        "source": meta["source"],
        "license": "weights: CC BY 4.0 (Karen Simonyan and Andrew Zisserman, Visual Geometry "
                   "Group, University of Oxford); TensorFlow.js conversion: MIT "
                   "(github.com/DavidCai1993/vgg19-tensorflowjs-model)",
        "storage": "float16, rounded to nearest even from the float32 reference",
        "reference_sha256": reference_sha,
        "features_sha256": features_sha256(half),
        "bundled": "gimp-neural-style",
    }
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(half):
        blob = half[name].astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(half[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    tmp = output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(tmp, output)
    print(output)


if __name__ == "__main__":
    main()
