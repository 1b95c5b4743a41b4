"""Tests of `ftc bench`, run by ctest (tests/cli/CMakeLists.txt) with FTC_CLI naming the binary.

They check what the command reports, never how fast anything is: the JSON keys, bytes equal to what
`ftc encode` writes with the same settings, bits per element from those bytes, a backend share in (0, 1], one
result per setting, and that bad input is a usage or data error.
"""
import json
import os
import re
import subprocess

import numpy as np
import pytest

FTC = os.environ.get("FTC_CLI", "")
if not FTC or not os.path.exists(FTC):
    pytest.exit("set FTC_CLI to the ftc binary (ctest does)", returncode=4)

EXIT_OK, EXIT_USAGE, EXIT_DATA, EXIT_IO = 0, 1, 2, 3
RESULT_KEYS = {"codec", "encoder", "setting", "quality", "bits", "bytes", "bits_per_element", "bands", "ratio",
               "encode_ms", "decode_ms", "encode_mb_s", "decode_mb_s", "backend_share", "encode_backend_share",
               "decode_backend_share", "runs"}


def run(*args, check=None):
    p = subprocess.run([FTC, *map(str, args)], capture_output=True, timeout=300)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stderr.decode())
    return p


def bench(*args):
    return json.loads(run("bench", "--json", "-r", 2, "--warmup", 1, *args, check=EXIT_OK).stdout)


BUILT = set(re.findall(r"^  (\S+)\s+id \d+", run("--version", check=EXIT_OK).stdout.decode(), re.M))


def need(codec):
    if codec not in BUILT:
        pytest.skip(f"codec {codec} is not built")


@pytest.fixture
def tensor(tmp_path):
    rng = np.random.default_rng(3)
    x = np.maximum(rng.standard_normal((2, 16, 12, 12)) * 1.5 + 0.2, 0).astype(np.float32)
    path = tmp_path / "x.npy"
    np.save(path, x)
    return path, x


def encoded_size(tmp_path, src, *flags):
    out = tmp_path / "e.ftc"
    run("encode", src, "-o", out, *flags, check=EXIT_OK)
    return out.stat().st_size


def check_result(r, elements):
    assert RESULT_KEYS <= set(r)
    assert r["bits_per_element"] == pytest.approx(8 * r["bytes"] / elements, rel=1e-12)
    assert 0 < r["backend_share"] <= 1
    assert 0 < r["encode_backend_share"] <= 1 and 0 < r["decode_backend_share"] <= 1
    assert r["encode_ms"] > 0 and r["decode_ms"] > 0 and r["encode_mb_s"] > 0 and r["decode_mb_s"] > 0
    assert r["runs"] == 2
    assert r["bands"] == 1  # the test tensors are small planes


@pytest.mark.parametrize("flags", [["--codec", "jpeg", "--quality", "50", "--bits", "6", "--clip", "minmax"],
                                   ["--codec", "jpeg", "--options", "huffman=standard", "--per-channel"],
                                   ["--codec", "lossless", "--max-error", "1"],
                                   ["--codec", "raw", "--bits", "3"]])
def test_one_setting_matches_encode(tmp_path, tensor, flags):
    need(flags[1])
    path, x = tensor
    out = bench(path, *flags)
    assert len(out["results"]) == 1
    check_result(out, x.size)
    assert {k: out[k] for k in RESULT_KEYS} == out["results"][0]  # the one result is also at the top level
    assert out["bytes"] == encoded_size(tmp_path, path, *flags)
    assert out["input"]["shape"] == list(x.shape) and out["input"]["elements"] == x.size
    assert out["input"]["bytes"] == x.nbytes and out["input"]["dtype"] == "float32"
    assert out["ratio"] == pytest.approx(x.nbytes / out["bytes"], rel=1e-5)


def test_video_codec_matches_encode(tmp_path, tensor):
    need("h264")
    path, x = tensor
    out = bench(path, "--codec", "h264", "--quality", "70")
    check_result(out, x.size)
    assert out["bytes"] == encoded_size(tmp_path, path, "--codec", "h264", "--quality", "70")


def test_lists_run_every_combination(tmp_path, tensor):
    need("jpeg")
    need("raw")
    path, x = tensor
    out = bench(path, "--codec", "jpeg,raw", "--quality", "30,80", "--bits", "8,4")
    # jpeg at 2 qualities x 2 bit depths; raw has no quality: once per bit depth.
    got = [(r["codec"], r["quality"], r["bits"]) for r in out["results"]]
    assert got == [("jpeg", 30, 8), ("jpeg", 80, 8), ("jpeg", 30, 4), ("jpeg", 80, 4), ("raw", None, 8),
                   ("raw", None, 4)]
    assert "bytes" not in out  # several results: none at the top level
    for r in out["results"]:
        check_result(r, x.size)
        flags = ["--codec", r["codec"], "--bits", str(r["bits"])]
        if r["quality"]:
            flags += ["--quality", str(r["quality"])]
        assert r["bytes"] == encoded_size(tmp_path, path, *flags)


@pytest.mark.parametrize("dist", ["features", "relu", "normal", "uniform"])
def test_synthetic_input(dist):
    need("jpeg")
    out = bench("--shape", "2x8x16x16", "--dist", dist, "--seed", 7)
    assert out["input"]["shape"] == [2, 8, 16, 16] and out["input"]["elements"] == 4096
    assert dist in out["input"]["source"]
    check_result(out, 4096)
    again = bench("--shape", "2x8x16x16", "--dist", dist, "--seed", 7)
    assert again["bytes"] == out["bytes"]  # the same seed gives the same tensor


def test_default_input_and_table():
    need("jpeg")
    text = run("bench", "-r", 1, "--warmup", 0, check=EXIT_OK).stdout.decode()
    assert "1x128x28x28 float32" in text and re.search(r"^jpeg libjpeg-turbo\s+q90 8b\s+\d+", text, re.M)


def test_min_time_runs_at_least_repeats(tensor):
    need("raw")
    path, _ = tensor
    out = json.loads(run("bench", path, "--codec", "raw", "--json", "-r", 3, "--min-time", "0.05",
                         check=EXIT_OK).stdout)
    assert out["runs"] >= 3


@pytest.mark.parametrize("args", [["--shape", "1x0x4x4"], ["--shape", "4x4"], ["--shape", "1x2x3x4x5"],
                                  ["--shape", "axb"], ["--shape", "1x16777217x1x1"], ["--dist", "cauchy"],
                                  ["--repeats", "0"], ["--warmup", "-1"], ["--min-time", "-1"],
                                  ["--min-time", "soon"], ["--codec", "bogus"], ["--codec", "jpeg,"],
                                  ["--quality", "101"], ["--quality", "50,,90"], ["--bits", "9"],
                                  ["--options", "huffman=fastest"], ["--threads", "-2"], ["--bogus"]])
def test_usage_errors(args):
    p = run("bench", *args)
    assert p.returncode == EXIT_USAGE, (args, p.stderr.decode())
    assert p.stderr.decode().startswith("ftc: error:") and p.stdout == b""


def test_input_errors(tmp_path, tensor):
    path, _ = tensor
    assert run("bench", path, "--shape", "1x2x8x8").returncode == EXIT_USAGE  # a file or a synthetic tensor
    assert run("bench", "--dtype", "f16").returncode == EXIT_USAGE  # --dtype needs a file
    assert run("bench", tmp_path / "missing.npy").returncode == EXIT_IO
    bad = tmp_path / "bad.npy"
    bad.write_bytes(b"\x93NUMPY not really")
    p = run("bench", bad)
    assert p.returncode == EXIT_DATA and p.stdout == b""
    nan = tmp_path / "nan.npy"
    np.save(nan, np.full((4, 8, 8), np.nan, np.float32))
    assert run("bench", nan).returncode == EXIT_DATA
