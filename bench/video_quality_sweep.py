#!/usr/bin/python3
"""Rate and PSNR of a feature sequence over --quality, for JPEG (frame by frame), and for each video codec
coded all-intra (--gop 1) and as one inter-coded stream (key frame every 30 frames): the measurement behind
the quality -> QP mapping and the inter/intra ratios in docs/VIDEO.md.

  bench/video_quality_sweep.py SEQ.npy [--ftc build/bin/ftc] [--qualities 10,30,50,70,90]

SEQ.npy is an N x C x H x W float32 sequence (bench/make_sequence.py). PSNR is against the original floats,
the sequence's value range as the peak, so it includes the 8-bit quantiser's own error.
"""
import argparse
import os
import pathlib
import subprocess
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CODECS = [("jpeg", None, []), ("h264", "x264", ["--gop", "1"]), ("h264", "x264", []),
          ("h264", "openh264", ["--gop", "1"]), ("h264", "openh264", []), ("hevc", "x265", ["--gop", "1"]),
          ("hevc", "x265", [])]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sequence")
    parser.add_argument("--ftc", default=str(ROOT / "build" / "bin" / "ftc"))
    parser.add_argument("--qualities", default="10,30,50,70,90")
    args = parser.parse_args()
    x = np.load(args.sequence).astype(np.float64)
    peak = float(x.max() - x.min())
    print(f"{args.sequence}: {x.shape}; bits per element and PSNR (dB) per codec")
    header = "quality"
    for codec, encoder, flags in CODECS:
        header += f" | {codec}{'/' + encoder if encoder else ''}{' intra' if flags else (' inter' if encoder else '')}"
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        coded, decoded = os.path.join(tmp, "s.ftc"), os.path.join(tmp, "s.npy")
        for quality in map(int, args.qualities.split(",")):
            row = f"{quality:7d}"
            for codec, encoder, flags in CODECS:
                command = [args.ftc, "encode", args.sequence, "-o", coded, "--codec", codec, "--quality", str(quality)]
                if encoder:
                    command += ["--encoder", encoder]
                subprocess.run(command + flags, check=True)
                subprocess.run([args.ftc, "decode", coded, "-o", decoded], check=True)
                error = np.mean((np.load(decoded).astype(np.float64) - x) ** 2)
                psnr = 10 * np.log10(peak * peak / error)
                row += f" | {8 * os.path.getsize(coded) / x.size:6.3f} {psnr:5.2f}"
            print(row, flush=True)


if __name__ == "__main__":
    main()
