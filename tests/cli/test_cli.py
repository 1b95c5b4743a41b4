"""Tests of the ftc command-line tool, run by ctest (tests/cli/CMakeLists.txt) with FTC_CLI naming the binary.

Every test asserts a property that could fail: decoded values equal the quantiser's reconstruction, errors
exit with the documented status and leave no file behind, the PNG holds the plane the codec codes, ...
A test is skipped only for a codec that `ftc --version` does not list.
"""
import io
import json
import os
import re
import signal
import struct
import subprocess
import sys
import time
import zlib

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from crc32c import crc32c  # noqa: E402  (tests/crc32c.py)

FTC = os.environ.get("FTC_CLI", "")
if not FTC or not os.path.exists(FTC):
    pytest.exit("set FTC_CLI to the ftc binary (ctest does)", returncode=4)

EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_IO = 0, 1, 2, 3


def run(*args, stdin=None, check=None):
    """Runs ftc with `args`; returns the CompletedProcess (bytes). `check`: the exit status to assert."""
    p = subprocess.run([FTC, *map(str, args)], input=stdin, capture_output=True, timeout=120)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stderr.decode())
    return p


def backends():
    """codec -> (id, align, capabilities) of every codec `ftc --version` lists; the capabilities of a codec
    with several implementations (h264: x264, avcodec, openh264) are those of all of them together."""
    out = run("--version", check=EXIT_OK).stdout.decode()
    found = {}
    for m in re.finditer(r"^  (\S+)\s+id (\d+)\s+align (\d+)\s+(\S+)", out, re.M):
        entry = found.setdefault(m.group(1), (int(m.group(2)), int(m.group(3)), set()))
        entry[2].update(m.group(4).split(","))
    return found


BACKENDS = backends()


def need(codec):
    if codec not in BACKENDS:
        pytest.skip(f"codec {codec} is not built (ftc --version does not list it)")


# ---------------------------------------------------------------------------------------------------------
# Inputs


def to_bf16_bits(x):
    """float32 -> bfloat16 bits (as uint16), rounding to nearest even."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_to_f32(bits):
    return (np.asarray(bits, np.uint16).astype(np.uint32) << 16).view(np.float32)


def sample(shape, dtype, seed=0):
    """A feature-like tensor: mostly post-ReLU values with a few negatives, as the array to save."""
    rng = np.random.default_rng(seed)
    x = (np.maximum(rng.standard_normal(shape) * 1.5 + 0.3, -0.2) * 2.0).astype(np.float32)
    if dtype == "f32":
        return x
    if dtype == "f16":
        return x.astype(np.float16)
    return to_bf16_bits(x)


def as_f32(array, dtype):
    return bf16_to_f32(array) if dtype == "bf16" else np.asarray(array, np.float32)


def save(path, array):
    np.save(path, array)
    return path


def npy_bytes(descr, shape, data=b"", fortran=False, version=(1, 0)):
    """A hand-made .npy file, for what np.save will not write."""
    header = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}"
    size_bytes = 2 if version[0] == 1 else 4
    pad = -(8 + size_bytes + len(header) + 1) % 64
    header = (header + " " * pad + "\n").encode()
    size = struct.pack("<H" if size_bytes == 2 else "<I", len(header))
    return b"\x93NUMPY" + bytes(version) + size + header + data


def raw_npy(header, data):
    """A version 1.0 .npy file with the header exactly as given."""
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


SHAPES = [(1, 1, 1, 1), (1, 3, 7, 13), (2, 37, 5, 9), (1, 512, 1, 1), (6, 11, 4)]
DTYPES = ["f32", "f16", "bf16"]
NUMPY_DTYPE = {"f32": np.float32, "f16": np.float16, "bf16": np.uint16}
DTYPE_NAME = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}


# ---------------------------------------------------------------------------------------------------------
# The quantiser, as the library computes it (in float32, so that the comparison can be tight)


def reconstruct(x, lo, hi, bits, per_channel):
    """lo + level * step, level = clip(round((x - lo) / step), 0, L - 1), step = (hi - lo) / (L - 1)."""
    x = np.asarray(x, np.float32)
    lo = np.asarray(lo, np.float32)
    hi = np.asarray(hi, np.float32)
    if per_channel:  # one range per channel: broadcast along the C axis of C×H×W or N×C×H×W
        lo = lo.reshape(-1, 1, 1)
        hi = hi.reshape(-1, 1, 1)
    max_level = np.float32(2**bits - 1)
    step = (hi - lo) / max_level
    with np.errstate(divide="ignore"):
        inv = np.where(step > 0, max_level / (hi - lo), np.float32(0)).astype(np.float32)
    t = (x - lo) * inv + np.float32(0.5)
    level = np.where(t > 0, np.minimum(np.floor(t), max_level), 0).astype(np.float32)
    return lo + level * step, level.astype(np.int64), step


def info_json(path):
    p = run("info", path, "--json", check=EXIT_OK)
    assert p.stderr == b""
    text = p.stdout.decode()
    assert text.count("\n") == 1, "one JSON object on one line"
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}"))


def clip_bounds(info):
    return np.asarray(info["clip_lo"], np.float32), np.asarray(info["clip_hi"], np.float32)


def assert_reconstruction(decoded, original, info, dtype):
    lo, hi = clip_bounds(info)
    expected, _, _ = reconstruct(original, lo, hi, info["bits"], info["per_channel"])
    if dtype == "f32":
        np.testing.assert_allclose(decoded, expected, rtol=2e-6, atol=2e-6 * max(1.0, float(np.max(np.abs(hi)))))
    else:  # the decoder rounds the reconstruction to the output dtype
        eps = 2.0**-10 if dtype == "f16" else 2.0**-7
        np.testing.assert_allclose(decoded, expected, rtol=eps, atol=1e-6)


# ---------------------------------------------------------------------------------------------------------
# Round trips


@pytest.mark.parametrize("codec", ["raw", "lossless"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
def test_round_trip_equals_quantiser(tmp_path, codec, dtype, shape):
    need(codec)
    array = sample(shape, dtype, seed=len(shape) + shape[-1])
    src = save(tmp_path / "in.npy", array)
    flags = ["--dtype", "bf16"] if dtype == "bf16" else []
    p = run("encode", src, "-o", tmp_path / "t.ftc", "--codec", codec, *flags, check=EXIT_OK)
    assert p.stdout == b"" and p.stderr == b"", "encode prints nothing without -v"
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    out = np.load(tmp_path / "out.npy")
    assert out.shape == array.shape
    assert out.dtype == np.dtype(NUMPY_DTYPE[dtype])
    info = info_json(tmp_path / "t.ftc")
    assert info["dtype"] == DTYPE_NAME[dtype]
    assert_reconstruction(as_f32(out, dtype), as_f32(array, dtype), info, dtype)


@pytest.mark.parametrize("codec", ["raw", "lossless"])
@pytest.mark.parametrize(
    "flags",
    [["--clip", "minmax"], ["--clip", "sigma:2.5", "--per-channel"], ["--clip", "range:-0.5,3"], ["--bits", "3"],
     ["--bits", "1", "--clip", "minmax", "--per-channel"], ["--clip", "range:-1,2", "--per-channel", "--bits", "5"]],
    ids=lambda f: " ".join(f))
def test_quantiser_settings(tmp_path, codec, flags):
    need(codec)
    array = sample((2, 6, 5, 7), "f32", seed=3)
    src = save(tmp_path / "in.npy", array)
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", codec, *flags, check=EXIT_OK)
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    info = info_json(tmp_path / "t.ftc")
    assert info["per_channel"] == ("--per-channel" in flags)
    if "--bits" in flags:
        assert info["bits"] == int(flags[flags.index("--bits") + 1])
    assert_reconstruction(np.load(tmp_path / "out.npy"), array, info, "f32")


@pytest.mark.parametrize("max_error", [1, 2, 5])
def test_near_lossless_bound(tmp_path, max_error):
    need("lossless")
    if "near-lossless" not in BACKENDS["lossless"][2]:
        pytest.skip("the lossless codec has no near-lossless mode")
    array = sample((1, 16, 12, 12), "f32", seed=9)
    src = save(tmp_path / "in.npy", array)
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", "lossless", "--max-error", max_error, check=EXIT_OK)
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    info = info_json(tmp_path / "t.ftc")
    assert info["max_error"] == max_error
    lo, hi = clip_bounds(info)
    _, levels, step = reconstruct(array, lo, hi, info["bits"], False)
    decoded_levels = np.rint((np.load(tmp_path / "out.npy") - lo) / step).astype(np.int64)
    assert np.max(np.abs(decoded_levels - levels)) <= max_error


@pytest.mark.parametrize("codec", ["jpeg", "auto"])
def test_lossy_round_trip(tmp_path, codec):
    if codec != "auto":
        need(codec)
    array = sample((2, 16, 14, 14), "f32", seed=5)
    src = save(tmp_path / "in.npy", array)
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", codec, "--quality", 75, check=EXIT_OK)
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    out = np.load(tmp_path / "out.npy")
    assert out.shape == array.shape and out.dtype == np.float32
    info = info_json(tmp_path / "t.ftc")
    assert info["codec"] == (codec if codec != "auto" else next(iter(BACKENDS)))
    lo, hi = clip_bounds(info)
    tol = 1e-5 * max(1.0, float(np.max(np.abs(hi))))
    assert np.all(out >= lo - tol) and np.all(out <= hi + tol), "values stay inside the clip range"
    _, levels, step = reconstruct(array, lo, hi, info["bits"], False)
    decoded_levels = np.rint((out - lo) / step)
    assert np.allclose(out, lo + decoded_levels * step, atol=tol), "decoded values sit on quantiser levels"


def test_default_codec_is_jpeg(tmp_path):
    src = save(tmp_path / "in.npy", sample((1, 4, 8, 8), "f32"))
    if "jpeg" in BACKENDS:
        run("encode", src, "-o", tmp_path / "t.ftc", check=EXIT_OK)
        info = info_json(tmp_path / "t.ftc")
        assert info["codec"] == "jpeg" and info["quality"] == 90 and info["bits"] == 8 and info["clip"] == "sigma:3"
    else:
        p = run("encode", src, "-o", tmp_path / "t.ftc", check=EXIT_USAGE)
        assert b"jpeg" in p.stderr
        assert not (tmp_path / "t.ftc").exists()


def test_threads_do_not_change_output(tmp_path):
    src = save(tmp_path / "in.npy", sample((5, 8, 6, 6), "f32"))
    run("encode", src, "-o", tmp_path / "a.ftc", "--codec", "raw", "--threads", 1, check=EXIT_OK)
    run("encode", src, "-o", tmp_path / "b.ftc", "--codec", "raw", "--threads", 4, check=EXIT_OK)
    assert (tmp_path / "a.ftc").read_bytes() == (tmp_path / "b.ftc").read_bytes()
    run("decode", tmp_path / "a.ftc", "-o", tmp_path / "a.npy", "--threads", 1, check=EXIT_OK)
    run("decode", tmp_path / "a.ftc", "-o", tmp_path / "b.npy", "--threads", 3, check=EXIT_OK)
    assert (tmp_path / "a.npy").read_bytes() == (tmp_path / "b.npy").read_bytes()


def test_stdin_and_stdout(tmp_path):
    array = sample((1, 3, 7, 13), "f32")
    buffer = io.BytesIO()
    np.save(buffer, array)
    encoded = run("encode", "-", "-o", "-", "--codec", "raw", stdin=buffer.getvalue(), check=EXIT_OK).stdout
    run("encode", save(tmp_path / "in.npy", array), "-o", tmp_path / "t.ftc", "--codec", "raw", check=EXIT_OK)
    assert encoded == (tmp_path / "t.ftc").read_bytes()
    decoded = run("decode", "-", "-o", "-", stdin=encoded, check=EXIT_OK).stdout
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    assert decoded == (tmp_path / "out.npy").read_bytes()
    assert json.loads(run("info", "-", "--json", stdin=encoded, check=EXIT_OK).stdout)["total_bytes"] == len(encoded)


@pytest.mark.parametrize("dtype", DTYPES)
def test_decoded_npy_is_version_1(tmp_path, dtype):
    array = sample((2, 3, 4, 5), dtype)
    flags = ["--dtype", "bf16"] if dtype == "bf16" else []
    run("encode", save(tmp_path / "in.npy", array), "-o", tmp_path / "t.ftc", "--codec", "raw", *flags, check=EXIT_OK)
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    data = (tmp_path / "out.npy").read_bytes()
    assert data[:8] == b"\x93NUMPY\x01\x00"
    header_length = struct.unpack("<H", data[8:10])[0]
    assert (10 + header_length) % 64 == 0, "the data starts at a multiple of 64 bytes"
    header = eval(data[10:10 + header_length].decode())  # a Python dict literal by definition
    assert header == {"descr": {"f32": "<f4", "f16": "<f2", "bf16": "<u2"}[dtype], "fortran_order": False,
                      "shape": (2, 3, 4, 5)}


@pytest.mark.parametrize("version", [(2, 0), (3, 0)])
def test_reads_npy_versions_2_and_3(tmp_path, version):
    array = sample((1, 2, 3, 4), "f32")
    src = tmp_path / "in.npy"
    src.write_bytes(npy_bytes("<f4", array.shape, array.tobytes(), version=version))
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", "raw", check=EXIT_OK)
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    assert_reconstruction(np.load(tmp_path / "out.npy"), array, info_json(tmp_path / "t.ftc"), "f32")


def test_verbose_prints_one_line(tmp_path):
    src = save(tmp_path / "in.npy", sample((1, 3, 7, 13), "f32"))
    p = run("encode", src, "-o", tmp_path / "t.ftc", "--codec", "raw", "-v", check=EXIT_OK)
    lines = p.stderr.decode().splitlines()
    size = (tmp_path / "t.ftc").stat().st_size
    assert len(lines) == 1 and p.stdout == b""
    assert "raw" in lines[0] and "1x3x7x13" in lines[0] and f"{size} bytes" in lines[0]
    assert f"{8 * size / 273:.4f}" in lines[0]


# ---------------------------------------------------------------------------------------------------------
# info


@pytest.mark.parametrize("per_channel", [False, True])
@pytest.mark.parametrize("shape", [(2, 37, 5, 9), (6, 11, 4)], ids=lambda s: "x".join(map(str, s)))
def test_info_json(tmp_path, shape, per_channel):
    array = sample(shape, "f16")
    flags = ["--per-channel"] if per_channel else []
    run("encode", save(tmp_path / "in.npy", array), "-o", tmp_path / "t.ftc", "--codec", "raw", "--bits", 6,
        "--clip", "sigma:2", *flags, check=EXIT_OK)
    info = info_json(tmp_path / "t.ftc")
    for key in ["format_version", "shape", "dtype", "codec", "quality", "bits", "clip", "clip_lo", "clip_hi",
                "tile_grid", "header_bytes", "payload_bytes", "total_bytes", "bits_per_element", "per_channel",
                "max_error", "plane", "codec_id"]:
        assert key in info, key
    size = (tmp_path / "t.ftc").stat().st_size
    channels, height, width = shape[-3:]
    elements = int(np.prod(shape))
    assert info["format_version"] == 1
    assert info["shape"] == list(shape)
    assert info["dtype"] == "float16"
    assert info["codec"] == "raw" and info["codec_id"] == BACKENDS["raw"][0]
    assert info["quality"] == 0 and info["bits"] == 6 and info["clip"] == "sigma:2" and info["max_error"] == 0
    assert info["per_channel"] is per_channel
    rows, cols = info["tile_grid"]
    assert rows * cols >= channels > (rows - 1) * cols
    assert info["plane"] == [cols * width, rows * height]  # raw aligns to 1
    assert info["total_bytes"] == size == info["header_bytes"] + info["payload_bytes"]
    assert info["payload_bytes"] == (shape[0] if len(shape) == 4 else 1) * cols * width * rows * height
    assert info["bits_per_element"] == pytest.approx(8 * size / elements, rel=1e-12)
    lo, hi = clip_bounds(info)
    if per_channel:
        assert isinstance(info["clip_lo"], list) and len(info["clip_lo"]) == channels == len(info["clip_hi"])
        x = as_f32(array, "f16").astype(np.float64)
        x = x.reshape(-1, channels, height * width).transpose(1, 0, 2).reshape(channels, -1)
        mean, sd = x.mean(axis=1), x.std(axis=1)
        exact_lo = np.maximum(mean - 2 * sd, x.min(axis=1))
        exact_hi = np.minimum(mean + 2 * sd, x.max(axis=1))
        # Per-channel bounds are stored as float16, rounded outwards.
        assert np.all(lo <= exact_lo + 1e-6) and np.all(hi >= exact_hi - 1e-6)
        np.testing.assert_allclose(lo, exact_lo, rtol=2e-3, atol=1e-4)
        np.testing.assert_allclose(hi, exact_hi, rtol=2e-3, atol=1e-4)
    else:
        assert isinstance(info["clip_lo"], float) and isinstance(info["clip_hi"], float)
        x = as_f32(array, "f16")
        mean, sd = float(x.astype(np.float64).mean()), float(x.astype(np.float64).std())
        assert info["clip_lo"] == pytest.approx(max(mean - 2 * sd, float(x.min())), rel=1e-5, abs=1e-6)
        assert info["clip_hi"] == pytest.approx(min(mean + 2 * sd, float(x.max())), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("clip,text", [("minmax", "minmax"), ("range:-1.5,2.25", "range:-1.5,2.25"),
                                       ("sigma:4.5", "sigma:4.5")])
def test_info_clip_text(tmp_path, clip, text):
    run("encode", save(tmp_path / "in.npy", sample((1, 2, 3, 4), "f32")), "-o", tmp_path / "t.ftc", "--codec", "raw",
        "--clip", clip, check=EXIT_OK)
    info = info_json(tmp_path / "t.ftc")
    assert info["clip"] == text
    if clip.startswith("range"):
        assert (info["clip_lo"], info["clip_hi"]) == (-1.5, 2.25)


def test_info_text(tmp_path):
    run("encode", save(tmp_path / "in.npy", sample((2, 37, 5, 9), "f32")), "-o", tmp_path / "t.ftc", "--codec", "raw",
        check=EXIT_OK)
    p = run("info", tmp_path / "t.ftc", check=EXIT_OK)
    text = p.stdout.decode()
    info = info_json(tmp_path / "t.ftc")
    assert "2x37x5x9 float32" in text and "raw" in text and "sigma:3" in text
    assert f"{info['total_bytes']} bytes" in text and f"{info['plane'][0]} x {info['plane'][1]}" in text


# ---------------------------------------------------------------------------------------------------------
# mosaic


def read_png(path):
    """(width, height, pixels) of an 8-bit greyscale, non-interlaced PNG; asserts that it is one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, colour, interlace) == (8, 0, 0), "8-bit greyscale, not interlaced"
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    assert len(raw) == height * (width + 1)
    pixels = np.zeros((height, width), np.uint8)
    prev = np.zeros(width, np.int64)
    for y in range(height):
        kind, line = raw[y * (width + 1)], np.frombuffer(raw, np.uint8, width, y * (width + 1) + 1).astype(np.int64)
        out = np.zeros(width, np.int64)
        for x in range(width):
            a = out[x - 1] if x else 0
            b, c = prev[x], (prev[x - 1] if x else 0)
            if kind == 0:
                predictor = 0
            elif kind == 1:
                predictor = a
            elif kind == 2:
                predictor = b
            elif kind == 3:
                predictor = (a + b) // 2
            else:
                assert kind == 4
                pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[x] = (line[x] + predictor) & 0xFF
        pixels[y], prev = out, out
    return width, height, pixels


@pytest.mark.parametrize("codec", ["raw", "lossless"])
@pytest.mark.parametrize("index", [0, 1])
def test_mosaic_holds_the_levels(tmp_path, codec, index):
    need(codec)
    array = sample((2, 5, 6, 7), "f32", seed=11)
    src = save(tmp_path / "in.npy", array)
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", codec, check=EXIT_OK)
    info = info_json(tmp_path / "t.ftc")
    run("mosaic", tmp_path / "t.ftc", "-o", tmp_path / "from_ftc.png", "--index", index, check=EXIT_OK)
    run("mosaic", src, "-o", tmp_path / "from_npy.png", "--codec", codec, "--index", index, check=EXIT_OK)
    width, height, plane = read_png(tmp_path / "from_ftc.png")
    assert [width, height] == info["plane"]
    assert np.array_equal(plane, read_png(tmp_path / "from_npy.png")[2]), "lossless: decoded plane == coded plane"
    lo, hi = clip_bounds(info)
    _, levels, _ = reconstruct(array[index], lo, hi, info["bits"], False)
    rows, cols = info["tile_grid"]
    for c in range(array.shape[1]):
        r, k = divmod(c, cols)
        tile = plane[r * 6:(r + 1) * 6, k * 7:(k + 1) * 7]
        assert np.array_equal(tile, levels[c]), f"tile of channel {c}"


def test_mosaic_is_detected_by_content(tmp_path):
    src = save(tmp_path / "in.npy", sample((1, 3, 4, 4), "f32"))
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", "raw", check=EXIT_OK)
    (tmp_path / "npy.bin").write_bytes(src.read_bytes())
    (tmp_path / "ftc.npy").write_bytes((tmp_path / "t.ftc").read_bytes())
    run("mosaic", tmp_path / "npy.bin", "-o", tmp_path / "a.png", "--codec", "raw", check=EXIT_OK)
    run("mosaic", tmp_path / "ftc.npy", "-o", tmp_path / "b.png", check=EXIT_OK)
    assert np.array_equal(read_png(tmp_path / "a.png")[2], read_png(tmp_path / "b.png")[2])


@pytest.mark.parametrize("codec", sorted(BACKENDS))
def test_mosaic_plane_is_aligned(tmp_path, codec):
    _, align, caps = BACKENDS[codec]
    if "encode" not in caps:
        pytest.skip(f"{codec} cannot encode")
    src = save(tmp_path / "in.npy", sample((1, 5, 7, 9), "f32"))
    run("encode", src, "-o", tmp_path / "t.ftc", "--codec", codec, check=EXIT_OK)
    run("mosaic", src, "-o", tmp_path / "m.png", "--codec", codec, check=EXIT_OK)
    width, height, _ = read_png(tmp_path / "m.png")
    assert [width, height] == info_json(tmp_path / "t.ftc")["plane"]
    assert width % align == 0 and height % align == 0


# ---------------------------------------------------------------------------------------------------------
# version and help


def test_version_lists_backends():
    out = run("--version", check=EXIT_OK).stdout.decode()
    assert re.match(r"ftc \d+\.\d+\.\d+ \(library \d+\.\d+\.\d+, ABI \d+, container format \d+\)\n", out)
    assert "raw" in BACKENDS and "encode" in BACKENDS["raw"][2] and "lossless" in BACKENDS["raw"][2]
    assert "libpng" in out


@pytest.mark.parametrize("command", ["encode", "decode", "info", "mosaic", "demo"])
def test_command_help(command):
    out = run(command, "--help", check=EXIT_OK).stdout.decode()
    assert out.startswith(f"usage: ftc {command} ")
    assert "exit status" in out and "  2  bad input data" in out
    main = run("--help", check=EXIT_OK).stdout.decode()
    assert f"ftc {command} " in main and "  3  I/O failure" in main


def test_codec_help_lists_built_codecs():
    out = run("encode", "--help", check=EXIT_OK).stdout.decode()
    line = next(l for l in out.splitlines() if "--codec" in l)
    for name, (_, _, caps) in BACKENDS.items():
        assert (name in line) == ("encode" in caps)


def test_demo_runs_every_codec():
    p = run("demo", check=EXIT_OK)
    out = p.stdout.decode()
    assert "1x64x14x14" in out
    table = out[out.index("codec "):].split("\n\n")[0].splitlines()
    names = [line.split()[0] for line in table[1:]]
    assert set(names) == {name for name, (_, _, caps) in BACKENDS.items() if {"encode", "decode"} <= caps}
    for line in table[1:]:
        if line.startswith("raw "):
            assert "inf" not in line
    strip_times = lambda text: re.sub(r"\s+\d+\.\d+\s+\d+\.\d+$", "", text, flags=re.M)
    assert strip_times(run("demo", check=EXIT_OK).stdout.decode()) == strip_times(out), "deterministic"


def test_demo_lossless_rows_are_exact(tmp_path):
    for codec in ("raw", "lossless"):
        if codec not in BACKENDS:
            continue
        # Exactly the 256 levels of [0, 255/16], whose step is 1/16: every value survives quantisation.
        array = (np.arange(256, dtype=np.float32) / 16).reshape(1, 4, 8, 8)
        out = run("demo", save(tmp_path / "in.npy", array), check=EXIT_OK).stdout.decode()
        line = next(l for l in out.splitlines() if l.startswith(codec + " "))
        fields = line.split()
        assert float(fields[6]) == 0 and fields[8] == "inf", line  # max |err|, PSNR


# ---------------------------------------------------------------------------------------------------------
# Errors: the documented exit status, one "ftc: error:" line, and no output file left behind


def assert_error(p, status, *needles):
    lines = p.stderr.decode().splitlines()
    assert p.returncode == status, (p.returncode, lines)
    assert len(lines) == 1 and lines[0].startswith("ftc: error: "), lines
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.fixture
def out_dir(tmp_path):
    """An empty directory for outputs; the test fails if anything is left in it."""
    d = tmp_path / "out"
    d.mkdir()
    yield d
    assert sorted(os.listdir(d)) == [], "no output and no temporary file is left behind"


@pytest.fixture
def good(tmp_path):
    """A valid .npy and the .ftc made from it."""
    src = save(tmp_path / "good.npy", sample((1, 3, 7, 13), "f32"))
    run("encode", src, "-o", tmp_path / "good.ftc", "--codec", "raw", check=EXIT_OK)
    return src, tmp_path / "good.ftc"


@pytest.mark.parametrize("args,needle", [
    (["--bogus"], "unknown flag --bogus"),
    (["--quality", "0"], "--quality"),
    (["--quality", "abc"], "--quality"),
    (["--bits", "9"], "--bits"),
    (["--clip", "sigma:0"], "--clip"),
    (["--clip", "range:2,1"], "--clip"),
    (["--codec", "nosuch"], "nosuch"),
    (["--dtype", "f64"], "--dtype"),
    (["--max-error", "-1"], "--max-error"),
    (["--threads", "x"], "--threads"),
    (["--per-channel=yes"], "--per-channel"),
    (["--options", "nosuchkey=1", "--codec", "raw"], "nosuchkey"),
    (["--bits", "8", "--bits", "7"], "twice"),
    (["--codec"], "needs a value"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else None)
def test_usage_errors(good, out_dir, args, needle):
    line = assert_error(run("encode", good[0], "-o", out_dir / "x.ftc", *args), EXIT_USAGE, needle)
    assert "--help" in line


@pytest.mark.parametrize("argv", [[], ["frobnicate"], ["encode"], ["encode", "in.npy"],
                                  ["decode", "a", "b", "-o", "c"], ["info"], ["mosaic", "x.npy"], ["--nope"]],
                         ids=repr)
def test_command_line_errors(argv):
    assert_error(run(*argv), EXIT_USAGE)


def test_missing_input(out_dir):
    for command, out, flags in (("encode", "x.ftc", ["--codec", "raw"]), ("decode", "x.npy", []),
                                ("mosaic", "x.png", [])):
        assert_error(run(command, out_dir.parent / "missing", "-o", out_dir / out, *flags), EXIT_IO, "missing")
    assert_error(run("info", out_dir.parent / "missing"), EXIT_IO, "missing")


def test_output_directory_missing(good, out_dir):
    src, ftc = good
    assert_error(run("encode", src, "-o", out_dir / "no" / "x.ftc", "--codec", "raw"), EXIT_IO, "cannot create")
    assert_error(run("decode", ftc, "-o", out_dir / "no" / "x.npy"), EXIT_IO, "cannot create")
    assert_error(run("mosaic", ftc, "-o", out_dir / "no" / "x.png"), EXIT_IO, "cannot create")


def test_output_is_a_directory(good, out_dir):
    (out_dir / "d").mkdir()
    assert_error(run("decode", good[1], "-o", out_dir / "d"), EXIT_IO)
    (out_dir / "d").rmdir()


def test_failure_keeps_an_existing_output(good, tmp_path):
    target = tmp_path / "keep.ftc"
    target.write_bytes(b"precious")
    (tmp_path / "nan.npy").write_bytes(npy_bytes("<f4", (1, 1, 1, 2), np.array([1, np.nan], np.float32).tobytes()))
    assert_error(run("encode", tmp_path / "nan.npy", "-o", target, "--codec", "raw"), EXIT_DATA)
    assert target.read_bytes() == b"precious"


BAD_NPY = {
    "fortran order": (npy_bytes("<f4", (1, 2, 3, 4), bytes(96), fortran=True), "Fortran"),
    "big-endian": (npy_bytes(">f4", (1, 2, 3, 4), bytes(96)), "big-endian"),
    "float64": (npy_bytes("<f8", (1, 2, 3, 4), bytes(192)), "<f8"),
    "int8": (npy_bytes("|i1", (1, 2, 3, 4), bytes(24)), "|i1"),
    "uint16 without --dtype bf16": (npy_bytes("<u2", (1, 2, 3, 4), bytes(48)), "--dtype bf16"),
    "structured": (raw_npy(b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1, 1, 1, 1), }\n",
                           bytes(4)), "structured"),
    "rank 2": (npy_bytes("<f4", (3, 4), bytes(48)), "C×H×W or N×C×H×W"),
    "rank 5": (npy_bytes("<f4", (1, 1, 2, 3, 4), bytes(96)), "C×H×W or N×C×H×W"),
    "0-d": (npy_bytes("<f4", (), bytes(4)), "C×H×W or N×C×H×W"),
    "empty": (npy_bytes("<f4", (1, 0, 3, 4)), "empty"),
    "short data": (npy_bytes("<f4", (1, 2, 3, 4), bytes(95)), "truncated"),
    "extra data": (npy_bytes("<f4", (1, 2, 3, 4), bytes(100)), "after"),
    "version 4.0": (npy_bytes("<f4", (1, 2, 3, 4), bytes(96))[:6] + b"\x04\x00" +
                    npy_bytes("<f4", (1, 2, 3, 4), bytes(96))[8:], "version 4.0"),
    "unterminated header": (raw_npy(b"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), \n", bytes(4)),
                            "header"),
    "header without shape": (raw_npy(b"{'descr': '<f4', 'fortran_order': False}\n", bytes(4)), "header"),
    "unknown key": (raw_npy(b"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1), 'x': 1}\n", bytes(4)),
                    "header"),
    "negative dimension": (raw_npy(b"{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1, 1, 1), }\n",
                                   bytes(4)), "header"),
    "huge header length": (b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{}", "header"),
    "huge shape": (npy_bytes("<f4", (1, 2**40, 2**30, 2**20), bytes(16)), "large"),
    "not npy": (b"hello world, not an array", "not a .npy"),
    "NaN": (npy_bytes("<f4", (1, 1, 2, 2), np.array([0, 1, np.nan, 2], np.float32).tobytes()), "NaN"),
    "Inf in float16": (npy_bytes("<f2", (1, 2, 1, 1), np.array([0, np.inf], np.float16).tobytes()), "Inf"),
}


@pytest.mark.parametrize("case", sorted(BAD_NPY))
def test_bad_npy(tmp_path, out_dir, case):
    data, needle = BAD_NPY[case]
    src = tmp_path / "bad.npy"
    src.write_bytes(data)
    assert_error(run("encode", src, "-o", out_dir / "x.ftc", "--codec", "raw"), EXIT_DATA, needle)
    assert_error(run("mosaic", src, "-o", out_dir / "x.png", "--codec", "raw"), EXIT_DATA)


def test_object_array(tmp_path, out_dir):
    np.save(tmp_path / "obj.npy", np.array([[[[1, "a"]]]], dtype=object), allow_pickle=True)
    assert_error(run("encode", tmp_path / "obj.npy", "-o", out_dir / "x.ftc", "--codec", "raw"), EXIT_DATA, "object")


def test_dtype_flag_must_match(tmp_path, out_dir):
    src = save(tmp_path / "in.npy", sample((1, 2, 3, 4), "f32"))
    assert_error(run("encode", src, "-o", out_dir / "x.ftc", "--codec", "raw", "--dtype", "f16"), EXIT_DATA, "--dtype")


def test_truncated_npy_every_length(good, tmp_path, out_dir):
    data = good[0].read_bytes()
    for n in list(range(0, 140)) + [len(data) - 1]:
        (tmp_path / "cut.npy").write_bytes(data[:n])
        assert_error(run("encode", tmp_path / "cut.npy", "-o", out_dir / "x.ftc", "--codec", "raw"), EXIT_DATA)


def ftc_commands(path, out_dir):
    return [("decode", path, "-o", out_dir / "x.npy"), ("info", path), ("info", path, "--json"),
            ("mosaic", path, "-o", out_dir / "x.png")]


def test_truncated_ftc_every_length(good, tmp_path, out_dir):
    data = good[1].read_bytes()
    for n in range(len(data)):
        (tmp_path / "cut.ftc").write_bytes(data[:n])
        for args in ftc_commands(tmp_path / "cut.ftc", out_dir):
            assert_error(run(*args), EXIT_DATA)


def test_flipped_byte_anywhere(good, tmp_path, out_dir):
    data = good[1].read_bytes()
    for i in range(len(data)):
        for bit in (0x01, 0x80):
            damaged = bytearray(data)
            damaged[i] ^= bit
            (tmp_path / "bad.ftc").write_bytes(bytes(damaged))
            assert_error(run("decode", tmp_path / "bad.ftc", "-o", out_dir / "x.npy"), EXIT_DATA)
    damaged = bytearray(data)
    damaged[-10] ^= 0x20  # inside the payload: only the checksum can tell
    (tmp_path / "bad.ftc").write_bytes(bytes(damaged))
    for args in ftc_commands(tmp_path / "bad.ftc", out_dir):
        assert_error(run(*args), EXIT_DATA, "checksum")


def test_trailing_garbage(good, tmp_path, out_dir):
    (tmp_path / "long.ftc").write_bytes(good[1].read_bytes() + b"garbage")
    for args in ftc_commands(tmp_path / "long.ftc", out_dir):
        assert_error(run(*args), EXIT_DATA, "trailing")


def test_unknown_format_version(good, tmp_path, out_dir):
    data = bytearray(good[1].read_bytes())
    assert crc32c(data[:-4]) == struct.unpack("<I", data[-4:])[0], "the container's checksum is CRC-32C"
    data[3] = 0x7F  # the version byte follows the magic "FTC"
    data[-4:] = struct.pack("<I", crc32c(data[:-4]))
    (tmp_path / "future.ftc").write_bytes(bytes(data))
    for args in ftc_commands(tmp_path / "future.ftc", out_dir):
        assert_error(run(*args), EXIT_DATA, "version 127")


def test_not_an_ftc_file(good, out_dir):
    assert_error(run("decode", good[0], "-o", out_dir / "x.npy"), EXIT_DATA, "magic")
    assert_error(run("info", good[0]), EXIT_DATA, "magic")


def test_mosaic_errors(good, out_dir):
    src, ftc = good
    assert_error(run("mosaic", ftc, "-o", out_dir / "x.png", "--codec", "raw"), EXIT_USAGE, ".npy")
    assert_error(run("mosaic", ftc, "-o", out_dir / "x.png", "--index", 1), EXIT_USAGE, "--index 1")
    assert_error(run("mosaic", src, "-o", out_dir / "x.png", "--codec", "raw", "--index", 1), EXIT_USAGE, "--index")
    (out_dir.parent / "junk.bin").write_bytes(b"neither kind of file")
    assert_error(run("mosaic", out_dir.parent / "junk.bin", "-o", out_dir / "x.png"), EXIT_DATA, "neither")


def test_signal_removes_the_temporary(good, out_dir):
    """SIGTERM while the tool waits for its input: the temporary output it already created goes away."""
    data = good[0].read_bytes()
    p = subprocess.Popen([FTC, "encode", "-", "-o", str(out_dir / "x.ftc"), "--codec", "raw"], stdin=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdin.write(data[:50])
    p.stdin.flush()
    deadline = time.monotonic() + 10
    while not os.listdir(out_dir) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert os.listdir(out_dir), "the temporary output exists while the input is read"
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=10)
    p.stdin.close()
    p.stderr.close()
    assert p.returncode == -signal.SIGTERM
