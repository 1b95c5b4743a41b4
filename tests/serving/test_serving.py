"""End-to-end tests of `ftc serve`, `ftc edge` and `ftc latency` on loopback (docs/SERVING.md), run by ctest
with FTC_CLI naming the tool and FTC_SOURCE_DIR the source tree.

Every server listens on 127.0.0.1 port 0 and the test reads the port it chose. The answers are checked
against `ftc rd` on the same samples and settings (its --stream rows code each sample as a device session
does), on the reference model and on a small model the test trains itself; the server must survive
garbage on its port, a client killed mid-stream, and answer the frames in flight when it is stopped.
"""
import json
import os
import pathlib
import random
import selectors
import signal
import socket
import subprocess
import threading
import time

import pytest

FTC = os.environ.get("FTC_CLI", "")
ROOT = pathlib.Path(os.environ.get("FTC_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
REF = ROOT / "models" / "fashion_resnet"
DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")
if not FTC or not os.path.exists(FTC):
    pytest.exit("set FTC_CLI to the ftc binary (ctest does)", returncode=4)

pytestmark = [
    pytest.mark.skipif(not (REF / "mid_edge.pt").exists(), reason="the reference model is not trained"),
    pytest.mark.skipif(not (DATA / "t10k-images-idx3-ubyte.gz").exists(), reason="dataset-fashion-mnist is missing"),
]


def ftc(*args, check=0, timeout=600):
    p = subprocess.run([FTC, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check is not None:
        assert p.returncode == check, (args, p.returncode, p.stdout[-3000:], p.stderr[-3000:])
    return p


def edge_json(*args, check=0):
    p = ftc("edge", "--json", *args, check=check)
    return json.loads(p.stdout)


def rd_rows(tmp, *args):
    out = tmp / f"rd{random.randrange(1 << 30)}"
    ftc("rd", "--stream", "--no-plot", "-q", "-o", out, *args)
    return json.loads((out / "rd.json").read_text())["rows"]


def rd_row(rows, codec, **match):
    found = [r for r in rows if r["codec"] == codec and all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (codec, match, rows)
    return found[0]


class Server:
    """`ftc serve` on a free loopback port; its log (stderr) is collected as it comes."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([FTC, "serve", "--listen", "127.0.0.1:0", "--log-interval", "0.2", *map(str, args)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines = []
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        first = ""
        if sel.select(timeout=60):
            first = self.proc.stdout.readline()
        sel.close()
        assert "listening on 127.0.0.1:" in first, (first, self.proc.poll(), self.proc.stderr.read() if self.proc.poll() is not None else "")
        self.address = first.split("listening on ")[1].split(",")[0]
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def log(self):
        return "".join(self.lines)

    def wait_for_log(self, text, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if text in self.log():
                return
            assert self.proc.poll() is None, self.log()
            time.sleep(0.05)
        raise AssertionError(f"no '{text}' in the server's log:\n{self.log()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(timeout=60)
        self.reader.join(timeout=10)
        return status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_split_and_cloud_answers_equal_the_local_rd_run(tmp_path):
    rows = rd_rows(tmp_path, "--limit", 300, "--codecs", "jpeg,lossless,input-jpeg", "--qualities", 50,
                   "--bits", 8, "--clip", "sigma:3")
    with Server() as server:
        for codec, flags in [("jpeg", ["--codec", "jpeg", "--quality", 50]), ("lossless", ["--codec", "lossless"])]:
            got = edge_json("--server", server.address, "--frames", 300, "--verify", *flags)
            want = rd_row(rows, codec)
            assert (got["frames"], got["answered"], got["errors"], got["disagreements"]) == (300, 300, 0, 0)
            assert got["correct"] == want["correct"], (codec, got, want)
            # rd counts a stream header once per worker thread, the device once per session.
            assert abs(got["bytes_per_frame"] - want["bytes_per_sample"]) < 0.5, (got, want)
        got = edge_json("--server", server.address, "--frames", 300, "--mode", "cloud", "--image-quality", 50, "--verify")
        want = rd_row(rows, "input-jpeg", quality=50)
        assert got["correct"] == want["correct"] and got["disagreements"] == 0, (got, want)
        assert got["bytes_per_frame"] == pytest.approx(want["bytes_per_sample"], abs=0.01)
        local = edge_json("--mode", "edge", "--frames", 300)
        assert local["correct"] == rd_row(rows, "float")["correct"]
        assert server.stop() == 0
    assert "stopped after 900 frames (0 errors)" in server.log()


def test_several_devices_at_once_each_get_their_answers():
    with Server("--max-batch", 16) as server:
        one = edge_json("--server", server.address, "--frames", 100)
        many = edge_json("--server", server.address, "--frames", 100, "--clients", 4, "--pipeline", "--verify")
        assert (many["frames"], many["answered"], many["errors"], many["disagreements"]) == (400, 400, 0, 0)
        assert many["correct"] == 4 * one["correct"]
        assert many["mean_batch"] >= 1
        server.stop()


def train_small_model(out):
    """A model the harness has never seen: conv, pool, conv, linear, trained briefly; split after the pool."""
    import gzip

    import numpy as np
    import torch

    torch.manual_seed(7)

    def idx(name):
        with gzip.open(DATA / name, "rb") as f:
            data = f.read()
        dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
        return np.frombuffer(data, np.uint8, offset=4 + 4 * data[3]).reshape(dims)

    images = torch.from_numpy(idx("train-images-idx3-ubyte.gz")[:4000].astype(np.float32) / np.float32(255)).unsqueeze(1)
    labels = torch.from_numpy(idx("train-labels-idx1-ubyte.gz")[:4000].astype(np.int64))
    edge = torch.nn.Sequential(torch.nn.Conv2d(1, 12, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
    cloud = torch.nn.Sequential(torch.nn.Conv2d(12, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(2),
                                torch.nn.Flatten(), torch.nn.Linear(64, 10))
    model = torch.nn.Sequential(edge, cloud)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(2):
        for i in range(0, len(images), 100):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(images[i:i + 100]), labels[i:i + 100]).backward()
            opt.step()
    model.eval()
    out.mkdir()
    torch.jit.script(edge).save(str(out / "pool_edge.pt"))
    torch.jit.script(cloud).save(str(out / "pool_cloud.pt"))
    torch.jit.script(model).save(str(out / "full.pt"))


def test_a_model_the_developers_have_not_seen(tmp_path):
    model = tmp_path / "small"
    train_small_model(model)
    rows = rd_rows(tmp_path, "--model", model, "--split", "pool", "--limit", 400, "--codecs", "lossless,jpeg,input-jpeg",
                   "--qualities", 70, "--bits", 4, "--clip", "sigma:4")
    with Server("--model", model, "--split", "pool") as server:
        for codec, flags in [("lossless", ["--codec", "lossless"]), ("jpeg", ["--codec", "jpeg", "--quality", 70])]:
            got = edge_json("--model", model, "--split", "pool", "--server", server.address, "--frames", 400, "--bits", 4,
                            "--clip", "sigma:4", "--clients", 2, "--verify", *flags)
            assert (got["answered"], got["errors"], got["disagreements"]) == (800, 0, 0)
            assert got["correct"] == 2 * rd_row(rows, codec)["correct"], (codec, got)
            assert got["top1"] > 0.5  # it did learn
        got = edge_json("--model", model, "--split", "pool", "--server", server.address, "--frames", 400, "--mode", "cloud",
                        "--image-quality", 70, "--verify")
        assert got["correct"] == rd_row(rows, "input-jpeg")["correct"]
        assert server.stop() == 0


def test_bad_frames_get_error_answers_and_the_exit_status_says_so():
    with Server("--cloud", REF / "mid_cloud.pt") as server:
        p = ftc("edge", "--server", server.address, "--frames", 5, "--model-id", "another", "--json", check=2)
        got = json.loads(p.stdout)
        assert got["error_codes"] == {"CODE_UNKNOWN_MODEL": 5}
        assert "5 answered with an error" in p.stderr
        p = ftc("edge", "--server", server.address, "--frames", 5, "--mode", "cloud", "--json", check=1)
        assert "does not serve cloud-only frames" in p.stderr
        assert edge_json("--server", server.address, "--frames", 20)["answered"] == 20
        server.stop()


def test_garbage_bytes_on_the_port_leave_the_server_serving():
    with Server("--full", REF / "full.pt", "--cloud", REF / "mid_cloud.pt") as server:
        host, port = server.address.split(":")
        rng = random.Random(1)
        payloads = [bytes(rng.randrange(256) for _ in range(n)) for n in (1, 100, 5000, 100000)]
        payloads += [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes(rng.randrange(256) for _ in range(2000)),
                     b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00" + b"\xff" * 64]
        for data in payloads:
            with socket.create_connection((host, int(port)), timeout=5) as s:
                try:
                    s.sendall(data)
                    s.settimeout(0.5)
                    s.recv(1024)
                except OSError:
                    pass  # the server may close the connection first
        assert server.proc.poll() is None
        got = edge_json("--server", server.address, "--frames", 50, "--verify")
        assert (got["answered"], got["errors"], got["disagreements"]) == (50, 0, 0)
        assert server.stop() == 0


def test_a_client_killed_mid_stream_leaves_the_server_serving():
    with Server() as server:
        device = subprocess.Popen([FTC, "edge", "--server", server.address, "--duration", "60", "--pipeline",
                                   "--in-flight", "8"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            server.wait_for_log("1 streams open")
        finally:
            device.kill()
            device.wait()
        server.wait_for_log("0 streams open, 0 frames in flight")
        got = edge_json("--server", server.address, "--frames", 50)
        assert (got["answered"], got["errors"]) == (50, 0)
        assert server.stop() == 0


def test_shutdown_answers_the_frames_in_flight():
    # A batch waits a minute to fill: the frames are still queued when SIGTERM comes, and must be answered.
    with Server("--max-batch", 64, "--max-delay-ms", 60000) as server:
        device = subprocess.Popen([FTC, "edge", "--server", server.address, "--frames", "8", "--pipeline", "--in-flight",
                                   "8", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            server.wait_for_log("8 frames in flight")
            assert server.stop() == 0
            out, err = device.communicate(timeout=60)
        finally:
            device.kill()
        assert device.returncode == 0, (out, err)
        got = json.loads(out)
        assert (got["answered"], got["errors"]) == (8, 0)
        assert got["server_queue_ms"]["p50"] < 60000
    assert "stopped after 8 frames (0 errors)" in server.log()


def test_the_upload_rate_sets_the_upload_time():
    with Server() as server:
        fast = edge_json("--server", server.address, "--frames", 10, "--codec", "lossless")
        slow = edge_json("--server", server.address, "--frames", 10, "--codec", "lossless", "--upload-kbps", 200,
                         "--rtt-ms", 20)
        # One frame at a time, a frame's upload is its bytes over the rate.
        assert slow["upload_ms"]["mean"] == pytest.approx(slow["wire_bytes_per_frame"] * 8 / 200, rel=1e-3)
        assert fast["upload_ms"]["mean"] == 0
        assert slow["download_ms"]["p50"] >= 20  # the round trip
        assert slow["total_ms"]["mean"] >= slow["upload_ms"]["mean"] + 20
        assert slow["correct"] == fast["correct"]
        server.stop()


def test_latency_report_shows_where_split_beats_cloud_only(tmp_path):
    with Server("--model", REF) as server:
        out = tmp_path / "lat"
        p = ftc("latency", "--server", server.address, "--frames", 30, "--codecs", "lossless", "--bits", "1,8", "--clip",
                "sigma:4", "--rates", "10,100,1000,100000", "-o", out)
        server.stop()
    assert "fastest" in p.stdout
    result = json.loads((out / "latency.json").read_text())
    curves = {c["label"]: c for c in result["curves"]}
    edge, cloud = curves["edge-only"], [c for c in result["curves"] if c["mode"] == "cloud-only"][0]
    split1 = [c for c in result["curves"] if c["label"].startswith("split lossless 1b")][0]
    assert len(set(edge["total_ms"])) == 1
    for c in (cloud, split1):
        assert c["total_ms"] == sorted(c["total_ms"], reverse=True)  # faster with more bandwidth
    assert split1["wire_bytes"] < cloud["wire_bytes"]
    assert split1["total_ms"][0] < cloud["total_ms"][0]  # at 10 kbit/s the features win
    assert (out / "latency.csv").read_text().startswith("mode,curve,upload_kbps,total_ms")
    assert (out / "latency.png").exists() and (out / "latency.svg").exists()


def test_thirty_two_devices_are_all_answered_correctly():
    with Server("--max-batch", 32) as server:
        got = edge_json("--server", server.address, "--clients", 32, "--duration", 5, "--frames", 500, "--pipeline",
                        "--verify")
        assert got["frames"] >= 32 and got["answered"] == got["frames"], got
        assert (got["errors"], got["disagreements"], got["stream_errors"]) == (0, 0, [])
        print(f"32 devices: {got['fps']:.0f} frames/s, total ms p50 {got['total_ms']['p50']:.1f} "
              f"p95 {got['total_ms']['p95']:.1f} p99 {got['total_ms']['p99']:.1f}, mean batch {got['mean_batch']:.1f}")
        assert server.stop() == 0


def test_bad_usage_fails_with_a_message():
    assert "CUDA is not available" in ftc("serve", "--listen", "127.0.0.1:0", "--device", "cuda", check=1).stderr
    assert "--mode" in ftc("edge", "--mode", "sideways", check=1).stderr
    assert "cannot listen" in ftc("serve", "--listen", "nonsense:99999", check=3).stderr
    assert "no ftc server is serving" in ftc("edge", "--server", "127.0.0.1:1", "--connect-timeout", "0.5", check=3).stderr
    assert "do not apply" in ftc("edge", "--mode", "edge", "--upload-kbps", 100, check=1).stderr
