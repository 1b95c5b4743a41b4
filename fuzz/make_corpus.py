#!/usr/bin/python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/ (fuzz/README.md).

The seeds are cut from the conformance vectors (tests/vectors/*.ftc), so they need no build: whole files for
the container and decoding targets, their packets in the stream decoder's chunk framing, and their payloads
with the backend fuzzers' parameter bytes. The .npy seeds are written with numpy. Run it on purpose, after the
vectors change:

    /usr/bin/python3 fuzz/make_corpus.py
"""
import hashlib
import io
import pathlib
import shutil
import struct
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from crc32c import crc32c  # noqa: E402  (tests/crc32c.py)
VECTORS = ROOT / "tests" / "vectors"
CORPUS = ROOT / "fuzz" / "corpus"
MAX_SEED_BYTES = 2500  # keeps each target's corpus to a few KB


def varint(b, pos):
    value, shift = 0, 0
    while True:
        byte = b[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


class Container:
    """The fields of a .ftc file the seeds need (docs/FORMAT.md), and its payloads."""

    def __init__(self, b):
        self.version, f0, f1, self.codec, self.quality = b[3], b[4], b[5], b[6], b[7]
        pos = 8 + (1 if (f0 >> 5) & 3 == 0 else 0)  # sigma_k only in sigma mode
        self.max_error, pos = varint(b, pos)
        n = 1
        if self.version != 2 and f0 & 4:
            n, pos = varint(b, pos)
        (c, pos), self.bits = varint(b, pos), (f1 & 7) + 1
        self.h, pos = varint(b, pos)
        self.w, pos = varint(b, pos)
        self.cols, pos = varint(b, pos)
        self.cols_end = pos  # where version 3 has its band count
        self.rows = -(-c // self.cols)
        self.bands = 1
        if self.version == 3:
            self.bands, pos = varint(b, pos)
        ranges_per_key = False
        if self.version == 2:
            _, pos = varint(b, pos)  # gop
            ranges_per_key = bool(b[pos] & 1)
            pos += 1
        settings, pos = varint(b, pos)
        pos += settings
        range_bytes = (c if f0 & 8 else 1) * (4 if f0 & 16 else 8)
        if not ranges_per_key:
            pos += range_bytes
        self.packets = []  # (key, payload)
        if self.version != 2:
            self.lengths_at = pos
            lengths = []
            for _ in range(n * self.bands):
                length, pos = varint(b, pos)
                lengths.append(length)
            for length in lengths:
                self.packets.append((True, b[pos:pos + length]))
                pos += length
            self.chunks = [b]
            return
        pos += 4  # the stream header's CRC
        self.chunks = [b[:pos]]  # the header, then each packet; the first packet joins the header below
        while pos < len(b):
            length, body = varint(b, pos)
            key = bool(b[body] & 1)
            skip = range_bytes if key and ranges_per_key else 0
            self.packets.append((key, b[body + 1 + skip:body + length]))
            self.chunks.append(b[pos:body + length + 4])
            pos = body + length + 4
        self.chunks[0:2] = [self.chunks[0] + self.chunks[1]]

    def backend_seed(self):
        """The backend fuzzers' input: 7 parameter bytes, then (flags, 16-bit length, payload) per packet."""
        params = bytes([self.bits - 1, max(self.quality, 1) - 1, self.max_error, self.w - 1, self.h - 1,
                        self.cols - 1, self.rows - 1])
        return params + b"".join(bytes([key]) + struct.pack("<H", len(p)) + p for key, p in self.packets)

    def fits_backend_fuzzer(self):
        return self.w <= 32 and self.h <= 32 and self.cols <= 8 and self.rows <= 8 and self.max_error < 8


def in_two_bands(b, c):
    """A raw file of format version 1 with one item and at least two tile rows, rewritten as version 3 with its
    plane in two bands (docs/FORMAT.md, "Bands"; raw's align is 1, so a band is whole tile rows)."""
    plane = c.packets[0][1]
    top = (c.rows // 2) * c.h * (len(plane) // (c.rows * c.h))  # bytes of band 0's rows
    out = bytearray(b[:c.cols_end]) + bytes([2]) + b[c.cols_end:c.lengths_at]
    out[3] = 3
    for part in (plane[:top], plane[top:]):
        assert len(part) < 128  # one-byte varints
        out.append(len(part))
    out += plane
    return bytes(out) + struct.pack("<I", crc32c(out))


def framed(chunks):
    return b"".join(struct.pack("<H", len(c)) + c for c in chunks)


def npy_seeds():
    def save(array):
        out = io.BytesIO()
        np.save(out, array)
        return out.getvalue()

    x = np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) / 7
    seeds = [save(x), save(x.astype(np.float16)), save(x.view(np.uint16)[..., ::2].copy()),
             save(x[0]), save(np.float32(1.5)), save(np.asfortranarray(x[0, 0])), save(x.astype(">f4")),
             save(np.zeros((0, 3), np.float32)), save(x.astype(np.float64))]
    v1 = save(x[0, 0])
    header_length = struct.unpack("<H", v1[8:10])[0]
    for major in (2, 3):  # the same header with a 4-byte length field
        seeds.append(v1[:6] + bytes([major, 0]) + struct.pack("<I", header_length) + v1[10:])
    python2 = v1.replace(b"(3, 4)", b"(3L, 4L)")
    seeds.append(python2)
    return seeds


def write(target, seeds):
    out = CORPUS / target
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    total = 0
    for seed in seeds:
        (out / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        total += len(seed)
    print(f"{target:24s} {len(seeds):3d} seeds, {total:6d} bytes")


def main():
    files = {p.name: p.read_bytes() for p in sorted(VECTORS.glob("*.ftc"))}
    small = {name: b for name, b in files.items() if len(b) <= MAX_SEED_BYTES}
    parsed = {name: Container(b) for name, b in files.items()}
    # One small file of each codec and form for the whole-file targets.
    whole, seen = [], set()
    for name, b in small.items():
        c = parsed[name]
        kind = (c.codec, c.version, c.bits == 8)
        if kind not in seen:
            seen.add(kind)
            whole.append(b)
    banded = [in_two_bands(files[name], c) for name, c in parsed.items()
              if c.version == 1 and c.codec == 0 and len(c.packets) == 1 and c.rows >= 2 and c.h * c.rows * c.w < 128]
    whole += banded[:2]
    write("container", whole)
    write("decode", whole)
    streams = [c for name, c in parsed.items() if c.version == 2 and len(files[name]) <= MAX_SEED_BYTES]
    # Per packet, and once restarted: a header alone, then the same stream again.
    write("stream_decoder", [framed(c.chunks) for c in streams[:6]] +
          [framed([streams[0].chunks[0]] + streams[0].chunks)])
    names = {0: "raw", 1: "lossless", 2: "jpeg", 3: "h264", 4: "hevc"}
    for codec_id, codec in names.items():
        seeds = [c.backend_seed() for name, c in parsed.items()
                 if c.codec == codec_id and c.fits_backend_fuzzer() and len(c.backend_seed()) <= MAX_SEED_BYTES]
        write(f"backend_{codec}", seeds[:4])
    write("npy", npy_seeds())


if __name__ == "__main__":
    main()
