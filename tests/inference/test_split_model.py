"""inference/split_model.py on the reference architecture (inference/train/train_reference.py):
cuts at block boundaries reproduce the model, cuts inside a residual block are refused, and the written
TorchScript pair composes to the whole model and matches the training script's own edge/cloud split."""
import os
import pathlib
import subprocess
import sys

import pytest
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "inference"))
sys.path.insert(0, str(ROOT / "inference" / "train"))

import split_model  # noqa: E402
import train_reference  # noqa: E402


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(1)
    m = train_reference.FashionResNet(stem_stride=2, mean=0.3, std=0.35)
    # Non-trivial BatchNorm statistics, so that eval mode matters.
    for module in m.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return m.eval()


@pytest.mark.parametrize("cut,stages", [("stage1", 1), ("stage2", 2), ("stage3", 3)])
def test_cut_after_a_stage_equals_the_reference_split(model, cut, stages, tmp_path):
    info = split_model.write_pair(model, cut, str(tmp_path), cut, [3, 1, 28, 28])
    x = torch.rand(5, 1, 28, 28)
    edge = torch.jit.load(info["edge"]).eval()
    cloud = torch.jit.load(info["cloud"]).eval()
    with torch.no_grad():
        features = edge(x)
        assert torch.equal(features, model.edge(stages)(x))
        assert torch.allclose(cloud(features), model(x), atol=1e-6, rtol=1e-5)
        assert torch.allclose(torch.jit.load(info["full"])(x), model(x), atol=1e-6, rtol=1e-5)


def test_cut_at_an_fx_node(model):
    gm = split_model.trace(model)
    names = [n.name for n in split_model.cut_points(gm)]
    assert "relu_3" in names  # the output of stage 2, after its add and ReLU
    edge, cloud = split_model.split(model, "relu_3")
    x = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(edge(x), model.edge(2)(x))
        assert torch.allclose(cloud(edge(x)), model(x), atol=1e-6)


def test_cuts_inside_a_residual_block_are_refused(model):
    names = [n.name for n in split_model.cut_points(split_model.trace(model))]
    assert "stage2_0_conv1" not in names
    with pytest.raises(split_model.SplitError, match="skip connection"):
        split_model.split(model, "stage2_0_conv1")
    with pytest.raises(split_model.SplitError, match="no node"):
        split_model.split(model, "stage9")


def test_command_line(model, tmp_path):
    weights = tmp_path / "w.pt"
    torch.save(model.state_dict(), weights)
    script = ROOT / "inference" / "split_model.py"
    common = [sys.executable, str(script), "--module", f"{ROOT / 'inference/train/train_reference.py'}:FashionResNet",
              "--kwargs", '{"stem_stride": 2, "mean": 0.3, "std": 0.35}', "--state-dict", str(weights),
              "--input-shape", "1,1,28,28"]
    listed = subprocess.run(common + ["--list"], capture_output=True, text=True, check=True)
    assert "relu_3" in listed.stdout
    out = tmp_path / "pair"
    subprocess.run(common + ["--cut", "stage2", "--out", str(out), "--name", "mid"], capture_output=True, check=True)
    assert sorted(os.listdir(out)) == ["full.pt", "mid_cloud.pt", "mid_edge.pt"]
    bad = subprocess.run(common + ["--cut", "stage2_0_bn1", "--out", str(out)], capture_output=True, text=True)
    assert bad.returncode == 1 and "skip connection" in bad.stderr
