"""Evaluation protocols on top of per-direction scores (:func:`zst.evaluation.score_predictions`).

``europarl-st`` — ZeroST's Table 1 protocol: the 72 translation directions among Europarl-ST's nine
languages (de en es fr it nl pl pt ro). Each source language's score is the mean BLEU over its
eight targets; the overall score is the mean of the nine source scores (equal to the mean over
all 72 directions when every direction is present). Written as JSON, a markdown table (sources as
rows, targets as columns, the per-source mean last) and a 9×9 heatmap PNG.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zst.errors import ZstError
from zst.runs import atomic_write_text

__all__ = ["PROTOCOLS", "EUROPARL_ST_LANGUAGES", "grid_protocol", "protocol_markdown", "plot_heatmap",
           "write_protocol"]

EUROPARL_ST_LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ro")

#: protocol name -> (languages, metric)
PROTOCOLS: dict[str, tuple[tuple[str, ...], str]] = {"europarl-st": (EUROPARL_ST_LANGUAGES, "bleu")}


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def grid_protocol(result: dict[str, Any], name: str = "europarl-st",
                  languages: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Arrange per-direction scores as a source × target grid and average them.

    Args:
        result: output of :func:`zst.evaluation.score_predictions` (``{"directions": [...]}``).
        name: protocol name in :data:`PROTOCOLS`.
        languages: override the protocol's languages (ISO 639-1), e.g. a subset.

    Returns:
        ``{"protocol", "metric", "languages", "grid": {src: {tgt: score | None}}, "per_source":
        {src: mean over its targets | None}, "average": mean of the per-source means | None,
        "missing": ["src-tgt", ...], "complete": bool}``. Directions with no score (no prediction,
        or no reference) are listed in ``missing`` and left out of the means.

    Raises:
        ZstError: unknown protocol.
    """
    if name not in PROTOCOLS:
        raise ZstError(f"unknown evaluation protocol '{name}' (available: {', '.join(PROTOCOLS)})")
    default_langs, metric = PROTOCOLS[name]
    langs = tuple(languages or default_langs)
    scores = {(d["src"], d["tgt"]): d.get(metric) for d in result["directions"]}
    grid: dict[str, dict[str, float | None]] = {}
    missing: list[str] = []
    for src in langs:
        grid[src] = {}
        for tgt in langs:
            if tgt == src:
                continue
            value = scores.get((src, tgt))
            grid[src][tgt] = value
            if value is None:
                missing.append(f"{src}-{tgt}")
    per_source = {src: _mean([v for v in row.values() if v is not None]) for src, row in grid.items()}
    average = _mean([v for v in per_source.values() if v is not None])
    return {"protocol": name, "metric": metric, "languages": list(langs), "grid": grid, "per_source": per_source,
            "average": average, "missing": missing, "complete": not missing}


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def protocol_markdown(proto: dict[str, Any]) -> str:
    """The grid as a markdown table: one row per source, one column per target, then the mean."""
    langs = proto["languages"]
    metric = proto["metric"].upper()
    lines = [f"| {metric} src \\ tgt | " + " | ".join(langs) + " | mean |",
             "|---|" + "---:|" * (len(langs) + 1)]
    for src in langs:
        cells = ["" if tgt == src else _cell(proto["grid"][src][tgt]) for tgt in langs]
        lines.append(f"| {src} | " + " | ".join(cells) + f" | **{_cell(proto['per_source'][src])}** |")
    lines.append("")
    lines.append(f"Average over source languages: **{_cell(proto['average'])}** {metric}"
                 f" ({len(langs) * (len(langs) - 1) - len(proto['missing'])} of {len(langs) * (len(langs) - 1)}"
                 " directions scored).")
    if proto["missing"]:
        lines.append(f"Missing directions (left out of the means): {', '.join(proto['missing'])}.")
    return "\n".join(lines) + "\n"


def plot_heatmap(proto: dict[str, Any], path: str | Path, title: str | None = None) -> Path:
    """Save a source × target heatmap of the grid (PNG; empty diagonal, missing cells grey)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    langs = proto["languages"]
    n = len(langs)
    values = np.full((n, n), np.nan)
    for i, src in enumerate(langs):
        for j, tgt in enumerate(langs):
            if src != tgt and proto["grid"][src][tgt] is not None:
                values[i, j] = proto["grid"][src][tgt]
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * n, 0.8 + 0.6 * n), dpi=120)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="#dddddd")
    im = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=max(1.0, float(np.nanmax(values)))
                   if np.isfinite(values).any() else 1.0)
    ax.set_xticks(range(n), langs)
    ax.set_yticks(range(n), langs)
    ax.set_xlabel("target")
    ax.set_ylabel("source")
    for i in range(n):
        for j in range(n):
            if np.isfinite(values[i, j]):
                ax.text(j, i, f"{values[i, j]:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if values[i, j] < 0.6 * np.nanmax(values) else "black")
    avg = proto["average"]
    ax.set_title(title or f"{proto['protocol']} {proto['metric'].upper()} (average {_cell(avg)})")
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return save_figure(fig, path)


def save_figure(fig, path: str | Path) -> Path:
    """Save a matplotlib figure as PNG atomically (temporary file, then rename) and close it."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".tmp." + path.name)
    fig.savefig(tmp, format="png")
    plt.close(fig)
    tmp.replace(path)
    return path


def write_protocol(proto: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write ``{protocol}.json``, ``{protocol}.md`` and ``{protocol}_{metric}.png`` into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = proto["protocol"]
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md",
             "png": out_dir / f"{stem}_{proto['metric']}.png"}
    atomic_write_text(paths["json"], json.dumps(proto, indent=2) + "\n")
    atomic_write_text(paths["md"], protocol_markdown(proto))
    plot_heatmap(proto, paths["png"])
    return paths
