"""``zst retrieve``: cross-lingual speech-to-speech retrieval (SeqSim, AvgSim, DTW, OT)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from zst.cli.common import ConfigOpt, QuietOpt, SeedOpt, handle_errors, quiet_libraries, resolve_config, run_dir_opt
from zst.config import DEFAULT_SPEECH_ENCODER, RetrieveConfig


@handle_errors
def retrieve_cmd(
    manifest: Path = typer.Argument(..., help="Manifest from `zst prepare` (cuts.jsonl.gz or its run dir) holding "
                                    "the languages to compare, with parallel ids (FLEURS, Europarl-ST)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Speech encoder: HF id or local folder "
                                        "(Whisper or wav2vec2/MMS), or a SAMU run (`zst distill --objective "
                                        "semantic`): utterance embeddings compared by cosine. "
                                        f"(default: {DEFAULT_SPEECH_ENCODER})"),
    layer: Optional[int] = typer.Option(None, "--layer", help="Encoder layer whose output is compared: 0 = "
                                        "embeddings .. N = last; negative counts from the end. (default: last)"),
    src: Optional[List[str]] = typer.Option(None, "--src", help="Query language, repeatable (ISO 639-1/3). "
                                            "(default: every language in the manifest)"),
    tgt: Optional[List[str]] = typer.Option(None, "--tgt", "-t", help="Candidate language, repeatable; every "
                                            "(src, tgt) pair with src != tgt is scored. (default: every language)"),
    metric: Optional[str] = typer.Option(None, "--metric", help="seqsim (paper Eq. 1) | avgsim (Eq. 2) | dtw "
                                         "(cosine, symmetric1, -cost/(n+m)) | ot (1 - transport cost; see "
                                         "--ot-solver); a SAMU model: cosine of utterance embeddings. (default: seqsim)"),
    candidates: Optional[str] = typer.Option(None, "--candidates", help="speech | text: with a SAMU model, "
                                             "text retrieves the --tgt transcripts by their cached sentence "
                                             "embeddings (`zst prepare --sentence-model`). (default: speech)"),
    faiss_prefilter: Optional[int] = typer.Option(None, "--faiss-prefilter", help="Keep the K best candidates per "
                                                  "query by AvgSim (faiss), then rerank them with --metric. "
                                                  "(default: score all pairs)"),
    ot_solver: Optional[str] = typer.Option(None, "--ot-solver", help="auto (exact POT ot.emd2 per pair on CPU, "
                                            "batched Sinkhorn on GPU) | exact | sinkhorn. (default: auto)"),
    ot_reg: Optional[float] = typer.Option(None, "--ot-reg", help="Sinkhorn entropic regularisation, in "
                                           "cosine-distance units. (default: 0.005)"),
    max_memory_mb: Optional[float] = typer.Option(None, "--max-memory-mb", help="Bound on one scoring block's "
                                                  "similarity tensors, MiB. (default: 512)"),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Utterances per encoder forward pass. "
                                             "(default: 8)"),
    device: Optional[str] = typer.Option(None, "--device", help="auto | cpu | cuda. (default: auto)"),
    config: Optional[Path] = ConfigOpt,
    run_dir: Path = run_dir_opt("runs/retrieve"),
    seed: Optional[int] = SeedOpt,
    quiet: bool = QuietOpt,
):
    """Speech-to-speech retrieval across languages: encode every utterance once (cached in --run-dir),
    score queries of each --src language against candidates of each --tgt language joined by parallel
    id, and write score matrices, retrieved ids, scores.json / scores.md (R@1, R@5) and, for several
    pairs, an R@1 heatmap."""
    from zst.retrieval.run import retrieve

    quiet_libraries(quiet)
    flags = {"manifest": str(manifest), "model": model, "layer": layer, "src": tuple(src) if src else None,
             "tgt": tuple(tgt) if tgt else None, "metric": metric, "candidates": candidates,
             "faiss_prefilter": faiss_prefilter,
             "ot_solver": ot_solver, "ot_reg": ot_reg, "max_memory_mb": max_memory_mb,
             "batch_size": batch_size, "device": device, "seed": seed}
    cfg = resolve_config(RetrieveConfig, config, flags)
    result = retrieve(cfg, run_dir, quiet=quiet)
    for p in result["pairs"]:
        typer.echo(f"{p['src']}\t{p['tgt']}\tN={p['n']}\tR@1={100 * p['R@1']:.1f}\tR@5={100 * p['R@5']:.1f}")
    typer.echo(f"mean R@1={100 * result['mean']['R@1']:.1f} R@5={100 * result['mean']['R@5']:.1f}; "
               f"scores written to {Path(run_dir) / 'scores.json'}")
