#!/usr/bin/python3
"""ftc against the ways feature-coding tools commonly code a tensor, timed per tensor in one run.

Peers (docs/PERFORMANCE.md says what each side includes):

* NumPy + Pillow: the pipeline the paper's own tools use. Statistics and the sigma:3 clip, quantisation to
  8 bits and tiling into the same mosaic in NumPy, then JPEG through Pillow (libjpeg-turbo) at the same
  quality; decoding back to a float32 tensor the same way. Compared with `ftc bench` on the same tensor, with
  the same Huffman tables on both sides: ftc's huffman=standard against Pillow's default, ftc's
  huffman=auto (its default: optimised tables when they pay) against Pillow's optimize=True.
* The ffmpeg command-line program (libx264), run per tensor on a raw file, as CompressAI-Vision drives its
  video codecs: the mosaic is written as raw 8-bit grey, `ffmpeg ... -c:v libx264` codes it with ftc's
  x264 settings (the same preset, tune zerolatency+psnr, no B-frames, one thread, the QP ftc's quality maps
  to), and `ffmpeg` decodes the stream back to a raw file, which NumPy reads and dequantises. Compared with
  `ftc bench --codec h264` (x264 to encode, libavcodec to decode).

Each side runs warm-up rounds, then `--repeats` timed rounds; the tables give medians per tensor and the
ratio peer / ftc (higher: ftc faster). Batches: ftc codes the items on `--threads` workers (both cores by
default), the peers one item after another.

    /usr/bin/python3 bench/peers/compare.py [--ftc build/bin/ftc] [--repeats 20] [--json OUT.json]
"""
import argparse
import io
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def features(shape, seed):
    """Smooth, post-ReLU BatchNorm-like activations: a few waves per channel plus noise, normalised,
    scaled and shifted per channel, rectified (the kind of tensor `ftc demo` synthesises)."""
    rng = np.random.default_rng(seed)
    n, c, h, w = shape
    y, x = np.mgrid[0:h, 0:w]
    out = np.empty(shape, np.float32)
    for i in range(n):
        for j in range(c):
            v = 0.4 * rng.standard_normal((h, w))
            for _ in range(3):
                fx, fy, phase, amp = rng.uniform(0, 2), rng.uniform(0, 2), rng.uniform(0, 2 * math.pi), 0.5 + rng.uniform()
                v += amp * np.cos(2 * math.pi * (fx * x / w + fy * y / h) + phase)
            v = (v - v.mean()) / max(v.std(), 1e-6)
            out[i, j] = np.maximum(0, (0.5 + rng.uniform()) * v + 0.7 * rng.standard_normal())
    return out


# ---------------------------------------------------------------------------------------------------------
# The NumPy side of the pipeline, shared by both peers


class Mosaic:
    """Quantise (sigma:3 clip narrowed to [min, max], as ftc's default) and tile one C×H×W item into a
    rows × cols grid of channels, as ftc's mosaic; and the inverse."""

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols

    def encode(self, item):
        mean, sd = float(item.mean()), float(item.std())
        lo = max(float(item.min()), mean - 3 * sd)
        hi = min(float(item.max()), mean + 3 * sd)
        if hi <= lo:
            hi = lo + 1.0
        levels = np.rint((np.clip(item, lo, hi) - lo) * (255.0 / (hi - lo))).astype(np.uint8)
        c, h, w = levels.shape
        tiles = np.zeros((self.rows * self.cols, h, w), np.uint8)
        tiles[:c] = levels
        plane = tiles.reshape(self.rows, self.cols, h, w).transpose(0, 2, 1, 3).reshape(self.rows * h, self.cols * w)
        return np.ascontiguousarray(plane), (lo, hi, item.shape)

    def decode(self, plane, side):
        lo, hi, (c, h, w) = side
        tiles = plane[: self.rows * h, : self.cols * w].reshape(self.rows, h, self.cols, w).transpose(0, 2, 1, 3)
        levels = tiles.reshape(self.rows * self.cols, h, w)[:c]
        return (lo + levels.astype(np.float32) * np.float32((hi - lo) / 255.0)).astype(np.float32)


class PillowJpeg:
    name = "NumPy + Pillow (JPEG)"

    def __init__(self, mosaic, quality, optimize):
        self.mosaic, self.quality, self.optimize = mosaic, quality, optimize

    def encode(self, item):
        plane, side = self.mosaic.encode(item)
        out = io.BytesIO()
        Image.fromarray(plane, "L").save(out, "JPEG", quality=self.quality, optimize=self.optimize)
        return out.getvalue(), side

    def decode(self, coded):
        data, side = coded
        return self.mosaic.decode(np.asarray(Image.open(io.BytesIO(data))), side)


def qp_of_quality(q):
    """ftc's quality → QP map for h264 and hevc (docs/VIDEO.md)."""
    if q == 100:
        return 1
    s = 50.0 / q if q < 50 else (200.0 - 2.0 * q) / 100.0
    return min(51, max(1, round(41 + 6 * math.log2(s))))


class FfmpegX264:
    name = "ffmpeg CLI (libx264), raw files"

    def __init__(self, mosaic, quality, preset, workdir, ffmpeg="ffmpeg"):
        self.mosaic, self.qp, self.preset, self.dir, self.ffmpeg = mosaic, qp_of_quality(quality), preset, workdir, ffmpeg

    def _run(self, args):
        subprocess.run([self.ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *args], check=True)

    def encode(self, item):
        plane, side = self.mosaic.encode(item)
        raw, stream = os.path.join(self.dir, "in.raw"), os.path.join(self.dir, "out.264")
        plane.tofile(raw)
        h, w = plane.shape
        self._run(["-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{w}x{h}", "-i", raw, "-c:v", "libx264",
                   "-preset", self.preset, "-tune", "zerolatency,psnr", "-qp", str(self.qp), "-bf", "0",
                   "-threads", "1", "-f", "h264", stream])
        with open(stream, "rb") as f:
            return f.read(), (side, plane.shape)

    def decode(self, coded):
        data, (side, shape) = coded
        stream, raw = os.path.join(self.dir, "dec.264"), os.path.join(self.dir, "dec.raw")
        with open(stream, "wb") as f:
            f.write(data)
        self._run(["-threads", "1", "-f", "h264", "-i", stream, "-f", "rawvideo", "-pix_fmt", "gray", raw])
        return self.mosaic.decode(np.fromfile(raw, np.uint8).reshape(shape), side)


def time_peer(peer, tensor, repeats, warmup):
    """Median seconds per item to encode and to decode every item of `tensor`, and the mean bytes."""
    enc, dec, sizes = [], [], []
    for r in range(warmup + repeats):
        t0 = time.perf_counter()
        coded = [peer.encode(item) for item in tensor]
        t1 = time.perf_counter()
        decoded = [peer.decode(c) for c in coded]
        t2 = time.perf_counter()
        assert decoded[0].shape == tensor[0].shape
        if r >= warmup:
            enc.append((t1 - t0) / len(tensor))
            dec.append((t2 - t1) / len(tensor))
            sizes = [len(c[0]) for c in coded]
    return statistics.median(enc), statistics.median(dec), sum(sizes) / len(sizes)


def ftc_bench(ftc, path, args, repeats, warmup):
    out = subprocess.run([ftc, "bench", path, "--json", "-r", str(repeats), "--warmup", str(warmup), *args],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def ftc_grid(ftc, path, workdir):
    coded = os.path.join(workdir, "grid.ftc")
    subprocess.run([ftc, "encode", path, "-o", coded, "--codec", "jpeg"], check=True)
    info = json.loads(subprocess.run([ftc, "info", coded, "--json"], check=True, capture_output=True,
                                     text=True).stdout)
    return info["tile_grid"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ftc", default=os.environ.get("FTC_CLI", os.path.join(ROOT, "build", "bin", "ftc")))
    ap.add_argument("--shape", default="128x28x28", help="C×H×W of one tensor (default 128x28x28)")
    ap.add_argument("--batch", type=int, default=8, help="items of the batch case (default 8)")
    ap.add_argument("--quality", type=int, default=90)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="ftc's threads for the batch case (0: every core)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results to this file")
    opts = ap.parse_args()
    if not os.access(opts.ftc, os.X_OK):
        sys.exit(f"compare.py: no ftc binary at {opts.ftc} (build it, or pass --ftc)")
    c, h, w = (int(d) for d in opts.shape.split("x"))
    cores = os.cpu_count() or 1
    threads = opts.threads or cores
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        single = features((1, c, h, w), opts.seed)
        batch = features((opts.batch, c, h, w), opts.seed + 1)
        paths = {}
        for name, t in (("single", single), ("batch", batch)):
            paths[name] = os.path.join(workdir, f"{name}.npy")
            np.save(paths[name], t)
        grid_rows, grid_cols = ftc_grid(opts.ftc, paths["single"], workdir)
        mosaic = Mosaic(grid_rows, grid_cols)
        q = str(opts.quality)
        cases = [
            ("jpeg, huffman=standard", "single", 1, PillowJpeg(mosaic, opts.quality, False),
             ["--codec", "jpeg", "--quality", q, "--options", "huffman=standard"]),
            ("jpeg, huffman=auto / optimize", "single", 1, PillowJpeg(mosaic, opts.quality, True),
             ["--codec", "jpeg", "--quality", q]),
            (f"jpeg, huffman=standard, batch of {opts.batch}", "batch", threads,
             PillowJpeg(mosaic, opts.quality, False),
             ["--codec", "jpeg", "--quality", q, "--options", "huffman=standard"]),
            (f"jpeg, huffman=auto / optimize, batch of {opts.batch}", "batch", threads,
             PillowJpeg(mosaic, opts.quality, True), ["--codec", "jpeg", "--quality", q]),
            ("h264 (x264), preset medium (ftc's default)", "single", 1,
             FfmpegX264(mosaic, opts.quality, "medium", workdir),
             ["--codec", "h264", "--encoder", "x264", "--quality", q]),
            ("h264 (x264), preset ultrafast", "single", 1, FfmpegX264(mosaic, opts.quality, "ultrafast", workdir),
             ["--codec", "h264", "--encoder", "x264", "--quality", q, "--options", "preset=ultrafast"]),
        ]
        for label, which, t, peer, flags in cases:
            tensor = single if which == "single" else batch
            items = tensor.shape[0]
            peer_reps = max(3, opts.repeats // 4) if isinstance(peer, FfmpegX264) else opts.repeats
            p_enc, p_dec, p_bytes = time_peer(peer, [x for x in tensor], peer_reps, opts.warmup)
            r = ftc_bench(opts.ftc, paths[which], [*flags, "--threads", str(t)], opts.repeats, opts.warmup)
            f_enc, f_dec = r["encode_ms"] / 1e3 / items, r["decode_ms"] / 1e3 / items
            rows.append({
                "case": label, "peer": peer.name, "items": items, "ftc_threads": t,
                "peer_encode_ms": 1e3 * p_enc, "ftc_encode_ms": 1e3 * f_enc, "encode_ratio": p_enc / f_enc,
                "peer_decode_ms": 1e3 * p_dec, "ftc_decode_ms": 1e3 * f_dec, "decode_ratio": p_dec / f_dec,
                "peer_bytes": p_bytes, "ftc_bytes": r["bytes"] / items,
            })
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"{cpu}, {cores} cores; one tensor {opts.shape} float32, quality {opts.quality}; medians per tensor; "
          f"ratio = peer / ftc (higher: ftc faster)\n")
    print(f"{'case':45} {'peer':32} {'enc ms peer':>11} {'ftc':>8} {'ratio':>7} {'dec ms peer':>11} "
          f"{'ftc':>8} {'ratio':>7} {'bytes peer':>10} {'ftc':>8}")
    for r in rows:
        print(f"{r['case']:45} {r['peer']:32} {r['peer_encode_ms']:11.3f} {r['ftc_encode_ms']:8.3f} "
              f"{r['encode_ratio']:7.2f} {r['peer_decode_ms']:11.3f} {r['ftc_decode_ms']:8.3f} "
              f"{r['decode_ratio']:7.2f} {r['peer_bytes']:10.0f} {r['ftc_bytes']:8.0f}")
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"cpu": cpu, "cores": cores, "shape": opts.shape, "quality": opts.quality,
                       "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
