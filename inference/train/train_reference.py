#!/usr/bin/python3
"""Train the ftc reference model (small ResNet with BatchNorm) on Fashion-MNIST
and export it as TorchScript edge/cloud pairs at three split points.

Run with Debian's interpreter (the only one that has torch here):

    /usr/bin/python3 inference/train/train_reference.py

Outputs (default folder models/fashion_resnet/):
    full.pt                       image N x 1 x 28 x 28 float32 in [0,1] -> logits N x 10
    <split>_edge.pt               image -> feature tensor            (split in early, mid, late)
    <split>_cloud.pt              feature tensor -> logits
    model.json                    description, accuracy, shapes, file names, timings

The dataset normalisation (mean/std of the training images) lives inside the
edge modules (and full.pt); callers feed raw pixels / 255.
"""

import argparse
import datetime
import gzip
import hashlib
import json
import os
import platform
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"
SPLITS = [  # (name, number of residual stages on the edge side)
    ("early", 1),
    ("mid", 2),
    ("late", 3),
]


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------
def read_idx(path):
    """Read a (gzip) IDX file into a numpy array (big-endian header, uint8 data)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = data[0] << 8 | data[1], data[2], data[3]
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError(f"{path}: size mismatch {arr.size} vs {dims}")
    return arr.reshape(dims)


def load_split(data_dir, split):
    """split is 'train' or 't10k'. Returns (images uint8 N x 28 x 28, labels int64 N)."""
    images = read_idx(os.path.join(data_dir, f"{split}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{split}-labels-idx1-ubyte.gz"))
    if images.shape[0] != labels.shape[0]:
        raise ValueError("image/label count mismatch")
    return images, labels.astype(np.int64)


def to_input(images_u8):
    """uint8 N x 28 x 28 -> float32 N x 1 x 28 x 28 in [0, 1] (the model's input contract)."""
    return torch.from_numpy(images_u8.astype(np.float32) / np.float32(255.0)).unsqueeze(1)


def augment(x, gen, pad):
    """Random crop with zero padding + random horizontal flip, per sample, seeded."""
    n, c, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad))
    oy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    ox = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    rows = oy[:, None] + torch.arange(h)[None, :]                      # n x h
    cols = ox[:, None] + torch.arange(w)[None, :]                      # n x w
    cols = torch.where(flip[:, None], cols.flip(1), cols)
    idx_n = torch.arange(n)[:, None, None]
    out = xp[:, 0][idx_n, rows[:, :, None], cols[:, None, :]]           # n x h x w
    return out.unsqueeze(1).contiguous()


# --------------------------------------------------------------------------
# model
# --------------------------------------------------------------------------
class Normalize(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor([mean], dtype=torch.float32).view(1, 1, 1, 1))
        self.register_buffer("inv_std", torch.tensor([1.0 / std], dtype=torch.float32).view(1, 1, 1, 1))

    def forward(self, x):
        return (x - self.mean) * self.inv_std


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class Head(nn.Module):
    def __init__(self, cin, num_classes):
        super().__init__()
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class FashionResNet(nn.Module):
    """norm -> stem (3x3 conv, BN, ReLU) -> stage1 -> stage2 -> stage3 -> head."""

    def __init__(self, widths=(32, 64, 128), blocks=(1, 1, 1), mean=0.0, std=1.0, num_classes=10,
                 stem_stride=1):
        super().__init__()
        self.norm = Normalize(mean, std)
        self.stem = nn.Sequential(
            nn.Conv2d(1, widths[0], 3, stem_stride, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        stages = []
        cin = widths[0]
        for i, (c, n) in enumerate(zip(widths, blocks)):
            layers = []
            for j in range(n):
                layers.append(BasicBlock(cin, c, 2 if (i > 0 and j == 0) else 1))
                cin = c
            stages.append(nn.Sequential(*layers))
        self.stage1, self.stage2, self.stage3 = stages
        self.head = Head(cin, num_classes)

    def sections(self):
        return [self.norm, self.stem, self.stage1, self.stage2, self.stage3, self.head]

    def forward(self, x):
        for s in self.sections():
            x = s(x)
        return x

    def edge(self, k):
        """Image -> output of residual stage k (k = 1..3), after the block's add + ReLU."""
        return nn.Sequential(*self.sections()[: 2 + k])

    def cloud(self, k):
        """Output of stage k -> logits."""
        return nn.Sequential(*self.sections()[2 + k:])

    def full(self):
        return nn.Sequential(*self.sections())


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def set_determinism(seed, device="cpu"):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        # CUDA (only used for experiments) has no deterministic kernel for some ops.
        torch.use_deterministic_algorithms(True, warn_only=device != "cpu")
    except Exception as e:  # pragma: no cover
        print(f"warning: use_deterministic_algorithms unavailable: {e}", file=sys.stderr)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True


@torch.no_grad()
def predict(fn, x, batch=500):
    outs = []
    for i in range(0, x.shape[0], batch):
        outs.append(fn(x[i:i + batch]))
    return torch.cat(outs)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def param_count(m):
    return sum(p.numel() for p in m.parameters())


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------
def main():
    # TorchScript serialises some module constants in Python-set order; pin the
    # string hash seed so that re-running produces byte-identical .pt files.
    # OMP_WAIT_POLICY=PASSIVE: with --threads 2 on a machine whose cores are busy
    # (parallel C++ builds), libgomp's spinning barriers slow training down 5-10x.
    # Both must be set before the interpreter / torch start, hence the re-exec.
    if os.environ.get("PYTHONHASHSEED") != "0" or "OMP_WAIT_POLICY" not in os.environ:
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        os.execv(sys.executable, [sys.executable] + sys.argv)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--out", default="models/fashion_resnet")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (the shipped model was trained with 1)")
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1, help="OneCycle peak learning rate")
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--label-smoothing", type=float, default=0.1)
    ap.add_argument("--pad", type=int, default=2, help="random-crop padding in pixels")
    ap.add_argument("--widths", default="32,64,128")
    ap.add_argument("--blocks", default="1,1,1")
    ap.add_argument("--stem-stride", type=int, default=2, choices=[1, 2])
    ap.add_argument("--device", default="cpu",
                    help="training device (the reference model is trained on cpu; cuda only for experiments; "
                         "evaluation and export always run on cpu)")
    ap.add_argument("--no-channels-last", action="store_true",
                    help="train in NCHW instead of channels_last (channels_last is faster on CPU)")
    ap.add_argument("--limit-train", type=int, default=0, help="debug: use only the first N training images")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    set_determinism(args.seed, args.device)
    widths = tuple(int(v) for v in args.widths.split(","))
    blocks = tuple(int(v) for v in args.blocks.split(","))
    assert len(widths) == 3 and len(blocks) == 3

    t_start = time.time()
    train_img, train_lbl = load_split(args.data_dir, "train")
    test_img, test_lbl = load_split(args.data_dir, "t10k")
    if args.limit_train:
        train_img, train_lbl = train_img[: args.limit_train], train_lbl[: args.limit_train]
    x_train = to_input(train_img)
    y_train = torch.from_numpy(train_lbl)
    x_test = to_input(test_img)
    y_test = torch.from_numpy(test_lbl)
    mean = float(x_train.double().mean())
    std = float(x_train.double().std())
    print(f"train {tuple(x_train.shape)} test {tuple(x_test.shape)} mean {mean:.6f} std {std:.6f}", flush=True)

    model = FashionResNet(widths, blocks, mean, std, stem_stride=args.stem_stride)
    n_params = param_count(model)
    print(f"params: {n_params}", flush=True)
    dev = torch.device(args.device)
    memfmt = torch.contiguous_format if args.no_channels_last else torch.channels_last
    model = model.to(dev, memory_format=memfmt)
    x_test_dev = x_test.to(dev, memory_format=memfmt)
    y_test_dev = y_test.to(dev)

    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": args.weight_decay},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=args.lr, momentum=0.9, nesterov=True)
    n = x_train.shape[0]
    steps_per_epoch = (n + args.batch_size - 1) // args.batch_size
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps_per_epoch,
        pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
    crit = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    gen = torch.Generator().manual_seed(args.seed)  # shuffling + augmentation

    history = []
    t_train = time.time()
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = torch.randperm(n, generator=gen)
        tot_loss, tot_correct = 0.0, 0
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch_size:(i + 1) * args.batch_size]
            # augmentation always on cpu with the seeded cpu generator
            xb = augment(x_train[idx], gen, args.pad).to(dev, memory_format=memfmt)
            yb = y_train[idx].to(dev)
            logits = model(xb)
            loss = crit(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot_loss += float(loss) * idx.numel()
            tot_correct += int((logits.argmax(1) == yb).sum())
        t_ep = time.time() - t0
        model.eval()
        test_pred = predict(model, x_test_dev).argmax(1)
        test_acc = float((test_pred == y_test_dev).float().mean())
        rec = {"epoch": epoch + 1, "train_loss": tot_loss / n, "train_acc": tot_correct / n,
               "test_acc": test_acc, "epoch_seconds": round(t_ep, 1)}
        history.append(rec)
        print(f"epoch {epoch + 1:3d}/{args.epochs} loss {rec['train_loss']:.4f} train {rec['train_acc']:.4f} "
              f"test {test_acc:.4f}  {t_ep:.1f}s (total {time.time() - t_train:.0f}s)", flush=True)
    train_seconds = time.time() - t_train

    # ---------------- final float evaluation (plain NCHW, eval mode) ----------------
    model = model.to("cpu", memory_format=torch.contiguous_format).eval()
    for p in model.parameters():
        p.requires_grad_(False)
    logits_eager = predict(model, x_test)
    pred_eager = logits_eager.argmax(1)
    correct = int((pred_eager == y_test).sum())
    top1 = correct / x_test.shape[0]
    print(f"float top-1: {top1:.4f} ({correct}/{x_test.shape[0]})", flush=True)

    # ---------------- export ----------------
    os.makedirs(args.out, exist_ok=True)
    files = {}

    def save(module, fname):
        module = module.eval()
        scripted = torch.jit.script(module)
        path = os.path.join(args.out, fname)
        scripted.save(path)
        files[fname] = {"bytes": os.path.getsize(path), "sha256": sha256(path)}
        return path

    save(model.full(), "full.pt")
    split_info = []
    probe = x_test[:1]
    for name, k in SPLITS:
        with torch.no_grad():
            feat = model.edge(k)(probe)
        c, h, w = feat.shape[1:]
        save(model.edge(k), f"{name}_edge.pt")
        save(model.cloud(k), f"{name}_cloud.pt")
        split_info.append({
            "name": name,
            "after": f"stage{k} (output of its last BasicBlock, after add + ReLU)",
            "feature_shape_chw": [int(c), int(h), int(w)],
            "feature_elements": int(c * h * w),
            "feature_bytes_f32": int(c * h * w * 4),
            "edge_file": f"{name}_edge.pt",
            "cloud_file": f"{name}_cloud.pt",
        })

    # ---------------- verify by loading the files back ----------------
    full_loaded = torch.jit.load(os.path.join(args.out, "full.pt")).eval()
    logits_full = predict(full_loaded, x_test)
    pred_full = logits_full.argmax(1)
    full_correct = int((pred_full == y_test).sum())
    verification = {
        "full_pt_top1_count": full_correct,
        "full_pt_matches_training_model_predictions": bool(torch.equal(pred_full, pred_eager)),
        "full_pt_max_abs_logit_diff_vs_training_model": float((logits_full - logits_eager).abs().max()),
    }
    ok = verification["full_pt_matches_training_model_predictions"] and full_correct == correct
    for info in split_info:
        edge = torch.jit.load(os.path.join(args.out, info["edge_file"])).eval()
        cloud = torch.jit.load(os.path.join(args.out, info["cloud_file"])).eval()
        feats = predict(edge, x_test)
        assert list(feats.shape[1:]) == info["feature_shape_chw"], feats.shape
        logits_pair = predict(cloud, feats)
        pred_pair = logits_pair.argmax(1)
        pair_correct = int((pred_pair == y_test).sum())
        same = bool(torch.equal(pred_pair, pred_full))
        info["composed_top1"] = pair_correct / x_test.shape[0]
        info["composed_top1_count"] = pair_correct
        info["composed_predictions_identical_to_full_pt"] = same
        info["composed_top1_equals_float_top1"] = pair_correct == correct
        info["composed_logits_bitwise_identical_to_full_pt"] = bool(torch.equal(logits_pair, logits_full))
        info["composed_max_abs_logit_diff_vs_full_pt"] = float((logits_pair - logits_full).abs().max())
        info["feature_min"] = float(feats.min())
        info["feature_max"] = float(feats.max())
        info["feature_mean"] = float(feats.mean())
        info["feature_zero_fraction"] = float((feats == 0).float().mean())
        ok = ok and same and pair_correct == correct
        print(f"split {info['name']:5s} {tuple(info['feature_shape_chw'])} elems {info['feature_elements']:6d}: "
              f"composed top-1 {pair_correct}/10000, identical to full.pt: {same}, "
              f"bitwise logits: {info['composed_logits_bitwise_identical_to_full_pt']}", flush=True)
    verification["all_splits_match_full_pt"] = bool(ok)

    total_seconds = time.time() - t_start
    r1 = 28 // args.stem_stride
    r2 = (r1 + 1) // 2
    r3 = (r2 + 1) // 2
    arch_text = (
        f"input N x 1 x 28 x 28 float32 in [0,1]; Normalize((x-{mean:.6f})/{std:.6f}); "
        f"stem conv3x3(1->{widths[0]}, stride {args.stem_stride})+BN+ReLU; "
        f"stage1 {blocks[0]}x BasicBlock({widths[0]}, stride 1) @{r1}x{r1}; "
        f"stage2 {blocks[1]}x BasicBlock({widths[1]}, first stride 2, 1x1 conv+BN projection) @{r2}x{r2}; "
        f"stage3 {blocks[2]}x BasicBlock({widths[2]}, first stride 2, 1x1 conv+BN projection) @{r3}x{r3}; "
        f"global average pool; linear({widths[2]}->10) -> logits")
    meta = {
        "name": "fashion_resnet",
        "dataset": "Fashion-MNIST (train 60000 / test 10000)",
        "architecture": {
            "description": arch_text,
            "family": "ResNet (BasicBlock, BatchNorm, ReLU)",
            "widths": list(widths),
            "blocks_per_stage": list(blocks),
            "stem": f"conv3x3 stride {args.stem_stride} + BN + ReLU",
            "head": "global average pool + linear",
            "parameters": n_params,
            "normalization": {"mean": mean, "std": std, "inside": "edge modules and full.pt"},
        },
        "input": {"shape": ["N", 1, 28, 28], "dtype": "float32", "range": "[0,1] (pixel / 255)",
                  "layout": "NCHW contiguous"},
        "output": {"shape": ["N", 10], "dtype": "float32", "meaning": "logits",
                   "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]},
        "training": {
            "seed": args.seed,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "optimizer": "SGD momentum 0.9 nesterov",
            "weight_decay": args.weight_decay,
            "weight_decay_on_bn_and_bias": False,
            "lr_schedule": f"OneCycle max_lr {args.lr} pct_start 0.25 div_factor 10 final_div_factor 100 (per step)",
            "label_smoothing": args.label_smoothing,
            "augmentation": f"random crop 28x28 from zero-padded (pad {args.pad}) + random horizontal flip",
            "threads": args.threads,
            "device": args.device,
            "memory_format": "contiguous" if args.no_channels_last else "channels_last",
            "deterministic_algorithms": True,
            "train_images": int(n),
            "training_seconds": round(train_seconds, 1),
            "total_seconds_including_eval_and_export": round(total_seconds, 1),
            "history": history,
        },
        "float_top1": top1,
        "float_top1_count": correct,
        "test_images": int(x_test.shape[0]),
        "splits": split_info,
        "files": files,
        "verification": verification,
        "environment": {
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
            "export": "torch.jit.script, eval mode, loads with torch::jit::load (LibTorch 1.13)",
        },
        "created_utc": datetime.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
    }
    with open(os.path.join(args.out, "model.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}; training {train_seconds:.0f}s, total {total_seconds:.0f}s; "
          f"verification ok: {ok}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
