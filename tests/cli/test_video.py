"""Tests of `ftc` with the video codecs (h264, hevc): sequences as streams, encoder and decoder choice, lossless,
the byte budget, key frames and the stream's clip range, and the errors. Run by ctest like test_cli.py, whose
helpers they share; a test is skipped only for a codec or implementation that `ftc --version` does not list.
"""
import re

import numpy as np
import pytest

from test_cli import EXIT_DATA, EXIT_OK, EXIT_USAGE, assert_error, info_json, out_dir, run, save  # noqa: F401


def implementations():
    """(codec, implementation) -> capabilities, from `ftc --version`."""
    out = run("--version", check=EXIT_OK).stdout.decode()
    found = {}
    for m in re.finditer(r"^  (\S+)\s+id \d+\s+align \d+\s+(\S+)\s+(\S+)", out, re.M):
        found[(m.group(1), m.group(3))] = set(m.group(2).split(","))
    return found


IMPLEMENTATIONS = implementations()
ENCODERS = [("h264", "x264"), ("h264", "openh264"), ("hevc", "x265")]


def need(codec, implementation, capability):
    if capability not in IMPLEMENTATIONS.get((codec, implementation), set()):
        pytest.skip(f"{codec} is not {capability}d by {implementation} in this build")


def need_codec(codec):
    caps = set()
    for (name, _), found in IMPLEMENTATIONS.items():
        if name == codec:
            caps |= found
    if not {"encode", "decode"} <= caps:
        pytest.skip(f"{codec} cannot be encoded and decoded in this build")


def sequence(frames=12, channels=16, size=14, dtype=np.float32):
    """Post-ReLU features of a scene that pans slowly: frame t is shifted by 0.35 t feature pixels."""
    rng = np.random.default_rng(3)
    phase = rng.uniform(0, 6.28, (channels, 2))
    y, x = np.mgrid[0:size, 0:size].astype(np.float32)
    out = np.empty((frames, channels, size, size), np.float32)
    for t in range(frames):
        for c in range(channels):
            out[t, c] = 1.5 * np.sin(0.45 * (x + 0.35 * t) + phase[c, 0]) * np.cos(0.38 * y + phase[c, 1]) - 0.2
    return np.maximum(out, 0).astype(dtype)


@pytest.mark.parametrize("codec,encoder", ENCODERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_sequence_comes_back_with_shape_and_dtype(tmp_path, codec, encoder, dtype):
    need(codec, encoder, "encode")
    need_codec(codec)
    array = sequence(dtype=dtype)
    src = save(tmp_path / "seq.npy", array)
    run("encode", src, "-o", tmp_path / "s.ftc", "--codec", codec, "--encoder", encoder, check=EXIT_OK)
    run("decode", tmp_path / "s.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    out = np.load(tmp_path / "out.npy")
    assert out.shape == array.shape and out.dtype == array.dtype
    info = info_json(tmp_path / "s.ftc")
    assert info["format_version"] == 2 and info["codec"] == codec
    assert info["frames"] == 12 and info["key_frames"] == 1 and info["gop"] == 30
    lo, hi = info["clip_lo"], info["clip_hi"]
    rmse = float(np.sqrt(np.mean((out.astype(np.float64) - array) ** 2)))
    assert rmse < 0.02 * (hi - lo), "quality 90 (the default) keeps the error small"


def test_single_frame_keeps_rank_three(tmp_path):
    need_codec("h264")
    array = sequence(frames=1)[0]
    run("encode", save(tmp_path / "f.npy", array), "-o", tmp_path / "f.ftc", "--codec", "h264", check=EXIT_OK)
    run("decode", tmp_path / "f.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    assert np.load(tmp_path / "out.npy").shape == array.shape


def test_decoders_of_one_stream_agree(tmp_path):
    need("h264", "avcodec", "decode")
    need("h264", "openh264", "decode")
    for encoder in ("x264", "openh264"):
        if "encode" not in IMPLEMENTATIONS.get(("h264", encoder), set()):
            continue
        run("encode", save(tmp_path / "seq.npy", sequence()), "-o", tmp_path / "s.ftc", "--codec", "h264",
            "--encoder", encoder, "--gop", 5, check=EXIT_OK)
        outputs = []
        for decoder in ("avcodec", "openh264"):
            run("decode", tmp_path / "s.ftc", "-o", tmp_path / f"{decoder}.npy", "--decoder", decoder, check=EXIT_OK)
            outputs.append((tmp_path / f"{decoder}.npy").read_bytes())
        assert outputs[0] == outputs[1], encoder


@pytest.mark.parametrize("codec,encoder", [("h264", "x264"), ("hevc", "x265")])
def test_lossless_is_bit_exact(tmp_path, codec, encoder):
    need(codec, encoder, "encode")
    need_codec(codec)
    src = save(tmp_path / "seq.npy", sequence(frames=6))
    run("encode", src, "-o", tmp_path / "v.ftc", "--codec", codec, "--lossless", check=EXIT_OK)
    run("encode", src, "-o", tmp_path / "r.ftc", "--codec", "raw", check=EXIT_OK)
    run("decode", tmp_path / "v.ftc", "-o", tmp_path / "v.npy", check=EXIT_OK)
    run("decode", tmp_path / "r.ftc", "-o", tmp_path / "r.npy", check=EXIT_OK)
    assert (tmp_path / "v.npy").read_bytes() == (tmp_path / "r.npy").read_bytes()


@pytest.mark.parametrize("codec", ["jpeg", "h264", "hevc"])
def test_target_bytes_is_honoured(tmp_path, codec):
    need_codec(codec)
    array = sequence(frames=4)
    src = save(tmp_path / "seq.npy", array)
    budget = 250
    p = run("encode", src, "-o", tmp_path / "t.ftc", "--codec", codec, "--target-bytes", budget, "-v", check=EXIT_OK)
    size = (tmp_path / "t.ftc").stat().st_size
    assert size <= budget * 4
    quality = info_json(tmp_path / "t.ftc")["quality"]
    assert f"quality {quality}" in p.stderr.decode()
    run("decode", tmp_path / "t.ftc", "-o", tmp_path / "out.npy", check=EXIT_OK)
    assert np.load(tmp_path / "out.npy").shape == array.shape


@pytest.mark.parametrize("codec", ["jpeg", "h264", "hevc"])
def test_target_bytes_that_cannot_be_met(tmp_path, out_dir, codec):
    need_codec(codec)
    src = save(tmp_path / "seq.npy", sequence(frames=3))
    assert_error(run("encode", src, "-o", out_dir / "t.ftc", "--codec", codec, "--target-bytes", 5), EXIT_DATA,
                 "cannot be met")


def test_gop_and_stream_info(tmp_path):
    need_codec("h264")
    run("encode", save(tmp_path / "seq.npy", sequence(frames=10)), "-o", tmp_path / "s.ftc", "--codec", "h264",
        "--gop", 4, check=EXIT_OK)
    info = info_json(tmp_path / "s.ftc")
    assert (info["frames"], info["key_frames"], info["gop"]) == (10, 3, 4)
    text = run("info", tmp_path / "s.ftc", check=EXIT_OK).stdout.decode()
    assert "10 frames, 3 key frames, key-frame interval 4" in text


def test_inter_prediction_beats_intra(tmp_path):
    need_codec("h264")
    src = save(tmp_path / "seq.npy", sequence(frames=30))
    run("encode", src, "-o", tmp_path / "inter.ftc", "--codec", "h264", "--quality", 50, check=EXIT_OK)
    run("encode", src, "-o", tmp_path / "intra.ftc", "--codec", "h264", "--quality", 50, "--gop", 1, check=EXIT_OK)
    assert (tmp_path / "inter.ftc").stat().st_size < 0.6 * (tmp_path / "intra.ftc").stat().st_size


def test_stream_range_modes(tmp_path):
    need_codec("h264")
    array = sequence(frames=6)
    array[3:] *= 2  # the scene gets brighter half way
    src = save(tmp_path / "seq.npy", array)
    common = ["--codec", "h264", "--gop", 3, "--clip", "minmax"]

    run("encode", src, "-o", tmp_path / "batch.ftc", *common, check=EXIT_OK)
    assert info_json(tmp_path / "batch.ftc")["clip_hi"] == pytest.approx(float(array.max()))

    run("encode", src, "-o", tmp_path / "first.ftc", *common, "--stream-range", "first", check=EXIT_OK)
    assert info_json(tmp_path / "first.ftc")["clip_hi"] == pytest.approx(float(array[0].max()))
    run("decode", tmp_path / "first.ftc", "-o", tmp_path / "first.npy", check=EXIT_OK)
    assert np.load(tmp_path / "first.npy").max() <= array[0].max() * 1.0001, "later frames clipped to the first's"

    run("encode", src, "-o", tmp_path / "key.ftc", *common, "--stream-range", "keyframe", check=EXIT_OK)
    assert info_json(tmp_path / "key.ftc")["ranges_per_key_frame"] is True
    run("decode", tmp_path / "key.ftc", "-o", tmp_path / "key.npy", check=EXIT_OK)
    assert np.load(tmp_path / "key.npy")[3:].max() == pytest.approx(float(array[3:].max()), rel=0.05)

    run("encode", src, "-o", tmp_path / "fixed.ftc", "--codec", "h264", "--clip", "range:0,5", "--stream-range",
        "fixed", check=EXIT_OK)
    info = info_json(tmp_path / "fixed.ftc")
    assert (info["clip_lo"], info["clip_hi"]) == (0.0, 5.0)

    calibration = save(tmp_path / "calibration.npy", sequence(frames=2) * 3)
    run("encode", src, "-o", tmp_path / "cal.ftc", *common, "--calibration", calibration, check=EXIT_OK)
    assert info_json(tmp_path / "cal.ftc")["clip_hi"] == pytest.approx(float(np.load(calibration).max()))


@pytest.mark.parametrize("args,needle", [
    (["--codec", "jpeg", "--gop", "5"], "video codecs"),
    (["--codec", "raw", "--stream-range", "first"], "video codecs"),
    (["--codec", "h264", "--stream-range", "sometimes"], "--stream-range"),
    (["--codec", "h264", "--stream-range", "fixed"], "calibration"),
    (["--codec", "h264", "--stream-range", "first", "--calibration", "x.npy"], "--calibration"),
    (["--codec", "h264", "--gop", "0"], "--gop"),
    (["--codec", "h264", "--encoder", "nosuch"], "nosuch"),
    (["--encoder", "x264"], "jpeg"),
    (["--codec", "h264", "--encoder", "openh264", "--lossless"], "lossless"),
    (["--codec", "jpeg", "--lossless"], "lossless"),
    (["--codec", "h264", "--options", "preset=bogus"], "preset"),
    (["--codec", "raw", "--target-bytes", "100"], "target_bytes"),
    (["--codec", "h264", "--target-bytes", "0"], "--target-bytes"),
], ids=lambda a: " ".join(a) if isinstance(a, list) else None)
def test_usage_errors(tmp_path, out_dir, args, needle):
    need_codec("h264")
    if "openh264" in args and "encode" not in IMPLEMENTATIONS.get(("h264", "openh264"), set()):
        pytest.skip("openh264 is not built")
    src = save(tmp_path / "seq.npy", sequence(frames=2))
    assert_error(run("encode", src, "-o", out_dir / "x.ftc", *args), EXIT_USAGE, needle)


def test_decoder_flag_errors(tmp_path, out_dir):
    need_codec("hevc")
    run("encode", save(tmp_path / "seq.npy", sequence(frames=2)), "-o", tmp_path / "s.ftc", "--codec", "hevc",
        check=EXIT_OK)
    assert_error(run("decode", tmp_path / "s.ftc", "-o", out_dir / "x.npy", "--decoder", "nosuch"), EXIT_USAGE,
                 "nosuch")
    if "decode" in IMPLEMENTATIONS.get(("h264", "openh264"), set()):
        assert_error(run("decode", tmp_path / "s.ftc", "-o", out_dir / "x.npy", "--decoder", "openh264"), EXIT_DATA,
                     "openh264")


def test_options_reach_the_encoder(tmp_path):
    need("h264", "x264", "encode")
    need_codec("h264")
    src = save(tmp_path / "seq.npy", sequence(frames=4))
    run("encode", src, "-o", tmp_path / "fast.ftc", "--codec", "h264", "--encoder", "x264", "--options",
        "preset=ultrafast", check=EXIT_OK)
    run("encode", src, "-o", tmp_path / "slow.ftc", "--codec", "h264", "--encoder", "x264", "--options",
        "preset=veryslow", check=EXIT_OK)
    assert (tmp_path / "fast.ftc").read_bytes() != (tmp_path / "slow.ftc").read_bytes()


def test_damaged_stream_files_are_rejected(tmp_path, out_dir):
    need_codec("h264")
    run("encode", save(tmp_path / "seq.npy", sequence(frames=3, channels=4, size=8)), "-o", tmp_path / "s.ftc",
        "--codec", "h264", "--gop", 2, check=EXIT_OK)
    data = (tmp_path / "s.ftc").read_bytes()
    for i in range(0, len(data), 3):
        damaged = bytearray(data)
        damaged[i] ^= 0x41
        (tmp_path / "bad.ftc").write_bytes(bytes(damaged))
        assert_error(run("decode", tmp_path / "bad.ftc", "-o", out_dir / "x.npy"), EXIT_DATA)
    (tmp_path / "cut.ftc").write_bytes(data[:-1])
    assert_error(run("decode", tmp_path / "cut.ftc", "-o", out_dir / "x.npy"), EXIT_DATA, "truncated")


def test_mosaic_of_a_stream_frame(tmp_path):
    need_codec("h264")
    src = save(tmp_path / "seq.npy", sequence(frames=5))
    run("encode", src, "-o", tmp_path / "s.ftc", "--codec", "h264", "--lossless", "--gop", 2, check=EXIT_OK)
    run("mosaic", tmp_path / "s.ftc", "-o", tmp_path / "a.png", "--index", 3, check=EXIT_OK)
    run("mosaic", src, "-o", tmp_path / "b.png", "--codec", "h264", "--lossless", "--index", 3, check=EXIT_OK)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
