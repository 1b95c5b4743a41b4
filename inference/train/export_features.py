#!/usr/bin/python3
"""Run a TorchScript edge module on Fashion-MNIST test images and save the
feature tensors as a NumPy .npy file (shape N x C x H x W, C order, little-endian).

    /usr/bin/python3 inference/train/export_features.py \\
        --edge models/fashion_resnet/mid_edge.pt --count 16 -o /tmp/mid_16.npy

--dtype f32   float32, '<f4' (default)
--dtype f16   IEEE half, '<f2' (numpy's round-to-nearest-even conversion)
--dtype bf16  bfloat16 bit patterns stored as '<u2': the upper 16 bits of the
              float32 after round-to-nearest-even (NaN kept as a quiet NaN)

Images are taken from the test set: --offset K --count N selects images
K..K+N-1, or --indices i,j,... selects explicit ones. The edge module gets
float32 N x 1 x 28 x 28 in [0, 1] (normalisation is inside the module).
Use --labels OUT.npy to also write the matching labels (int64) and
--images OUT.npy to write the input images (float32 N x 1 x 28 x 28).
"""

import argparse
import gzip
import os
import sys

import numpy as np

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def f32_to_bf16_bits(x):
    """float32 array -> uint16 bfloat16 bit patterns, round-to-nearest-even."""
    x = np.ascontiguousarray(x, dtype="<f4")
    u = x.view("<u4").astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    nan = np.isnan(x)
    quiet_nan = (u >> 16) | 0x0040
    out = np.where(nan, quiet_nan, rounded)
    return out.astype("<u2")


def convert(feats, dtype):
    if dtype == "f32":
        return np.ascontiguousarray(feats, dtype="<f4")
    if dtype == "f16":
        return np.ascontiguousarray(feats.astype("<f2"))
    if dtype == "bf16":
        return np.ascontiguousarray(f32_to_bf16_bits(feats))
    raise ValueError(dtype)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edge", required=True, help="TorchScript edge module (e.g. models/fashion_resnet/mid_edge.pt)")
    ap.add_argument("--count", type=int, default=1, help="number of images (ignored with --indices)")
    ap.add_argument("--offset", type=int, default=0, help="first test image index")
    ap.add_argument("--indices", default="", help="comma-separated test image indices instead of --offset/--count")
    ap.add_argument("-o", "--out", required=True, help="output .npy")
    ap.add_argument("--dtype", choices=["f32", "f16", "bf16"], default="f32")
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--split", choices=["t10k", "train"], default="t10k", help="which Fashion-MNIST split")
    ap.add_argument("--labels", default="", help="optional .npy for the labels (int64)")
    ap.add_argument("--images", default="", help="optional .npy for the input images (float32 N x 1 x 28 x 28)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)

    images = read_idx(os.path.join(args.data_dir, f"{args.split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(args.data_dir, f"{args.split}-labels-idx1-ubyte.gz"))
    if args.indices:
        idx = np.array([int(v) for v in args.indices.split(",") if v.strip()], dtype=np.int64)
    else:
        idx = np.arange(args.offset, args.offset + args.count, dtype=np.int64)
    if idx.size == 0 or idx.min() < 0 or idx.max() >= images.shape[0]:
        sys.exit(f"error: indices out of range 0..{images.shape[0] - 1}")

    x = torch.from_numpy(images[idx].astype(np.float32) / np.float32(255.0)).unsqueeze(1).contiguous()
    edge = torch.jit.load(args.edge).eval()
    outs = []
    with torch.no_grad():
        for i in range(0, x.shape[0], args.batch):
            outs.append(edge(x[i:i + args.batch]))
    feats = torch.cat(outs).contiguous().numpy().astype(np.float32, copy=False)

    arr = convert(feats, args.dtype)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    np.save(args.out, arr, allow_pickle=False)
    if args.labels:
        np.save(args.labels, labels[idx].astype("<i8"), allow_pickle=False)
    if args.images:
        np.save(args.images, x.numpy().astype("<f4"), allow_pickle=False)
    print(f"{args.out}: {arr.dtype.str} {tuple(arr.shape)} from {args.edge} "
          f"(images {idx[0]}..{idx[-1]}, n={idx.size}); f32 range [{feats.min():.4g}, {feats.max():.4g}], "
          f"zeros {float((feats == 0).mean()):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
