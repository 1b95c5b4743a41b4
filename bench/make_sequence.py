#!/usr/bin/python3
"""Writes a sequence of feature tensors (N x C x H x W float32 .npy) of slowly moving input frames, for the
video benchmarks (bench/video_bench.cc, docs/VIDEO.md). Run with Debian's Python, which has torch:

  bench/make_sequence.py fashion OUT.npy [--split mid] [--frames 30]
      A Fashion-MNIST test image, shifted and zoomed a little more each frame, through the edge module of the
      reference model (models/fashion_resnet/<split>_edge.pt, TorchScript).
  bench/make_sequence.py unseen OUT.npy [--image PATH] [--frames 30] [--layer 2]
      A model the developers have not trained: a ResNet-18-shaped network (torchvision's layout: stem, then
      BasicBlock stages) with random He-initialised weights whose BatchNorm statistics are calibrated on crops
      of the image, fed a 224 x 224 window that pans across a natural photograph (matplotlib's sample photo,
      Debian package python-matplotlib-data) and zooms in slowly. Features after stage --layer (1: 64 x 56 x 56,
      2: 128 x 28 x 28, 3: 256 x 14 x 14).

Deterministic: fixed seeds, no randomness left to the machine.
"""
import argparse
import gzip
import pathlib

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parent.parent
FASHION = pathlib.Path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
PHOTO = pathlib.Path("/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg")


def moving_frames(image, frames, size, shift_per_frame, zoom_per_frame):
    """`frames` views of `image` (1 x C x H x W in [0, 1]): a size x size window whose centre moves right and
    down by shift_per_frame (in window pixels) and which zooms in by zoom_per_frame each frame."""
    _, _, h, w = image.shape
    views = []
    for t in range(frames):
        scale = (1.0 - zoom_per_frame) ** t
        # An affine grid in normalised coordinates: the window covers `scale * size` pixels of the image.
        theta = torch.tensor([[[scale * size / w, 0.0, 2.0 * shift_per_frame * t / w],
                               [0.0, scale * size / h, 1.2 * shift_per_frame * t / h]]], dtype=torch.float32)
        grid = F.affine_grid(theta, [1, image.shape[1], size, size], align_corners=False)
        views.append(F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=False))
    return torch.cat(views)


def fashion(args):
    with gzip.open(FASHION) as f:
        data = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    image = torch.from_numpy(data[args.index].astype(np.float32) / 255.0)[None]
    frames = moving_frames(image, args.frames, 28, shift_per_frame=0.25, zoom_per_frame=0.004)
    edge = torch.jit.load(str(ROOT / "models" / "fashion_resnet" / f"{args.split}_edge.pt")).eval()
    with torch.no_grad():
        return edge(frames)


class BasicBlock(torch.nn.Module):
    def __init__(self, inputs, outputs, stride):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(outputs, momentum=None)
        self.conv2 = torch.nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(outputs, momentum=None)
        self.down = None
        if stride != 1 or inputs != outputs:
            self.down = torch.nn.Sequential(torch.nn.Conv2d(inputs, outputs, 1, stride, bias=False),
                                            torch.nn.BatchNorm2d(outputs, momentum=None))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (self.down(x) if self.down is not None else x))


def resnet18_edge(layer):
    """torchvision's resnet18 up to and including stage `layer`, He-initialised."""
    modules = [torch.nn.Conv2d(3, 64, 7, 2, 3, bias=False), torch.nn.BatchNorm2d(64, momentum=None),
               torch.nn.ReLU(), torch.nn.MaxPool2d(3, 2, 1)]
    widths = [64, 128, 256, 512]
    inputs = 64
    for stage in range(layer):
        stride = 1 if stage == 0 else 2
        modules += [BasicBlock(inputs, widths[stage], stride), BasicBlock(widths[stage], widths[stage], 1)]
        inputs = widths[stage]
    net = torch.nn.Sequential(*modules)
    for m in net.modules():
        if isinstance(m, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    return net


def unseen(args):
    torch.manual_seed(20240611)
    photo = np.asarray(Image.open(args.image).convert("RGB"), np.float32) / 255.0
    image = torch.from_numpy(photo).permute(2, 0, 1)[None]
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    net = resnet18_edge(args.layer)
    # BatchNorm calibration: cumulative statistics over 64 random crops of the photograph.
    _, _, h, w = image.shape
    crops = []
    generator = np.random.default_rng(5)
    for _ in range(64):
        y, x = generator.integers(0, h - 224), generator.integers(0, w - 224)
        crops.append(image[:, :, y:y + 224, x:x + 224])
    net.train()
    with torch.no_grad():
        net((torch.cat(crops) - mean) / std)
    net.eval()
    frames = moving_frames(image, args.frames, 224, shift_per_frame=1.5, zoom_per_frame=0.002)
    with torch.no_grad():
        return torch.cat([net((frames[i:i + 8] - mean) / std) for i in range(0, args.frames, 8)])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=["fashion", "unseen"])
    parser.add_argument("output")
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--split", default="mid", help="fashion: early, mid or late edge module")
    parser.add_argument("--index", type=int, default=0, help="fashion: which test image")
    parser.add_argument("--image", default=str(PHOTO), help="unseen: the photograph to pan across")
    parser.add_argument("--layer", type=int, default=2, choices=[1, 2, 3], help="unseen: the last stage")
    args = parser.parse_args()
    torch.set_num_threads(2)
    features = fashion(args) if args.model == "fashion" else unseen(args)
    array = features.numpy().astype(np.float32)
    np.save(args.output, array)
    zeros = float(np.mean(array == 0))
    print(f"{args.output}: {array.shape} float32, values in [{array.min():.3g}, {array.max():.3g}], "
          f"{100 * zeros:.1f}% zeros")


if __name__ == "__main__":
    main()
