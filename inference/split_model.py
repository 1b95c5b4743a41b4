#!/usr/bin/python3
"""Cuts a PyTorch model in two at a named node and writes the TorchScript pair `ftc rd` takes.

    /usr/bin/python3 inference/split_model.py --module my_net.py:Net [--kwargs '{"width": 64}'] \\
        [--state-dict weights.pt] --input-shape 1,3,224,224 --list
    /usr/bin/python3 inference/split_model.py --module my_net.py:Net --state-dict weights.pt \\
        --input-shape 1,3,224,224 --cut layer2 --out models/my_net [--name layer2]

or --pickle model.pt for a whole module saved with torch.save(model). The model is traced with torch.fx
(symbolic_trace); --list prints the nodes at which it can be cut, i.e. where a single tensor carries
everything the rest of the network needs (a node inside a residual block cannot be a cut: its skip
connection also crosses it). --cut NODE makes the edge part everything up to and including NODE (a
name --list prints, such as "relu_3") and the
cloud part the rest; NODE may also be a submodule's name ("layer2", "features.8"), which is then kept
whole and cut after. Both are scripted in eval mode and written as <out>/<name>_edge.pt and
<out>/<name>_cloud.pt (with <out>/full.pt, the whole model), then loaded back and checked: on a random
input of --input-shape, cloud(edge(x)) must equal the model's output.

The edge part takes what the model takes (float32 images N×C×H×W in [0, 1], normalisation inside) and
returns the feature tensor; the cloud part takes that tensor and returns the logits.
"""
import argparse
import importlib.util
import json
import os
import sys

import torch
import torch.fx


class SplitError(Exception):
    pass


def load_model(module_spec=None, kwargs=None, state_dict=None, pickle=None):
    """The model to cut, in eval mode: a class from a Python file (with constructor kwargs and optionally
    a state dict), or a whole pickled module."""
    if pickle:
        model = torch.load(pickle, map_location="cpu")
    else:
        path, _, name = module_spec.rpartition(":")
        if not path or not name:
            raise SplitError(f"--module wants FILE.py:CLASS, not {module_spec!r}")
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        if spec is None:
            raise SplitError(f"cannot import {path}")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        model = getattr(mod, name)(**(kwargs or {}))
        if state_dict:
            model.load_state_dict(torch.load(state_dict, map_location="cpu"))
    if not isinstance(model, torch.nn.Module):
        raise SplitError("the model is not a torch.nn.Module")
    return model.eval()


def crossing(graph_module, cut):
    """The values other than `cut` itself that nodes after `cut` read from nodes up to it."""
    before, after = [], False
    crossing_values = []
    for node in graph_module.graph.nodes:
        if after:
            for arg in node.all_input_nodes:
                if arg is not cut and arg in before and arg.op != "get_attr" and arg not in crossing_values:
                    crossing_values.append(arg)
        else:
            before.append(node)
            if node is cut:
                after = True
    return crossing_values


def cut_points(graph_module):
    """Nodes where the model can be cut: computed values whose output alone feeds the rest."""
    nodes = [n for n in graph_module.graph.nodes if n.op in ("call_module", "call_function", "call_method")]
    return [n for n in nodes if n.users and not crossing(graph_module, n)]


class _Tracer(torch.fx.Tracer):
    """symbolic_trace's tracer, keeping the named submodules whole (one call_module node each)."""

    def __init__(self, leaves):
        super().__init__()
        self.leaves = set(leaves)

    def is_leaf_module(self, m, qualified_name):
        return qualified_name in self.leaves or super().is_leaf_module(m, qualified_name)


def trace(model, leaves=()):
    tracer = _Tracer(leaves)
    graph = tracer.trace(model)
    return torch.fx.GraphModule(tracer.root, graph)


def find_cut(model, cut_name):
    """The traced model and the node to cut after: an fx node name, or a submodule's qualified name (the
    submodule is then traced as one node, and the cut falls after its output)."""
    modules = dict(model.named_modules())
    if cut_name and cut_name in modules:
        gm = trace(model, [cut_name])
        calls = [n for n in gm.graph.nodes if n.op == "call_module" and n.target == cut_name]
        if len(calls) != 1:
            raise SplitError(f"submodule {cut_name!r} is called {len(calls)} times; cut at an fx node instead")
        return gm, calls[0]
    gm = trace(model)
    nodes = {n.name: n for n in gm.graph.nodes}
    if cut_name not in nodes:
        raise SplitError(f"no node or submodule {cut_name!r}; --list shows the nodes")
    return gm, nodes[cut_name]


def split(model, cut_name):
    """(edge, cloud) GraphModules of `model` cut after `cut_name`: an fx node (see --list) or a submodule."""
    gm, cut = find_cut(model, cut_name)
    if cut.op in ("placeholder", "output", "get_attr"):
        raise SplitError(f"{cut_name!r} is a {cut.op} node, not a computed value")
    others = crossing(gm, cut)
    if others:
        raise SplitError(f"cannot cut at {cut_name!r}: {', '.join(n.name for n in others)} also cross(es) the cut "
                         f"(a skip connection); choose a node where one tensor carries everything, such as the "
                         f"output of a whole block")

    edge_graph, env = torch.fx.Graph(), {}
    order = list(gm.graph.nodes)
    position = order.index(cut)
    for node in order[:position + 1]:
        env[node] = edge_graph.node_copy(node, lambda n: env[n])
    edge_graph.output(env[cut])

    cloud_graph = torch.fx.Graph()
    cloud_env = {cut: cloud_graph.placeholder("features")}
    for node in order[:position]:  # parameters and buffers read after the cut are copied across
        if node.op == "get_attr" and any(order.index(u) > position for u in node.users):
            cloud_env[node] = cloud_graph.node_copy(node, lambda n: cloud_env[n])
    for node in order[position + 1:]:
        if node.op == "output":
            cloud_graph.output(torch.fx.graph.map_arg(node.args[0], lambda n: cloud_env[n]))
        else:
            cloud_env[node] = cloud_graph.node_copy(node, lambda n: cloud_env[n])

    edge = torch.fx.GraphModule(gm, edge_graph).eval()
    cloud = torch.fx.GraphModule(gm, cloud_graph).eval()
    edge.graph.eliminate_dead_code()
    cloud.graph.eliminate_dead_code()
    edge.delete_all_unused_submodules()
    cloud.delete_all_unused_submodules()
    edge.recompile()
    cloud.recompile()
    return edge, cloud


def to_torchscript(module, example):
    """torch.jit.script, or torch.jit.trace where the module cannot be scripted."""
    try:
        return torch.jit.script(module)
    except Exception:  # noqa: BLE001 - scripting fails on many Python constructs; tracing is the fallback
        return torch.jit.trace(module, example)


def max_difference(a, b):
    return float((a - b).abs().max()) if a.shape == b.shape else float("inf")


@torch.no_grad()
def write_pair(model, cut_name, out_dir, name, input_shape, seed=0):
    """Splits, scripts, writes and verifies; returns a dict describing the result."""
    edge, cloud = split(model, cut_name)
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(input_shape, generator=gen)
    expected = model(x)
    features = edge(x)
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for part, module, example in (("edge", edge, x), ("cloud", cloud, features)):
        scripted = to_torchscript(module, example)
        paths[part] = os.path.join(out_dir, f"{name}_{part}.pt")
        scripted.save(paths[part])
    paths["full"] = os.path.join(out_dir, "full.pt")
    to_torchscript(model, x).save(paths["full"])
    edge_loaded = torch.jit.load(paths["edge"]).eval()
    cloud_loaded = torch.jit.load(paths["cloud"]).eval()
    composed = cloud_loaded(edge_loaded(x))
    difference = max_difference(composed, expected)
    scale = 1.0 + float(expected.abs().max())
    if difference > 1e-5 * scale:
        raise SplitError(f"cloud(edge(x)) differs from the model by {difference:g}")
    return {"cut": cut_name, "feature_shape": list(features.shape[1:]), "edge": paths["edge"],
            "cloud": paths["cloud"], "full": paths["full"], "max_abs_difference": difference}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--module", help="FILE.py:CLASS, the model's class")
    src.add_argument("--pickle", help="a whole module saved with torch.save(model)")
    ap.add_argument("--kwargs", default="{}", help="JSON object of constructor arguments for --module")
    ap.add_argument("--state-dict", help="weights for --module (torch.save(model.state_dict()))")
    ap.add_argument("--input-shape", required=True, help="N,C,H,W of a model input, e.g. 1,3,224,224")
    ap.add_argument("--list", action="store_true", help="list the nodes the model can be cut at")
    ap.add_argument("--cut", help="the node to cut after")
    ap.add_argument("--out", help="output folder")
    ap.add_argument("--name", help="file prefix (default: the cut node's name)")
    args = ap.parse_args()
    try:
        model = load_model(args.module, json.loads(args.kwargs), args.state_dict, args.pickle)
        shape = [int(v) for v in args.input_shape.split(",")]
        if args.list:
            gm = trace(model)
            x = torch.rand(shape)
            shapes = {}

            class Recorder(torch.fx.Interpreter):
                def run_node(self, n):
                    value = super().run_node(n)
                    if isinstance(value, torch.Tensor):
                        shapes[n.name] = tuple(value.shape[1:])
                    return value

            with torch.no_grad():
                Recorder(gm).run(x)
            print(f"{'node':30s} {'operation':40s} feature shape")
            for n in cut_points(gm):
                target = n.target if isinstance(n.target, str) else getattr(n.target, "__name__", str(n.target))
                print(f"{n.name:30s} {target:40s} {shapes.get(n.name, '?')}")
            print("(a submodule's name, such as a top-level child, also works as --cut)")
            return 0
        if not args.cut or not args.out:
            ap.error("give --list, or --cut and --out")
        info = write_pair(model, args.cut, args.out, args.name or args.cut, shape)
        print(json.dumps(info, indent=2))
        return 0
    except SplitError as e:
        print(f"split_model.py: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
