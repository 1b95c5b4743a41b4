#!/usr/bin/python3
"""Draws the latency report of `ftc latency` from its latency.json: the seed paper's Figure 2.

    /usr/bin/python3 serving/plot_latency.py OUT/latency.json OUT

writes OUT/latency.png and OUT/latency.svg: total inference time per frame against the upload rate (log-log),
edge-only as a flat black line, cloud-only dashed grey, one line per split setting, with the top-1 of each in
its legend entry; the rates at which a split setting beats cloud-only are shaded under its line.
Exits with status 3 when matplotlib is missing (Debian: python3-matplotlib), after saying so.
"""
import json
import os
import sys


def load_matplotlib():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        return plt
    except ImportError:
        print("plot_latency.py: matplotlib is not installed (Debian package python3-matplotlib); no plots",
              file=sys.stderr)
        sys.exit(3)


def main(path, out):
    plt = load_matplotlib()
    with open(path) as f:
        result = json.load(f)
    rates = result["rates_kbps"]
    fig, ax = plt.subplots(figsize=(9, 5.5))
    cloud = next((c for c in result["curves"] if c["mode"] == "cloud-only"), None)
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]
    split_index = 0
    for curve in result["curves"]:
        label = f"{curve['label']}: top-1 {100 * curve['top1']:.1f}%"
        if curve["mode"] != "edge-only":
            label += f", {curve['wire_bytes']:.0f} B"
        if curve["mode"] == "edge-only":
            ax.plot(rates, curve["total_ms"], color="black", linewidth=2.0, label=label)
        elif curve["mode"] == "cloud-only":
            ax.plot(rates, curve["total_ms"], color="dimgray", linestyle="--", marker="s", linewidth=2.0, label=label)
        else:
            colour = colours[split_index % len(colours)]
            split_index += 1
            ax.plot(rates, curve["total_ms"], color=colour, marker="o", linewidth=1.4, label=label)
            if cloud:
                wins = [s < c for s, c in zip(curve["total_ms"], cloud["total_ms"])]
                ax.fill_between(rates, curve["total_ms"], cloud["total_ms"], where=wins, color=colour, alpha=0.12,
                                interpolate=True)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("upload rate (kbit/s)")
    ax.set_ylabel("total inference time per frame (ms)")
    title = f"Total inference time against upload rate (rtt {result['rtt_ms']:g} ms"
    if result["edge_factor"] != 1:
        title += f", device {result['edge_factor']:g}x slower"
    ax.set_title(title + ")\nshaded: where split inference beats cloud-only")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(os.path.join(out, f"latency.{ext}"), dpi=120)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
