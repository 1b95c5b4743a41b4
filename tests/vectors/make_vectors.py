#!/usr/bin/python3
"""Regenerates the conformance vectors in tests/vectors/ and their manifest.

Run it on purpose only, when a change is meant to alter decoded output (tests/vectors/README.md):

    /usr/bin/python3 tests/vectors/make_vectors.py --build build

It writes each input tensor (deterministic, from fixed seeds) to a temporary .npy, encodes it with
BUILD/bin/ftc (or, for the stream form of image codecs, which the CLI does not write, with the library's C API
through ctypes), decodes it with every built implementation of its codec, checks that they all give the same
bytes, and records the SHA-256 of those bytes (the decoded tensor exactly as ftc_decode returns it: float32,
float16 or bfloat16 elements, little-endian, C order) in manifest.txt.
"""
import argparse
import ctypes
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


# ---------------------------------------------------------------------------------------------------------
# Inputs: small deterministic tensors.

def relu(shape, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return np.maximum(rng.standard_normal(shape) * scale, 0).astype(np.float32)


def gaussian(shape, seed, scale=1.0, offset=0.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale + offset).astype(np.float32)


def frames(shape, seed, drift=0.05):
    """N frames of one slowly changing feature map (what a video codec predicts well)."""
    rng = np.random.default_rng(seed)
    base = np.maximum(rng.standard_normal(shape[1:]), 0)
    out = [base + drift * i * rng.standard_normal(shape[1:]) for i in range(shape[0])]
    return np.maximum(np.stack(out), 0).astype(np.float32)


def per_channel_scales(shape, seed, scale=1.0):
    """Channels with very different ranges, so that per-channel clipping matters."""
    x = gaussian(shape, seed)
    return (x * (scale * np.arange(1, shape[1] + 1, dtype=np.float32)).reshape(1, -1, 1, 1)).astype(np.float32)


def smooth(shape, seed):
    """Rectified low-frequency waves, a few per channel: planes a coder shrinks well (small vectors)."""
    rng = np.random.default_rng(seed)
    n, c, h, w = shape
    y, x = np.mgrid[0:h, 0:w]
    out = np.empty(shape, np.float32)
    for i in range(n):
        for j in range(c):
            fx, fy, phase = rng.uniform(0, 2, 3)
            out[i, j] = np.maximum(0, np.cos(2 * np.pi * (fx * x / w + fy * y / h) + phase * np.pi))
    return out


def bfloat16_bits(x):
    """float32 -> bfloat16 bit patterns ('<u2'), rounded to nearest even, as ftc's --dtype bf16 expects."""
    u = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


# ---------------------------------------------------------------------------------------------------------
# The vectors. Each: name, what it covers, input array, dtype flag, CLI encode arguments (or a stream spec).

class Vector:
    def __init__(self, name, covers, data, args=(), dtype=None, stream=None):
        self.name, self.covers, self.data, self.args, self.dtype, self.stream = name, covers, data, list(args), dtype, stream


def vectors():
    v = []
    # raw: the levels as they are, every quantiser width.
    v.append(Vector("raw_8bit", "raw, 8 bits, sigma:3 (default clip), one range", relu((1, 8, 6, 10), 1),
                    ["--codec", "raw"]))
    for bits in range(1, 8):
        v.append(Vector(f"raw_bits{bits}", f"raw, {bits}-bit levels", gaussian((1, 4, 5, 6), 10 + bits),
                        ["--codec", "raw", "--bits", str(bits)]))
    v.append(Vector("raw_rank3", "raw, a rank-3 C×H×W tensor (no N in the header)", gaussian((5, 3, 7), 2),
                    ["--codec", "raw"]))
    v.append(Vector("raw_one_element", "raw, shape 1×1×1×1 (lo = hi)", gaussian((1, 1, 1, 1), 3),
                    ["--codec", "raw"]))
    v.append(Vector("raw_constant", "raw, an all-zero tensor (empty range)", np.zeros((1, 3, 4, 4), np.float32),
                    ["--codec", "raw"]))
    v.append(Vector("raw_wide", "raw, odd shape 1×2×1×300 (one-row tiles)", gaussian((1, 2, 1, 300), 4),
                    ["--codec", "raw"]))
    v.append(Vector("raw_37_channels", "raw, 37 channels of 3×5: a grid with empty tiles",
                    relu((1, 37, 3, 5), 5), ["--codec", "raw"]))
    v.append(Vector("raw_batch3", "raw, batch N = 3 in the single form", relu((3, 4, 5, 6), 6),
                    ["--codec", "raw"]))
    v.append(Vector("raw_clip_minmax", "raw, clip minmax", gaussian((1, 4, 6, 6), 7), ["--codec", "raw", "--clip", "minmax"]))
    v.append(Vector("raw_clip_sigma2.5", "raw, clip sigma:2.5 (K in tenths)", gaussian((1, 4, 6, 6), 8),
                    ["--codec", "raw", "--clip", "sigma:2.5"]))
    v.append(Vector("raw_clip_range", "raw, clip range:-0.5,1.5 with values outside it",
                    gaussian((1, 4, 6, 6), 9), ["--codec", "raw", "--clip", "range:-0.5,1.5"]))
    v.append(Vector("raw_per_channel_f16_ranges", "raw, per-channel ranges stored as float16",
                    per_channel_scales((1, 6, 4, 5), 20), ["--codec", "raw", "--per-channel"]))
    v.append(Vector("raw_per_channel_f32_ranges", "raw, per-channel ranges beyond float16, stored as float32",
                    per_channel_scales((1, 6, 4, 5), 21, scale=3e4), ["--codec", "raw", "--per-channel"]))
    v.append(Vector("raw_float16", "raw, float16 tensor ('<f2'), decoded as float16",
                    gaussian((1, 4, 5, 6), 22).astype(np.float16), ["--codec", "raw"]))
    v.append(Vector("raw_bfloat16", "raw, bfloat16 tensor ('<u2' --dtype bf16), decoded as bfloat16",
                    bfloat16_bits(gaussian((1, 4, 5, 6), 23)), ["--codec", "raw"], dtype="bf16"))
    v.append(Vector("raw_batch2_wide_tiles", "raw, N = 2, 32 channels of 9×13, per-channel: long SIMD rows",
                    per_channel_scales((2, 32, 9, 13), 24), ["--codec", "raw", "--per-channel", "--clip", "minmax"]))
    # lossless: exact and near-lossless.
    v.append(Vector("lossless_64x14x14", "lossless, the README's 1×64×14×14 post-ReLU shape", relu((1, 64, 14, 14), 29),
                    ["--codec", "lossless"]))
    v.append(Vector("lossless_8bit", "lossless, 8 bits, exact", relu((1, 16, 7, 7), 30), ["--codec", "lossless"]))
    v.append(Vector("lossless_bits3", "lossless, 3 bits", relu((1, 16, 7, 7), 31),
                    ["--codec", "lossless", "--bits", "3"]))
    v.append(Vector("lossless_near2", "near-lossless, max error 2 levels", relu((1, 16, 7, 7), 32),
                    ["--codec", "lossless", "--max-error", "2"]))
    v.append(Vector("lossless_near1_bits5", "near-lossless, 5 bits, max error 1", gaussian((1, 8, 9, 9), 33),
                    ["--codec", "lossless", "--bits", "5", "--max-error", "1"]))
    v.append(Vector("lossless_batch2_per_channel", "lossless, N = 2, per-channel ranges",
                    per_channel_scales((2, 5, 6, 7), 34), ["--codec", "lossless", "--per-channel"]))
    v.append(Vector("lossless_float16", "lossless, float16 tensor", relu((1, 8, 6, 6), 35).astype(np.float16),
                    ["--codec", "lossless"]))
    # jpeg: quality extremes, both Huffman modes, few bits, batches.
    for q in (90, 50, 10, 100):
        v.append(Vector(f"jpeg_q{q}", f"jpeg, quality {q}, huffman=auto", relu((1, 16, 7, 7), 40),
                        ["--codec", "jpeg", "--quality", str(q)]))
    v.append(Vector("jpeg_huffman_standard", "jpeg, huffman=standard (no tables in the payload)",
                    relu((1, 64, 7, 7), 41), ["--codec", "jpeg", "--options", "huffman=standard"]))
    v.append(Vector("jpeg_huffman_optimized", "jpeg, huffman=optimized (tables in the payload)",
                    relu((1, 64, 7, 7), 41), ["--codec", "jpeg", "--options", "huffman=optimized"]))
    for bits in (1, 4):
        v.append(Vector(f"jpeg_bits{bits}", f"jpeg, {bits}-bit levels spread over 0..255", relu((1, 16, 7, 7), 42),
                        ["--codec", "jpeg", "--bits", str(bits)]))
    v.append(Vector("jpeg_batch3", "jpeg, batch N = 3", relu((3, 8, 5, 5), 43), ["--codec", "jpeg"]))
    v.append(Vector("jpeg_per_channel", "jpeg, per-channel ranges", per_channel_scales((1, 8, 8, 8), 44),
                    ["--codec", "jpeg", "--per-channel", "--clip", "minmax"]))
    v.append(Vector("jpeg_bfloat16", "jpeg, bfloat16 tensor", bfloat16_bits(relu((1, 8, 8, 8), 45)),
                    ["--codec", "jpeg"], dtype="bf16"))
    v.append(Vector("jpeg_odd_plane", "jpeg, 3×13×11: padding on both sides of the plane", gaussian((3, 13, 11), 46),
                    ["--codec", "jpeg", "--quality", "75"]))
    # Bands: a plane of 2^19 pixels or more, coded in horizontal bands (format version 3).
    v.append(Vector("lossless_bands", "lossless, 1 bit, 128×64×64: a 1024×512 plane in 2 bands (format version 3)",
                    smooth((1, 128, 64, 64), 47), ["--codec", "lossless", "--bits", "1"]))
    v.append(Vector("jpeg_bands", "jpeg, quality 10, 128×64×64: a 1024×512 plane in 2 bands (format version 3)",
                    smooth((1, 128, 64, 64), 48), ["--codec", "jpeg", "--quality", "10"]))
    # Video codecs: the stream form (format version 2), several frames, P frames between key frames.
    h264 = ["--codec", "h264", "--encoder"]
    v.append(Vector("h264_x264_gop2", "h264 by x264, 4 frames, gop 2, batch range", frames((4, 16, 8, 8), 50),
                    h264 + ["x264", "--gop", "2"]))
    v.append(Vector("h264_x264_lossless", "h264 by x264, lossless (High 4:4:4 Predictive, QP 0), 3 frames",
                    frames((3, 16, 8, 8), 51), h264 + ["x264", "--lossless"]))
    v.append(Vector("h264_x264_keyframe_ranges", "h264 by x264, ranges in key packets (--stream-range keyframe)",
                    frames((5, 16, 8, 8), 52, drift=0.3), h264 + ["x264", "--gop", "2", "--stream-range", "keyframe"]))
    v.append(Vector("h264_x264_bits4_per_channel", "h264 by x264, 4 bits, per-channel ranges, first-frame range",
                    frames((3, 8, 8, 8), 53), h264 + ["x264", "--bits", "4", "--per-channel",
                                                      "--stream-range", "first"]))
    v.append(Vector("h264_x264_rank3", "h264 by x264, one C×H×W frame (decodes to rank 3)",
                    relu((16, 8, 8), 54), h264 + ["x264"]))
    v.append(Vector("h264_openh264_gop2", "h264 by OpenH264 (4:2:0), 4 frames, gop 2", frames((4, 16, 8, 8), 55),
                    h264 + ["openh264", "--gop", "2", "--quality", "70"]))
    v.append(Vector("hevc_x265_gop2", "hevc by x265, 4 frames, gop 2", frames((4, 16, 8, 8), 56),
                    ["--codec", "hevc", "--gop", "2"]))
    v.append(Vector("hevc_x265_lossless", "hevc by x265, lossless, 2 frames", frames((2, 16, 8, 8), 57),
                    ["--codec", "hevc", "--lossless"]))
    v.append(Vector("hevc_x265_keyframe_ranges_bf16", "hevc by x265, bfloat16, ranges in key packets",
                    bfloat16_bits(frames((3, 16, 8, 8), 58, drift=0.3)),
                    ["--codec", "hevc", "--gop", "2", "--stream-range", "keyframe"], dtype="bf16"))
    # Image codecs in the stream form (written by a stream encoder; every packet a key frame).
    v.append(Vector("stream_raw", "stream form v2, raw, 3 frames, first-frame range", frames((3, 4, 5, 6), 60),
                    stream=dict(codec="raw", range="first")))
    v.append(Vector("stream_lossless_keyframe_ranges", "stream form v2, lossless, 3 frames, ranges in every packet",
                    frames((3, 8, 6, 6), 61, drift=0.5), stream=dict(codec="lossless", range="keyframe")))
    v.append(Vector("stream_jpeg_float16", "stream form v2, jpeg, float16, 2 C×H×W frames",
                    frames((2, 8, 8, 8), 62).astype(np.float16), stream=dict(codec="jpeg", range="first", rank=3)))
    return v


# ---------------------------------------------------------------------------------------------------------
# The library's C API through ctypes: the stream encoder, which the CLI does not expose for image codecs.

class _Tensor(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("rank", ctypes.c_uint32), ("shape", ctypes.c_uint64 * 4),
                ("data", ctypes.c_void_p)]


class _Buffer(ctypes.Structure):
    _fields_ = [("data", ctypes.POINTER(ctypes.c_uint8)), ("size", ctypes.c_size_t)]


class _EncoderSettings(ctypes.Structure):
    _fields_ = [("codec", ctypes.c_char_p), ("quality", ctypes.c_int), ("bits", ctypes.c_int),
                ("clip", ctypes.c_int), ("sigma_k", ctypes.c_double), ("range_lo", ctypes.c_float),
                ("range_hi", ctypes.c_float), ("per_channel", ctypes.c_int), ("max_error", ctypes.c_int),
                ("options", ctypes.c_char_p), ("threads", ctypes.c_int), ("implementation", ctypes.c_char_p),
                ("lossless", ctypes.c_int), ("target_bytes", ctypes.c_uint64), ("stream", ctypes.c_void_p)]


class _StreamSettings(ctypes.Structure):
    _fields_ = [("gop", ctypes.c_int), ("range", ctypes.c_int), ("calibration", ctypes.c_void_p)]


_DTYPES = {np.dtype(np.float32): 0, np.dtype(np.float16): 1, np.dtype(np.uint16): 2}
_RANGES = {"first": 0, "fixed": 1, "keyframe": 2}


def stream_encode(lib, spec, data):
    s = _EncoderSettings()
    lib.ftc_encoder_default_settings(ctypes.byref(s))
    s.codec = spec["codec"].encode()
    st = _StreamSettings()
    lib.ftc_stream_default_settings(ctypes.byref(st))
    st.range = _RANGES[spec["range"]]
    encoder = ctypes.c_void_p()
    message = ctypes.c_char_p()
    if lib.ftc_stream_encoder_create(ctypes.byref(s), ctypes.byref(st), ctypes.byref(encoder), ctypes.byref(message)):
        sys.exit(f"stream encoder: {message.value.decode()}")
    out = bytearray()
    try:
        for frame in data:
            frame = np.ascontiguousarray(frame if spec.get("rank") == 3 else frame[np.newaxis])
            t = _Tensor(_DTYPES[frame.dtype], frame.ndim, (ctypes.c_uint64 * 4)(*frame.shape),
                        frame.ctypes.data_as(ctypes.c_void_p))
            buf = _Buffer()
            if lib.ftc_stream_encode(encoder, ctypes.byref(t), ctypes.byref(buf)):
                sys.exit(f"stream encode: {lib.ftc_stream_encoder_last_error(encoder).decode()}")
            out += ctypes.string_at(buf.data, buf.size)
            lib.ftc_buffer_free(ctypes.byref(buf))
    finally:
        lib.ftc_stream_encoder_destroy(encoder)
    return bytes(out)


# ---------------------------------------------------------------------------------------------------------

def decoders(ftc, codec):
    """The implementations that decode `codec` in this build, from `ftc --version`."""
    out = subprocess.run([ftc, "--version"], check=True, capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        words = line.split()  # codec, "id", id, "align", align, capabilities, implementation, library
        if len(words) >= 7 and words[0] == codec and "decode" in words[5].split(","):
            names.append(words[6])
    return names


def encode(ftc, lib, vec, target, tmp):
    if vec.stream:
        target.write_bytes(stream_encode(lib, vec.stream, vec.data))
        return
    npy = os.path.join(tmp, "in.npy")
    np.save(npy, vec.data)
    cmd = [ftc, "encode", npy, "-o", str(target)] + vec.args
    if vec.dtype:
        cmd += ["--dtype", vec.dtype]
    subprocess.run(cmd, check=True)


def codec_of(ftc, path):
    info = subprocess.run([ftc, "info", str(path), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(info)["codec"]


def manifest_line(ftc, vec, target, tmp):
    """The manifest's line for `target`, after checking that every implementation decodes it alike."""
    codec = codec_of(ftc, target)
    digests = {}
    for impl in decoders(ftc, codec):
        decoded = os.path.join(tmp, "out.npy")
        # An implementation may lack a profile (OpenH264 decodes no High 4:4:4): it is left out.
        if subprocess.run([ftc, "decode", str(target), "-o", decoded, "--decoder", impl],
                          capture_output=True).returncode == 0:
            arr = np.load(decoded)
            digests[impl] = (hashlib.sha256(arr.tobytes()).hexdigest(), arr)
    if not digests:
        sys.exit(f"{vec.name}: no implementation decodes it")
    if len({d for d, _ in digests.values()}) != 1:
        sys.exit(f"{vec.name}: the decoders disagree: {', '.join(f'{k} {d}' for k, (d, _) in digests.items())}")
    digest, arr = next(iter(digests.values()))
    dtype = {"float32": "float32", "float16": "float16", "uint16": "bfloat16"}[arr.dtype.name]
    shape = "x".join(str(d) for d in arr.shape)
    return f"{target.name} {codec} {','.join(digests)} {dtype} {shape} {digest} {vec.covers}"


def generate(ftc, lib, out_dir):
    for old in out_dir.glob("*.ftc"):
        old.unlink()
    lines = ["# Conformance vectors: file, codec, the implementations that decode it (each must give these bytes),",
             "# decoded dtype, decoded shape, SHA-256 of the decoded bytes, what it covers.",
             "# Written by make_vectors.py; do not edit by hand (tests/vectors/README.md)."]
    total = 0
    with tempfile.TemporaryDirectory() as tmp:
        for vec in vectors():
            target = out_dir / f"{vec.name}.ftc"
            encode(ftc, lib, vec, target, tmp)
            lines.append(manifest_line(ftc, vec, target, tmp))
            total += target.stat().st_size
            print(f"{target.name:40s} {target.stat().st_size:6d} B  {lines[-1].split()[2]}")
    (out_dir / "manifest.txt").write_text("\n".join(lines) + "\n")
    print(f"{len(lines) - 3} vectors, {total} bytes")


def check(ftc, lib, vectors_dir):
    """Re-encodes every image-codec vector with this build and compares the bytes with the committed file.

    Video encoders are left out: x264 and x265 may code differently in another build of theirs, and the
    decoded bytes of every vector are checked by vectors_test anyway."""
    built = subprocess.run([ftc, "--version"], check=True, capture_output=True, text=True).stdout.split()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for vec in vectors():
            committed = vectors_dir / f"{vec.name}.ftc"
            codec = codec_of(ftc, committed)
            if codec not in ("raw", "lossless", "jpeg") or codec not in built:
                print(f"{committed.name}: {codec} encoder not compared")
                continue
            target = pathlib.Path(tmp, committed.name)
            encode(ftc, lib, vec, target, tmp)
            if target.read_bytes() != committed.read_bytes():
                print(f"{committed.name}: this build encodes it differently ({vec.covers})")
                failures += 1
    if failures:
        sys.exit(f"{failures} vectors encode differently: an encoder's output changed; if on purpose, "
                 "regenerate the vectors (tests/vectors/README.md)")
    print("every image-codec vector encodes to the committed bytes")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default="build", help="the build directory holding bin/ftc and lib/libftc.so")
    parser.add_argument("--out", default=str(HERE), help="where to write the vectors and manifest.txt")
    parser.add_argument("--check", action="store_true",
                        help="write nothing: check that this build's encoders still write the image-codec vectors")
    args = parser.parse_args()
    ftc = str(pathlib.Path(args.build, "bin", "ftc").resolve())
    lib = ctypes.CDLL(str(pathlib.Path(args.build, "lib", "libftc.so").resolve()))
    lib.ftc_stream_encoder_last_error.restype = ctypes.c_char_p
    if args.check:
        check(ftc, lib, pathlib.Path(args.out))
    else:
        generate(ftc, lib, pathlib.Path(args.out))


if __name__ == "__main__":
    main()
