"""latency.png: p50 and p95 latency and messages per second against concurrency, the assistant
solid and the reference dashed, one colour per deployment, the target marked."""

from __future__ import annotations

from pathlib import Path
from typing import List

from tools.benchmark.deployments import ASSISTANTS, DEPLOYMENT_LABELS, DEPLOYMENTS
from tools.benchmark.report import TARGET_LEVEL, TARGET_P95_MS


def plot(results: List[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"single": "tab:blue", "workers": "tab:orange", "replicas": "tab:green"}
    styles = {"neutropenia": "-", "rasa-init": "--"}
    markers = {"neutropenia": "o", "rasa-init": "s"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2))
    for assistant in ASSISTANTS:
        for deployment in DEPLOYMENTS:
            rows = sorted(
                (r for r in results if r["assistant"] == assistant and r["deployment"] == deployment),
                key=lambda r: r["concurrency"],
            )
            if not rows:
                continue
            x = [r["concurrency"] for r in rows]
            label = f"{assistant}, {DEPLOYMENT_LABELS[deployment]}"
            for ax, key in zip(axes, ("p50_ms", "p95_ms", "messages_per_s"), strict=False):
                ax.plot(
                    x,
                    [r[key] for r in rows],
                    styles[assistant],
                    marker=markers[assistant],
                    color=colors[deployment],
                    label=label,
                )
    levels = sorted({r["concurrency"] for r in results})
    for ax, title in zip(axes, ("p50 latency (ms)", "p95 latency (ms)", "messages per second"), strict=False):
        ax.set_xscale("log")
        ax.set_xticks(levels)
        ax.set_xticklabels([str(v) for v in levels])
        ax.set_xlabel("concurrent conversations")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        if "latency" in title:
            ax.set_yscale("log")
    axes[1].axhline(TARGET_P95_MS, color="red", linewidth=1, linestyle=":", label=f"target p95 {TARGET_P95_MS:g} ms")
    axes[1].axvline(TARGET_LEVEL, color="grey", linewidth=0.8, linestyle=":")
    axes[2].axvline(TARGET_LEVEL, color="grey", linewidth=0.8, linestyle=":")
    handles, labels = axes[1].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=9, frameon=False)
    fig.suptitle("neutropenia assistant (solid) vs stock rasa init (dashed), same machine, same run")
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    fig.savefig(path, dpi=110)
    plt.close(fig)
