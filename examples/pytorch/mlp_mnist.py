#!/usr/bin/env python3
"""The demo's MLP (784-256-10, ReLU, Adam 1e-3, batch 128) on the bundled MNIST-10k in PyTorch, CPU, 2 threads.

The same data as `./tuna bench training`: the 10,000 digits of
worker/src/main/resources/dev/tuna/worker/data (IDX, gzip), scaled to [0, 1], 8,000 for training and 2,000
held out (a seeded split; the split differs from Tuna's, the sizes are the same). Samples per second count the
training batches of every epoch after the first, as the Java benchmark does.

Debian's python3-torch is built against the generic BLAS interface: without an optimised BLAS installed it
runs on the reference BLAS, about 7 times slower for these matrix products (measured), so install OpenBLAS.

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 examples/pytorch/mlp_mnist.py     # writes examples/results/training-throughput-pytorch.json
"""
import gzip
import json
import os
import platform
import statistics
import struct
import sys
import time

import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "worker", "src", "main", "resources", "dev", "tuna", "worker", "data")
OUT = os.path.join(ROOT, "examples", "results", "training-throughput-pytorch.json")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, raw[4:4 + 4 * rank])
    return torch.frombuffer(bytearray(raw[4 + 4 * rank:]), dtype=torch.uint8).reshape(dims)


def main(rounds=5, epochs=6, threads=2):
    torch.set_num_threads(threads)
    images = read_idx(os.path.join(DATA, "mnist10k-images-idx3-ubyte.gz")).reshape(-1, 784).float() / 255
    labels = read_idx(os.path.join(DATA, "mnist10k-labels-idx1-ubyte.gz")).long()
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(labels), generator=generator)
    train_x, train_y = images[order[2000:]], labels[order[2000:]]
    val_x, val_y = images[order[:2000]], labels[order[:2000]]

    per_round, best, accuracy = [], 0.0, None
    for rnd in range(rounds + 1):  # round 0 warms up
        torch.manual_seed(rnd)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()
        speeds = []
        for epoch in range(epochs):
            perm = torch.randperm(len(train_y))
            start = time.perf_counter()
            for i in range(0, len(train_y), 128):
                idx = perm[i:i + 128]
                optimizer.zero_grad()
                loss = loss_fn(model(train_x[idx]), train_y[idx])
                loss.backward()
                optimizer.step()
            speeds.append(len(train_y) / (time.perf_counter() - start))
        with torch.no_grad():
            accuracy = (model(val_x).argmax(1) == val_y).float().mean().item()
        if rnd > 0:
            per_round.append(statistics.mean(speeds[1:]))
            best = max(best, max(speeds[1:]))
            print(f"round {rnd}: PyTorch {per_round[-1]:,.0f} samples/s")
    report = {
        "benchmark": "training-throughput-pytorch",
        "model": "MLP 784-256-10 ReLU, Adam lr 1e-3, batch 128",
        "data": "bundled MNIST-10k, 8,000 training / 2,000 validation digits",
        "threads": threads,
        "epochsPerRound": epochs,
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "torch": torch.__version__,
                    "blas": os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"),
                    "loadAverage": round(os.getloadavg()[0], 2)},
        "samplesPerSecond": per_round,
        "median": statistics.median(per_round),
        "bestEpoch": best,
        "finalValAccuracy": accuracy,
    }
    print(f"median {report['median']:,.0f} samples/s, best epoch {best:,.0f}; validation accuracy {accuracy:.4f}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(report, f, indent=2)
    print("results:", OUT)


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:]])
