#!/usr/bin/env python3
"""Checks the include directions the project promises (CONTRIBUTING.md, "Layering"):

- inside codec/src, a layer includes only itself and lower layers:
  common -> dsp -> quant -> mosaic -> container -> backends -> api
- codec/ never includes anything of LibTorch, and nothing outside codec/ and tests/unit includes codec/src
  (but bench/kernel_bench.cc, which times the internal kernels).
"""
import pathlib
import re
import sys

LAYERS = ["common", "dsp", "quant", "mosaic", "container", "backends", "api"]
# Outside codec/ and tests/unit, the files that may include internals: the kernel benchmark times the SIMD
# kernels themselves, which the public API reaches only wrapped in the rest of the codec.
INTERNAL_ALLOWED = {"bench/kernel_bench.cc"}
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)


def main(root):
    root = pathlib.Path(root)
    problems = []
    src = root / "codec" / "src"
    for path in sorted(src.rglob("*")):
        if path.suffix not in {".h", ".cc", ".cpp", ".hpp"}:
            continue
        layer = path.relative_to(src).parts[0]
        rank = LAYERS.index(layer) if layer in LAYERS else None
        for inc in INCLUDE.findall(path.read_text(errors="replace")):
            head = inc.split("/")[0]
            if head in ("torch", "ATen", "c10") or "torch" in inc:
                problems.append(f"{path}: codec includes LibTorch ({inc})")
            if rank is not None and head in LAYERS and LAYERS.index(head) > rank:
                problems.append(f"{path}: layer '{layer}' includes higher layer '{head}' ({inc})")
    for top in ("tools", "bindings", "inference", "bench", "datasets", "examples", "serving"):
        for path in sorted((root / top).rglob("*")) if (root / top).exists() else []:
            if path.suffix not in {".h", ".cc", ".cpp", ".hpp", ".c"}:
                continue
            if path.relative_to(root).as_posix() in INTERNAL_ALLOWED:
                continue
            for inc in INCLUDE.findall(path.read_text(errors="replace")):
                if inc.split("/")[0] in LAYERS:
                    problems.append(f"{path}: uses codec-internal header {inc}; use the public API (ftc/ftc.h)")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
