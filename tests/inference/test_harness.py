"""End-to-end tests of `ftc rd` and `ftc analyze` (the inference harness), run by ctest with FTC_CLI naming the
tool and FTC_SOURCE_DIR the source tree.

The accuracies the tool reports are recomputed here independently: the float row with PyTorch on the same
samples, the lossless rows by quantising each sample's features with `ftc encode` / `ftc decode` and
classifying them in Python. Tests on the reference model (models/fashion_resnet) are skipped when it has
not been trained; the others make their own small models.
"""
import csv
import gzip
import json
import os
import pathlib
import subprocess

import numpy as np
import pytest
import torch

FTC = os.environ.get("FTC_CLI", "")
ROOT = pathlib.Path(os.environ.get("FTC_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
REF = ROOT / "models" / "fashion_resnet"
DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")
if not FTC or not os.path.exists(FTC):
    pytest.exit("set FTC_CLI to the ftc binary (ctest does)", returncode=4)

COLUMNS = ["codec", "quality", "bits", "samples", "bytes_per_sample", "bits_per_element", "top1", "top1_float",
           "top1_drop", "encode_ms", "decode_ms"]

need_reference = pytest.mark.skipif(not (REF / "mid_edge.pt").exists(),
                                    reason="the reference model is not trained (inference/train/train_reference.py)")
need_data = pytest.mark.skipif(not (DATA / "t10k-images-idx3-ubyte.gz").exists(),
                               reason="dataset-fashion-mnist is not installed")

try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


def ftc(*args, check=0):
    p = subprocess.run([FTC, *map(str, args)], capture_output=True, text=True, timeout=1200)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return p


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * data[3]).reshape(dims)


def first_test_images(n):
    images = read_idx(DATA / "t10k-images-idx3-ubyte.gz")[:n]
    labels = read_idx(DATA / "t10k-labels-idx1-ubyte.gz")[:n].astype(np.int64)
    return torch.from_numpy(images.astype(np.float32) / np.float32(255)).unsqueeze(1), torch.from_numpy(labels)


def read_rows(path):
    with open(path) as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def row(rows, codec, **match):
    found = [r for r in rows if r["codec"] == codec and all(r[k] == str(v) for k, v in match.items())]
    assert len(found) == 1, (codec, match, found)
    return found[0]


def quantised_correct(edge, cloud, images, labels, tmp, codec, bits, clip):
    """Top-1 hits when every sample's features go through `ftc encode` and `ftc decode` on their own."""
    with torch.no_grad():
        features = edge(images)
    decoded = []
    for i in range(features.shape[0]):
        np.save(tmp / "f.npy", features[i:i + 1].numpy())
        ftc("encode", tmp / "f.npy", "-o", tmp / "f.ftc", "--codec", codec, "--bits", bits, "--clip", clip)
        ftc("decode", tmp / "f.ftc", "-o", tmp / "d.npy")
        decoded.append(torch.from_numpy(np.load(tmp / "d.npy")))
    with torch.no_grad():
        return int((cloud(torch.cat(decoded)).argmax(1) == labels).sum())


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rd")
    p = ftc("rd", "--limit", 64, "--codecs", "jpeg,lossless,raw,seed-jpeg,input-jpeg", "--qualities", "10,50,90",
            "--bits", "3,8", "--clip", "sigma:3", "--out", out)
    return out, p


@need_reference
@need_data
def test_rd_writes_the_table_csv_json_and_plots(reference_run):
    out, p = reference_run
    fields, rows = read_rows(out / "rd.csv")
    assert fields[:len(COLUMNS)] == COLUMNS
    assert {r["codec"] for r in rows} == {"float", "jpeg", "lossless", "raw", "seed-jpeg", "input-jpeg"}
    assert all(r["samples"] == "64" for r in rows)
    assert len([r for r in rows if r["codec"] == "jpeg"]) == 6  # 2 bits × 3 qualities
    assert "smallest bytes per sample with a top-1 drop of at most 1.00 points" in p.stdout
    assert "BD-rate" in p.stdout
    rd = json.loads((out / "rd.json").read_text())
    assert rd["samples"] == 64 and rd["feature_shape"] == [64, 7, 7]
    assert {c["label"] for c in rd["curves"]} >= {"jpeg 8b sigma:3", "input-jpeg", "seed-jpeg"}
    for r in rows:
        assert float(r["top1_drop"]) == pytest.approx(float(r["top1_float"]) - float(r["top1"]))
        assert float(r["bits_per_element"]) == pytest.approx(8 * float(r["bytes_per_sample"]) / 3136)
    # Lossy coding costs bytes in quality order.
    jpeg = [float(row(rows, "jpeg", bits=8, quality=q)["bytes_per_sample"]) for q in (10, 50, 90)]
    assert jpeg == sorted(jpeg)
    if HAVE_MATPLOTLIB:
        assert (out / "rd.png").stat().st_size > 10000 and (out / "rd.svg").exists()


@need_reference
@need_data
def test_rd_float_row_is_the_models_own_accuracy(reference_run):
    out, _ = reference_run
    _, rows = read_rows(out / "rd.csv")
    images, labels = first_test_images(64)
    edge = torch.jit.load(str(REF / "mid_edge.pt")).eval()
    cloud = torch.jit.load(str(REF / "mid_cloud.pt")).eval()
    with torch.no_grad():
        correct = int((cloud(edge(images)).argmax(1) == labels).sum())
    assert row(rows, "float")["correct"] == str(correct)


@need_reference
@need_data
def test_rd_lossless_rows_are_the_quantised_accuracy(reference_run, tmp_path):
    out, _ = reference_run
    _, rows = read_rows(out / "rd.csv")
    images, labels = first_test_images(64)
    edge = torch.jit.load(str(REF / "mid_edge.pt")).eval()
    cloud = torch.jit.load(str(REF / "mid_cloud.pt")).eval()
    for bits in (3, 8):
        expected = quantised_correct(edge, cloud, images, labels, tmp_path, "raw", bits, "sigma:3")
        assert row(rows, "raw", bits=bits)["correct"] == str(expected)
        assert row(rows, "lossless", bits=bits)["correct"] == str(expected)


@need_reference
@need_data
def test_rd_streams_cost_less_than_files_and_decode_the_same(tmp_path):
    args = ["rd", "--limit", 64, "--codecs", "lossless,jpeg", "--qualities", 50, "--bits", 2, "--clip", "minmax",
            "--no-plot"]
    ftc(*args, "--out", tmp_path / "file")
    ftc(*args, "--stream", "--out", tmp_path / "stream")
    _, files = read_rows(tmp_path / "file" / "rd.csv")
    _, streams = read_rows(tmp_path / "stream" / "rd.csv")
    for codec in ("lossless", "jpeg"):
        f, s = row(files, codec), row(streams, codec)
        assert s["stream"] == "1" and f["stream"] == "0"
        assert s["correct"] == f["correct"]  # the same quantiser: a clip range per packet
        # A packet carries 7 bytes of framing and 8 of clip range where a file has a 30-byte header; the
        # stream header goes once.
        assert float(f["bytes_per_sample"]) - float(s["bytes_per_sample"]) > 10


@need_data
def test_rd_on_a_model_it_has_not_seen(tmp_path):
    """A small MLP with rank-2 features and no whole model: the float row is its own accuracy, and the
    input-jpeg baseline composes the pair."""
    torch.manual_seed(0)
    train = read_idx(DATA / "train-images-idx3-ubyte.gz")[:6000]
    train_labels = torch.from_numpy(read_idx(DATA / "train-labels-idx1-ubyte.gz")[:6000].astype(np.int64))
    x = torch.from_numpy(train.astype(np.float32) / np.float32(255)).unsqueeze(1)
    edge = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 96), torch.nn.ReLU())
    cloud = torch.nn.Sequential(torch.nn.Linear(96, 10))
    opt = torch.optim.Adam(list(edge.parameters()) + list(cloud.parameters()), lr=2e-3)
    for i in range(0, 6000, 100):
        loss = torch.nn.functional.cross_entropy(cloud(edge(x[i:i + 100])), train_labels[i:i + 100])
        opt.zero_grad()
        loss.backward()
        opt.step()
    edge.eval()
    cloud.eval()
    torch.jit.script(edge).save(str(tmp_path / "e.pt"))
    torch.jit.script(cloud).save(str(tmp_path / "c.pt"))
    images, labels = first_test_images(500)
    with torch.no_grad():
        correct = int((cloud(edge(images)).argmax(1) == labels).sum())
    assert correct > 300  # it learned something, so the comparison means something
    out = tmp_path / "rd"
    ftc("rd", "--edge", tmp_path / "e.pt", "--cloud", tmp_path / "c.pt", "--limit", 500, "--codecs",
        "lossless,jpeg,input-jpeg", "--qualities", "50,95", "--bits", 8, "--out", out, "--no-plot")
    _, rows = read_rows(out / "rd.csv")
    assert row(rows, "float")["correct"] == str(correct)
    assert json.loads((out / "rd.json").read_text())["feature_shape"] == [96, 1, 1]
    assert abs(int(row(rows, "lossless")["correct"]) - correct) <= 5
    assert abs(int(row(rows, "input-jpeg", quality=95)["correct"]) - correct) <= 10


@need_reference
@need_data
def test_rd_cuts_a_whole_model_after_a_child(tmp_path):
    ftc("rd", "--full", REF / "full.pt", "--split", 3, "--limit", 64, "--codecs", "raw", "--out", tmp_path, "--no-plot")
    _, rows = read_rows(tmp_path / "rd.csv")
    images, labels = first_test_images(64)
    whole = torch.jit.load(str(REF / "full.pt")).eval()
    with torch.no_grad():
        assert row(rows, "float")["correct"] == str(int((whole(images).argmax(1) == labels).sum()))
    bad = ftc("rd", "--full", REF / "full.pt", "--split", "9", "--limit", 8, "--out", tmp_path, check=1)
    assert "no top-level child '9'" in bad.stderr


@need_reference
@need_data
def test_rd_reads_an_image_folder(tmp_path):
    """The first 40 test images as PNG files in class folders give the same accuracy as the IDX files."""
    from PIL import Image
    images = read_idx(DATA / "t10k-images-idx3-ubyte.gz")[:40]
    labels = read_idx(DATA / "t10k-labels-idx1-ubyte.gz")[:40]
    for i, (image, label) in enumerate(zip(images, labels)):
        folder = tmp_path / "data" / str(label)
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    args = ["--codecs", "raw", "--no-plot"]
    ftc("rd", "--dataset", f"imagefolder:{tmp_path / 'data'}", "--channels", 1, "--resize", 0, "--crop", 0,
        "--out", tmp_path / "folder", *args)
    ftc("rd", "--limit", 40, "--out", tmp_path / "idx", *args)
    _, folder_rows = read_rows(tmp_path / "folder" / "rd.csv")
    _, idx_rows = read_rows(tmp_path / "idx" / "rd.csv")
    assert row(folder_rows, "float")["samples"] == "40"
    assert row(folder_rows, "float")["correct"] == row(idx_rows, "float")["correct"]


@need_reference
@need_data
def test_analyze_prints_the_split_table_and_plots(tmp_path):
    p = ftc("analyze", "--limit", 64, "--out", tmp_path)
    assert "in mean±3σ" in p.stdout
    fields, rows = read_rows(tmp_path / "analyze.csv")
    assert [r["split"] for r in rows] == ["early", "mid", "late"]  # in the order data flows
    assert [r["shape"] for r in rows] == ["32x14x14", "64x7x7", "128x4x4"]
    macs = [float(r["edge_macs"]) for r in rows]
    assert 0 < macs[0] < macs[1] < macs[2]
    for r in rows:
        assert 0.9 < float(r["within_3sigma"]) <= 1.0
        assert float(r["bytes_8bit"]) == float(r["elements"])
        assert 0 < float(r["lossless_bits_per_element"]) < 8
    if HAVE_MATPLOTLIB:
        for name in ("analyze_hist.png", "analyze_hist.svg", "analyze_splits.png", "analyze_splits.svg"):
            assert (tmp_path / name).exists(), name


@need_reference
@need_data
def test_analyze_cuts_a_whole_model_after_each_child(tmp_path):
    ftc("analyze", "--full", REF / "full.pt", "--limit", 16, "--out", tmp_path, "--no-plot")
    _, rows = read_rows(tmp_path / "analyze.csv")
    assert [r["split"] for r in rows] == ["0", "1", "2", "3", "4"]  # every child but the head


@need_reference
@need_data
def test_bad_inputs_fail_with_a_message(tmp_path):
    cases = [
        (["rd", "--edge", tmp_path / "none.pt", "--cloud", REF / "mid_cloud.pt"], "no such file"),
        (["rd", "--edge", REF / "early_edge.pt", "--cloud", REF / "late_cloud.pt"], "fails on input"),
        (["rd", "--dataset", f"imagefolder:{tmp_path / 'nowhere'}"], "not a directory"),
        (["rd", "--dataset", "cifar"], "unknown dataset"),
        (["rd", "--edge", REF / "mid_edge.pt"], "give both --edge and --cloud"),
        (["rd", "--codecs", "gif"], "unknown codec 'gif'"),
        (["rd", "--model", REF, "--split", "middle"], "no split 'middle'"),
        (["analyze", "--model", tmp_path], "no <name>_edge.pt"),
    ]
    (tmp_path / "junk.pt").write_bytes(b"not a model")
    cases.append((["rd", "--edge", tmp_path / "junk.pt", "--cloud", REF / "mid_cloud.pt"], "not a TorchScript model"))
    for args, message in cases:
        p = ftc(*args, "--limit", 8, "--out", tmp_path / "out", "--no-plot", check=None)
        assert p.returncode != 0, args
        assert p.stderr.startswith("ftc: error: ") and message in p.stderr, (args, p.stderr)
        assert not (tmp_path / "out" / "rd.csv").exists()


def test_cuda_is_refused_clearly_without_a_gpu(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    p = ftc("rd", "--device", "cuda", "--limit", 8, "--out", tmp_path, check=None)
    assert p.returncode != 0 and "ftc: error: " in p.stderr
    assert "CUDA is not available" in p.stderr or "reference model is not at" in p.stderr
