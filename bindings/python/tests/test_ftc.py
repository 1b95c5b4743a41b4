"""Tests of the Python module ftc (bindings/python), run by ctest with PYTHONPATH=<build>/python."""
import re
import threading

import numpy as np
import pytest

import ftc

CHECKSUM, TRUNCATED, INVALID_ARGUMENT = 5, 4, 1


def features(shape, seed=1, dtype=np.float32):
    """A post-ReLU-like activation: smooth per-channel patterns, about a third of the values zero."""
    rng = np.random.default_rng(seed)
    n, c, h, w = shape if len(shape) == 4 else (1, *shape)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([np.sin(0.4 * (k + 1) * y / h * np.pi) + np.cos(0.3 * x + k) for k in range(c)])
    out = np.maximum(0, base[None] + 0.3 * rng.standard_normal((n, c, h, w)) + 0.3)
    return out.reshape(shape).astype(dtype)


def codecs_with(*capabilities):
    """Codec names that some built implementation encodes and some decodes, with every capability asked."""
    encode, decode = set(), set()
    for b in ftc.backends():
        if all(c in b["capabilities"] for c in capabilities):
            if "encode" in b["capabilities"]:
                encode.add(b["name"])
        if "decode" in b["capabilities"]:
            decode.add(b["name"])
    return sorted(encode & decode)


CODECS = codecs_with()
EXACT = codecs_with("lossless")


def step(x):
    return (float(x.max()) - float(x.min())) / 255


def test_version_and_backends():
    assert re.fullmatch(r"\d+\.\d+\.\d+", ftc.__version__)
    assert ftc.abi_version >= 2 and ftc.format_version >= 2
    names = [b["name"] for b in ftc.backends()]
    assert "raw" in names
    for b in ftc.backends():
        assert set(b) == {"name", "id", "implementation", "library", "description", "block_align", "capabilities"}
    assert ftc.cpu_level() in {"scalar", "sse4", "avx2", "avx512", "neon"}


@pytest.mark.parametrize("codec", CODECS)
def test_round_trip_every_codec(codec):
    x = features((2, 8, 12, 10))
    data = ftc.encode(x, codec=codec, clip="minmax", quality=95)
    assert isinstance(data, bytes)
    y = ftc.decode(data)
    assert y.dtype == np.float32 and y.shape == x.shape
    err = np.abs(y - x).max()
    # Exact codecs keep the 8-bit levels: half a quantisation step. Lossy ones at quality 95 stay within a few.
    assert err <= (0.5001 if codec in EXACT else 12) * step(x), err


@pytest.mark.parametrize("codec", EXACT)
def test_exact_codecs_give_the_same_values(codec):
    x = features((16, 9, 7))
    assert np.array_equal(ftc.decode(ftc.encode(x, codec=codec)), ftc.decode(ftc.encode(x, codec="raw")))


def test_float16_and_rank3_are_preserved():
    x = features((8, 6, 6), dtype=np.float16)
    y = ftc.decode(ftc.encode(x, codec="raw", clip="minmax"))
    assert y.dtype == np.float16 and y.shape == (8, 6, 6)
    assert np.abs(y.astype(np.float32) - x.astype(np.float32)).max() <= 0.5001 * step(x) + 2e-3


def test_bfloat16_goes_in_as_uint16_bits():
    x = features((4, 8, 8))
    bits = (x.view(np.uint32) >> 16).astype(np.uint16)  # truncation is a valid bfloat16 value
    data = ftc.encode(bits, dtype="bfloat16", codec="raw", clip="minmax")
    assert ftc.info(data)["dtype"] == "bfloat16"
    as_float = ftc.decode(data)
    raw = ftc.decode(data, bfloat16="uint16")
    assert as_float.dtype == np.float32 and raw.dtype == np.uint16
    assert np.array_equal((raw.astype(np.uint32) << 16).view(np.float32), as_float)
    reference = (bits.astype(np.uint32) << 16).view(np.float32)
    assert np.abs(as_float - reference).max() <= 0.5001 * step(reference) + 2e-2


def test_non_contiguous_input_is_read_like_its_copy():
    x = features((2, 8, 12, 12))
    view = x[:, ::2, :, 1:]
    assert not view.flags.c_contiguous
    assert ftc.encode(view, codec="raw") == ftc.encode(np.ascontiguousarray(view), codec="raw")


def test_decoded_array_owns_the_library_buffer():
    x = features((4, 5, 5))
    y = ftc.decode(ftc.encode(x, codec="raw"))
    assert y.flags.writeable and y.flags.c_contiguous and y.base is not None
    y[...] = 0  # the memory is the array's to change
    assert not y.any()


def test_info_keys_and_values():
    x = features((2, 4, 6, 6))
    data = ftc.encode(x, codec="raw", bits=6, clip="sigma:2.5", per_channel=True)
    info = ftc.info(data)
    assert set(info) == {
        "format_version", "shape", "dtype", "codec", "codec_id", "quality", "bits", "clip", "per_channel",
        "clip_lo", "clip_hi", "max_error", "tile_grid", "plane", "bands", "elements", "header_bytes", "payload_bytes",
        "total_bytes", "bits_per_element", "frames", "key_frames", "gop", "ranges_per_key_frame"}
    assert info["shape"] == (2, 4, 6, 6) and info["dtype"] == "float32" and info["codec"] == "raw"
    assert info["bits"] == 6 and info["clip"] == "sigma:2.5" and info["per_channel"]
    assert len(info["clip_lo"]) == 4 and all(lo < hi for lo, hi in zip(info["clip_lo"], info["clip_hi"]))
    assert info["total_bytes"] == len(data) == info["header_bytes"] + info["payload_bytes"]
    assert info["elements"] == x.size and info["frames"] == 2


def test_corrupt_bytes_raise_ftc_error_with_the_library_message():
    data = bytearray(ftc.encode(features((4, 6, 6)), codec="raw"))
    data[len(data) // 2] ^= 0x5A
    with pytest.raises(ftc.Error) as flipped:
        ftc.decode(bytes(data))
    assert flipped.value.code == CHECKSUM and flipped.value.reason == "checksum mismatch"
    assert "checksum" in str(flipped.value).lower() or "crc" in str(flipped.value).lower()
    assert isinstance(flipped.value, ValueError)
    with pytest.raises(ftc.Error) as truncated:
        ftc.info(bytes(data[:-5]))
    assert truncated.value.code == TRUNCATED and str(truncated.value)
    with pytest.raises(ftc.Error, match="."):
        ftc.decode(b"not an ftc file at all")
    with pytest.raises(TypeError):
        ftc.decode("a str is not bytes")


def test_bad_settings_and_arrays_are_clear_errors():
    x = features((4, 6, 6))
    with pytest.raises(ftc.Error, match="bits") as e:
        ftc.encode(x, bits=9)
    assert e.value.code == INVALID_ARGUMENT
    with pytest.raises(ftc.Error, match="clip"):
        ftc.encode(x, clip="sigma")
    with pytest.raises(ftc.Error, match="astype"):
        ftc.encode(x.astype(np.float64))
    with pytest.raises(ftc.Error, match="rank 3 or 4"):
        ftc.encode(x[0])
    with pytest.raises(TypeError, match="unexpected keyword argument 'qualiti'"):
        ftc.encode(x, qualiti=50)
    with pytest.raises(TypeError, match="quality must be an int"):
        ftc.encode(x, quality="high")
    with pytest.raises(ftc.Error):
        ftc.encode(x, codec="no-such-codec")
    with pytest.raises(ftc.Error, match="option"):
        ftc.encode(x, codec="jpeg" if "jpeg" in CODECS else "raw", options={"no_such_option": 1})


def test_settings_reach_the_library():
    x = features((2, 8, 8, 8))
    if "lossless" in CODECS:
        exact = ftc.encode(x, codec="lossless")
        near = ftc.encode(x, codec="lossless", max_error=2)
        assert len(near) < len(exact) and ftc.info(near)["max_error"] == 2
    if "jpeg" in CODECS:
        assert len(ftc.encode(x, codec="jpeg", quality=30)) < len(ftc.encode(x, codec="jpeg", quality=95))
        assert ftc.info(ftc.encode(x, codec="jpeg", quality=30, options="huffman=standard"))["quality"] == 30
    assert ftc.info(ftc.encode(x, codec="raw", clip="range:0,2"))["clip"] == "range:0,2"


@pytest.mark.parametrize("codec", CODECS)
def test_stream_round_trip(codec):
    frames = features((5, 8, 8, 8))
    # One clip range fixed for the stream, wide enough for every frame (the default takes the first frame's).
    clip = f"range:{frames.min()},{frames.max()}"
    encoder = ftc.StreamEncoder(codec=codec, clip=clip, range="fixed", quality=95, gop=3)
    decoder = ftc.StreamDecoder()
    chunks = []
    for frame in frames:
        chunk = encoder.encode(frame)
        chunks.append(chunk)
        y = decoder.decode(chunk)
        assert y.shape == frame.shape and y.dtype == np.float32
        assert np.abs(y - frame).max() <= (0.5001 if codec in EXACT else 12) * step(frames)
    header = encoder.header()
    assert chunks[0].startswith(header)
    assert ftc.StreamDecoder().decode(header) is None
    whole = ftc.decode(b"".join(chunks))
    assert whole.shape == frames.shape


@pytest.mark.skipif(not codecs_with("video"), reason="no video codec built")
def test_stream_decoder_joining_late_waits_for_a_key_frame():
    codec = codecs_with("video")[0]
    frames = features((4, 4, 8, 8))
    encoder = ftc.StreamEncoder(codec=codec, gop=2)
    chunks = [encoder.encode(f) for f in frames]
    decoder = ftc.StreamDecoder()
    assert decoder.decode(encoder.header()) is None
    with pytest.raises(ftc.NeedKeyFrame) as e:
        decoder.decode(chunks[1])  # an inter frame: nothing to predict from
    assert isinstance(e.value, ftc.Error)
    assert decoder.decode(chunks[2]).shape == (4, 8, 8)  # the next key frame decodes


def test_stream_rejects_a_frame_of_another_shape_and_keeps_going():
    encoder = ftc.StreamEncoder(codec="raw")
    decoder = ftc.StreamDecoder()
    decoder.decode(encoder.encode(features((4, 6, 6))))
    with pytest.raises(ftc.Error):
        encoder.encode(features((4, 6, 7)))
    assert decoder.decode(encoder.encode(features((4, 6, 6), seed=2))).shape == (4, 6, 6)


def test_two_threads_encode_and_decode_at_once():
    codec = "jpeg" if "jpeg" in CODECS else "raw"
    inputs = [features((2, 16, 14, 14), seed=s) for s in range(2)]
    expected = [ftc.encode(x, codec=codec, threads=1) for x in inputs]
    barrier = threading.Barrier(2)
    results = [None, None]

    def work(i):
        barrier.wait()
        out = []
        for _ in range(10):
            data = ftc.encode(inputs[i], codec=codec, threads=1)
            out.append((data, ftc.decode(data)))
        results[i] = out

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(2):
        assert len(results[i]) == 10
        for data, decoded in results[i]:
            assert data == expected[i]
            assert np.array_equal(decoded, ftc.decode(expected[i]))


def test_a_shared_stream_encoder_is_safe_across_threads():
    encoder = ftc.StreamEncoder(codec="raw")
    decoder = ftc.StreamDecoder()
    decoder.decode(encoder.encode(features((4, 6, 6))))
    packets = []
    lock = threading.Lock()

    def work(seed):
        for k in range(20):
            packet = encoder.encode(features((4, 6, 6), seed=seed * 100 + k))
            with lock:
                packets.append(packet)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(packets) == 40
    # Every raw packet is a key frame, so each one decodes on its own after the stream header.
    for packet in packets:
        fresh = ftc.StreamDecoder()
        fresh.decode(encoder.header())
        assert fresh.decode(packet).shape == (4, 6, 6)


def test_stream_range_fixed_by_calibration():
    calibration = features((3, 4, 6, 6), seed=7)
    encoder = ftc.StreamEncoder(codec="raw", clip="minmax", range="fixed", calibration=calibration)
    frames = [features((4, 6, 6), seed=s) for s in range(3)]
    whole = b"".join(encoder.encode(f) for f in frames)
    info = ftc.info(whole)
    assert info["frames"] == 3 and not info["ranges_per_key_frame"]
    assert info["clip_lo"] == pytest.approx(float(calibration.min()))
    assert info["clip_hi"] == pytest.approx(float(calibration.max()))
    with pytest.raises(ftc.Error, match="range"):
        ftc.StreamEncoder(codec="raw", range="sometimes")
