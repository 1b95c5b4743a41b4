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

The two sides take turns: `--rounds` rounds, each of which times the peer and then ftc (warm-up runs, then
`--repeats` timed runs per side), so that a change of load on a shared machine hits both. The tables give
medians per tensor (over all the rounds) and the median of the rounds' ratios peer / ftc (higher: ftc
faster). Batches: ftc codes the items on `--threads` workers (both cores by default), the peers one item
after another. The tensor is synthetic (`features`, below) unless `--input` names a C×H×W or 1×C×H×W
float32 .npy, such as a real model's features.

    /usr/bin/python3 bench/peers/compare.py [--ftc build/bin/ftc] [--quality 50,90] [--rounds 5]
                                            [--input X.npy] [--json OUT.json]
"""
import argparse
import io
import json
import math
import os
import re
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
    ap.add_argument("--quality", default="90", help="qualities, comma-separated (default 90)")
    ap.add_argument("--input", help="a C×H×W or 1×C×H×W float32 .npy to use instead of the synthetic tensor")
    ap.add_argument("--rounds", type=int, default=5, help="turns each side takes (default 5)")
    ap.add_argument("--repeats", type=int, default=20, help="timed runs per side and round (default 20)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="ftc's threads for the batch case (0: every core)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the results to this file")
    ap.add_argument("--cases", help="run only the cases whose label contains this regular expression "
                                    "(e.g. 'batch' or 'h264.*medium')")
    ap.add_argument("--check", action="store_true",
                    help="a quick run for the test suite: one round of one timed run at quality 50, batch of 2; "
                         "fails unless both sides make streams of nearly the same size (like for like)")
    opts = ap.parse_args()
    if opts.check:
        opts.rounds, opts.repeats, opts.warmup, opts.batch, opts.quality = 1, 1, 0, 2, "50"
    if not os.access(opts.ftc, os.X_OK):
        sys.exit(f"compare.py: no ftc binary at {opts.ftc} (build it, or pass --ftc)")
    if opts.input:
        loaded = np.load(opts.input).astype(np.float32)
        if loaded.ndim == 4 and loaded.shape[0] == 1:
            loaded = loaded[0]
        if loaded.ndim != 3:
            sys.exit(f"compare.py: {opts.input} is not a C×H×W or 1×C×H×W tensor")
        opts.shape = "x".join(str(d) for d in loaded.shape)
    c, h, w = (int(d) for d in opts.shape.split("x"))
    cores = os.cpu_count() or 1
    threads = opts.threads or cores
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        single = loaded[None] if opts.input else features((1, c, h, w), opts.seed)
        batch = np.repeat(single, opts.batch, axis=0) if opts.input else features((opts.batch, c, h, w), opts.seed + 1)
        paths = {}
        for name, t in (("single", single), ("batch", batch)):
            paths[name] = os.path.join(workdir, f"{name}.npy")
            np.save(paths[name], t)
        grid_rows, grid_cols = ftc_grid(opts.ftc, paths["single"], workdir)
        mosaic = Mosaic(grid_rows, grid_cols)
        cases = []
        for q in opts.quality.split(","):
            quality = int(q)
            cases += [
                (f"jpeg q{q}, huffman=standard", "single", 1, PillowJpeg(mosaic, quality, False),
                 ["--codec", "jpeg", "--quality", q, "--options", "huffman=standard"]),
                (f"jpeg q{q}, huffman=auto / optimize", "single", 1, PillowJpeg(mosaic, quality, True),
                 ["--codec", "jpeg", "--quality", q]),
                (f"jpeg q{q}, huffman=standard, batch of {opts.batch}", "batch", threads,
                 PillowJpeg(mosaic, quality, False),
                 ["--codec", "jpeg", "--quality", q, "--options", "huffman=standard"]),
                (f"jpeg q{q}, huffman=auto / optimize, batch of {opts.batch}", "batch", threads,
                 PillowJpeg(mosaic, quality, True), ["--codec", "jpeg", "--quality", q]),
                (f"h264 q{q} (x264), preset medium (ftc's default)", "single", 1,
                 FfmpegX264(mosaic, quality, "medium", workdir),
                 ["--codec", "h264", "--encoder", "x264", "--quality", q]),
                (f"h264 q{q} (x264), preset ultrafast", "single", 1,
                 FfmpegX264(mosaic, quality, "ultrafast", workdir),
                 ["--codec", "h264", "--encoder", "x264", "--quality", q, "--options", "preset=ultrafast"]),
            ]
        if opts.cases:
            cases = [case for case in cases if re.search(opts.cases, case[0])]
            if not cases:
                sys.exit(f"compare.py: no case matches --cases {opts.cases}")
        for label, which, t, peer, flags in cases:
            tensor = single if which == "single" else batch
            items = tensor.shape[0]
            peer_reps = max(2, opts.repeats // 8) if isinstance(peer, FfmpegX264) else opts.repeats
            p_enc, p_dec, f_enc, f_dec, enc_ratio, dec_ratio, f_inside = [], [], [], [], [], [], []
            for _ in range(opts.rounds):
                pe, pd, p_bytes = time_peer(peer, [x for x in tensor], peer_reps, opts.warmup)
                r = ftc_bench(opts.ftc, paths[which], [*flags, "--threads", str(t)], opts.repeats, opts.warmup)
                fe, fd = r["encode_ms"] / 1e3 / items, r["decode_ms"] / 1e3 / items
                p_enc.append(pe), p_dec.append(pd), f_enc.append(fe), f_dec.append(fd)
                f_inside.append(fe * r["encode_backend_share"])
                enc_ratio.append(pe / fe), dec_ratio.append(pd / fd)
            med = statistics.median
            rows.append({
                "case": label, "peer": peer.name, "items": items, "ftc_threads": t, "rounds": opts.rounds,
                "peer_encode_ms": 1e3 * med(p_enc), "ftc_encode_ms": 1e3 * med(f_enc),
                "encode_ratio": med(enc_ratio), "encode_ratio_min": min(enc_ratio),
                "peer_decode_ms": 1e3 * med(p_dec), "ftc_decode_ms": 1e3 * med(f_dec),
                "decode_ratio": med(dec_ratio), "decode_ratio_min": min(dec_ratio),
                "peer_bytes": p_bytes, "ftc_bytes": r["bytes"] / items,
                # Encode time inside the codec library (ftc's measure; the peer's is taken to be the same, as
                # it runs the same library with the same settings) and the time around it on each side.
                "codec_encode_ms": 1e3 * med(f_inside),
                "ftc_around_ms": 1e3 * (med(f_enc) - med(f_inside)),
                "peer_around_ms": 1e3 * (med(p_enc) - med(f_inside)),
            })
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    source = opts.input or "synthetic features"
    print(f"{cpu}, {cores} cores; one tensor {opts.shape} float32 ({source}); {opts.rounds} rounds; medians per "
          f"tensor; ratio = median over the rounds of peer / ftc (higher: ftc faster), lowest round in brackets\n")
    print(f"{'case':49} {'peer':32} {'enc ms peer':>11} {'ftc':>8} {'ratio':>15} {'dec ms peer':>11} "
          f"{'ftc':>8} {'ratio':>15} {'bytes peer':>10} {'ftc':>8}")
    for r in rows:
        enc = f"{r['encode_ratio']:.2f} ({r['encode_ratio_min']:.2f})"
        dec = f"{r['decode_ratio']:.2f} ({r['decode_ratio_min']:.2f})"
        print(f"{r['case']:49} {r['peer']:32} {r['peer_encode_ms']:11.3f} {r['ftc_encode_ms']:8.3f} {enc:>15} "
              f"{r['peer_decode_ms']:11.3f} {r['ftc_decode_ms']:8.3f} {dec:>15} {r['peer_bytes']:10.0f} "
              f"{r['ftc_bytes']:8.0f}")
    print("\nencode time around the codec library (the encode less ftc's time inside the library, which the peer")
    print("spends too, running the same library with the same settings):")
    for r in rows:
        if r["items"] == 1 and "optimize" not in r["case"]:  # the same library work on both sides
            print(f"  {r['case']:49} peer {r['peer_around_ms']:9.3f} ms  ftc {r['ftc_around_ms']:7.3f} ms  "
                  f"ratio {r['peer_around_ms'] / r['ftc_around_ms']:8.1f}")
    if opts.check:
        # The same pipeline on both sides: the payloads differ by the peers' file headers only (JFIF, about 300
        # bytes; x264's SEI, about 600) and by encoder details, a few percent at most.
        unlike = [r["case"] for r in rows if abs(r["peer_bytes"] - r["ftc_bytes"]) > 0.06 * r["ftc_bytes"] + 700]
        if unlike:
            sys.exit("compare.py: the two sides' sizes differ too much (not like for like): " + ", ".join(unlike))
    if opts.json:
        with open(opts.json, "w") as f:
            json.dump({"cpu": cpu, "cores": cores, "shape": opts.shape, "quality": opts.quality,
                       "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
