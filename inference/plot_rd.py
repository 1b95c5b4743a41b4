#!/usr/bin/python3
"""Draws the rate-accuracy plots of `ftc rd` from its rd.json.

    /usr/bin/python3 inference/plot_rd.py OUT/rd.json OUT

writes OUT/rd.png and OUT/rd.svg: top-1 against bits per feature element and against bytes per sample,
one curve per codec setting, the float model as a horizontal line with the accuracy budget below it, and
the input-jpeg and seed-jpeg baselines. The cheapest point of each codec within the budget is starred.
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
        print("plot_rd.py: matplotlib is not installed (Debian package python3-matplotlib); no plots",
              file=sys.stderr)
        sys.exit(3)


def style(label, index):
    """Colour, line style and marker of a curve: the baselines stand out, the rest take the colour cycle."""
    if label == "input-jpeg":
        return dict(color="black", linestyle="--", marker="s", linewidth=2.0)
    if label == "seed-jpeg":
        return dict(color="dimgray", linestyle=":", marker="D", linewidth=2.0)
    colours = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink",
               "tab:olive", "tab:cyan"]
    markers = ["o", "^", "v", "<", ">", "p", "h", "X", "*"]
    return dict(color=colours[index % len(colours)], linestyle="-", marker=markers[(index // len(colours)) % len(markers)],
                linewidth=1.4)


def save(fig, out_dir, name):
    """Writes the figure atomically: a reader never sees a half-written file."""
    for ext in ("png", "svg"):
        path = os.path.join(out_dir, f"{name}.{ext}")
        tmp = os.path.join(out_dir, f".{name}.tmp.{os.getpid()}.{ext}")
        try:
            fig.savefig(tmp, dpi=130, bbox_inches="tight")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 1
    with open(sys.argv[1]) as f:
        rd = json.load(f)
    out_dir = sys.argv[2]
    plt = load_matplotlib()

    rows = rd["rows"]
    float_rows = [r for r in rows if r["codec"] == "float"]
    top1_float = 100 * float_rows[0]["top1"] if float_rows else None
    budget = 100 * rd.get("max_drop", 0.01)
    cheapest = {c["row"] for c in rd.get("cheapest_within_budget", [])}
    lowest = min(100 * r["top1"] for r in rows)
    bottom = max(lowest - 1, (top1_float if top1_float is not None else 100) - 12)

    top = (top1_float if top1_float is not None else 100) + 0.5
    # Left: the whole picture against bits per element. Right: bytes per sample, zoomed on the operating
    # region (the budget and a little below), where the curves crowd.
    fig, axes = plt.subplots(1, 2, figsize=(15, 6.5))
    panels = [("bits_per_element", "bits per feature element (log scale)", bottom),
              ("bytes_per_sample", "bytes per sample (log scale), zoomed on the budget", max(bottom, top - 3.5 * budget - 0.5))]
    for ax, (key, xlabel, low) in zip(axes, panels):
        plain = 0
        for curve in rd["curves"]:
            label = curve["label"]
            pts = [rows[i] for i in curve["rows"]]
            st = style(label, plain)
            if label not in ("input-jpeg", "seed-jpeg"):
                plain += 1
            xs = [r[key] for r in pts]
            ys = [max(100 * r["top1"], low) for r in pts]
            ax.plot(xs, ys, label=label, markersize=4, **st)
            for i in curve["rows"]:
                if i in cheapest:
                    ax.plot([rows[i][key]], [100 * rows[i]["top1"]], marker="*", markersize=16, color=st["color"],
                            markeredgecolor="black", linestyle="none", zorder=5)
        if top1_float is not None:
            ax.axhline(top1_float, color="green", linewidth=1.0, label=f"float (no coding): {top1_float:.2f}%")
            ax.axhspan(top1_float - budget, top1_float, color="green", alpha=0.08,
                       label=f"within {budget:g} point of float")
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.set_ylim(low, top)
        ax.set_ylabel("top-1 accuracy (%)")
    if float_rows:
        axes[0].plot([float_rows[0]["bits_per_element"]], [top1_float], marker="o", color="green", linestyle="none")
        axes[1].plot([float_rows[0]["bytes_per_sample"]], [top1_float], marker="o", color="green", linestyle="none")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8,
               title="curve (★ cheapest within budget)")
    shape = "x".join(str(d) for d in rd["feature_shape"])
    fig.suptitle(f"{rd['model']}\n{rd['dataset']}: {rd['samples']} samples; features {shape}; "
                 f"points below a panel drawn at its bottom edge", fontsize=9)
    fig.tight_layout()
    save(fig, out_dir, "rd")
    return 0


if __name__ == "__main__":
    sys.exit(main())
