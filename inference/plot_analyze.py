#!/usr/bin/python3
"""Draws the split-point plots of `ftc analyze` from its analyze.json.

    /usr/bin/python3 inference/plot_analyze.py OUT/analyze.json OUT

writes OUT/analyze_hist.png/.svg (one histogram of feature values per split, with the mean and mean ± 3σ,
as in Figure 3 of Ulhaq & Bajić) and OUT/analyze_splits.png/.svg (per split: tensor size, edge compute,
and coded size). Exits with status 3 when matplotlib is missing (Debian: python3-matplotlib).
"""
import json
import math
import sys

from plot_rd import load_matplotlib, save


def histograms(plt, an, out_dir):
    splits = an["splits"]
    cols = min(3, len(splits))
    rows = math.ceil(len(splits) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 3.8 * rows), squeeze=False)
    for ax, s in zip(axes.flat, splits):
        counts = s["histogram"]
        bins = len(counts)
        width = (s["hist_hi"] - s["hist_lo"]) / bins
        edges = [s["hist_lo"] + i * width for i in range(bins)]
        total = float(sum(counts)) or 1.0
        density = [c / total / width for c in counts]
        # Post-ReLU features put a large share of exact zeros in the first bin; it is drawn apart and the
        # axis is scaled to the other bins, so the shape of the rest stays visible.
        spike = s["min"] == 0 and s["zero_fraction"] > 0.05
        rest = density[1:] if spike else density
        ax.bar(edges, density, width=width, align="edge", color="tab:blue", alpha=0.8)
        if spike:
            ax.bar(edges[:1], density[:1], width=width, align="edge", color="tab:orange")
            ax.set_ylim(0, 1.15 * max(rest + [1e-12]))
            ax.annotate(f"zeros: {100 * s['zero_fraction']:.1f}% (bar cut)", xy=(edges[0], 1.1 * max(rest + [1e-12])),
                        fontsize=8, color="tab:orange")
        mean, sd = s["mean"], s["std"]
        ax.axvline(mean, color="black", linewidth=1)
        for k in (-3, 3):
            ax.axvline(mean + k * sd, color="red", linestyle="--", linewidth=1)
        shape = "x".join(str(d) for d in s["shape"])
        ax.set_title(f"{s['name']} ({shape}): mean {mean:.3f}, σ {sd:.3f}\n"
                     f"{100 * s['within_3sigma']:.2f}% within mean ± 3σ (red)", fontsize=9)
        ax.set_xlabel(f"feature value (histogram over [{s['hist_lo']:.2f}, {s['hist_hi']:.2f}]: "
                      f"mean ± 5σ within min..max {s['min']:.2f}..{s['max']:.2f})", fontsize=8)
        ax.set_ylabel("density")
    for ax in list(axes.flat)[len(splits):]:
        ax.axis("off")
    fig.suptitle(f"{an['model']}\n{an['dataset']}: {an['samples']} samples", fontsize=9)
    fig.tight_layout()
    save(fig, out_dir, "analyze_hist")


def summary(plt, an, out_dir):
    splits = an["splits"]
    names = [s["name"] for s in splits]
    xs = range(len(splits))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    w = 0.27
    axes[0].bar([x - w for x in xs], [4 * s["elements"] for s in splits], w, label="float32")
    axes[0].bar(list(xs), [s["elements"] for s in splits], w, label="8-bit")
    axes[0].bar([x + w for x in xs], [s["lossless_bytes"] for s in splits], w,
                label=f"{an['lossless_codec']} (8-bit, sigma:3)")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("bytes per sample")
    axes[0].set_title("feature tensor size")
    axes[0].legend(fontsize=8)
    macs = [s["edge_macs"] / 1e6 if s["edge_macs"] is not None else 0 for s in splits]
    axes[1].bar(list(xs), macs, color="tab:purple")
    axes[1].set_ylabel("million MACs per sample")
    ax2 = axes[1].twinx()
    ax2.plot(list(xs), [s["edge_ms"] for s in splits], color="black", marker="o")
    ax2.set_ylabel("measured edge ms per sample (line)")
    axes[1].set_title("edge compute")
    axes[2].bar([x - w / 2 for x in xs], [100 * s["within_3sigma"] for s in splits], w, label="% within mean ± 3σ")
    axes[2].bar([x + w / 2 for x in xs], [100 * s["zero_fraction"] for s in splits], w, label="% zeros")
    axes[2].set_ylim(0, 105)
    ax3 = axes[2].twinx()
    ax3.plot(list(xs), [s["lossless_bits_per_element"] for s in splits], color="black", marker="o")
    ax3.set_ylabel("lossless bits per element (line)")
    axes[2].set_title("distribution and compressibility")
    axes[2].legend(fontsize=8, loc="lower left")
    for ax in axes:
        ax.set_xticks(list(xs))
        ax.set_xticklabels(names, rotation=30 if len(names) > 4 else 0)
    fig.suptitle(f"{an['model']}: candidate split points, in the order data flows", fontsize=9)
    fig.tight_layout()
    save(fig, out_dir, "analyze_splits")


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    with open(sys.argv[1]) as f:
        an = json.load(f)
    plt = load_matplotlib()
    histograms(plt, an, sys.argv[2])
    summary(plt, an, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
