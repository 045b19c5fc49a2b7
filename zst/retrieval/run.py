"""``zst retrieve``: cross-lingual speech-to-speech retrieval over a manifest.

Queries are the utterances of a source language, candidates those of a target language; they are
joined by their parallel id (``custom["parallel_id"]`` of the supervision, as the FLEURS and
Europarl-ST readers write it; the cut id when a cut has none), so only ids present in both
languages are used and query ``i``'s gold candidate is candidate ``i``. When a language holds
several recordings of one id, the one with the smallest cut id is used.

With a SAMU checkpoint as ``--model`` (``zst distill --objective semantic``) each utterance is one
embedding and pairs are scored by cosine (:mod:`zst.retrieval.embeddings`): speech→speech, or with
``--candidates text`` speech→text against the cached sentence embeddings of the target-language
transcripts (SAMU-XLSR §IV's direct measure of the semantic alignment); nothing is cached in
``features/``.

Run directory::

    config.yaml, env.json, log.txt
    features/states-<hash>.safetensors   cached encoder states (computed once per model and layer)
    scores/<src>-<tgt>.npy               (N, N) float32 score matrix: rows queries, columns candidates
    scores/<src>-<tgt>.ids.txt           the N parallel ids, in row (= column) order
    retrieved.jsonl                      per query: top-5 candidate ids and scores, 1-based rank of the gold one
                                         (null when the faiss prefilter dropped it)
    scores.json, scores.md               R@1 / R@5 per (src, tgt) pair and their mean
    recall_at_1.png                      source x target R@1 heatmap (when more than one pair)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from zst.data.manifests import cut_language, load_manifest
from zst.errors import ConfigError, ZstError
from zst.languages import to_iso1
from zst.config import RetrieveConfig
from zst.models.samu import CHECKPOINT_FORMAT as SAMU_FORMAT
from zst.models.zerost import checkpoint_format
from zst.retrieval.scoring import METRICS, MetricOptions, gold_ranks, recall_at_k, score_matrix, top_k
from zst.runs import atomic_write_text

__all__ = ["retrieve", "parallel_index", "retrieval_markdown", "ot_exact_on"]

TOP_N = 5  # candidates listed per query in retrieved.jsonl
OT_SOLVERS = ("auto", "exact", "sinkhorn")  # --ot-solver


def _parallel_id(cut) -> str:
    custom = cut.supervisions[0].custom or {} if cut.supervisions else {}
    return str(custom.get("parallel_id") or cut.id)


def ot_exact_on(solver: str, device) -> bool:
    """Whether OT is solved exactly (POT ``ot.emd2`` per pair) for ``--ot-solver`` on ``device``.

    ``auto`` picks ``emd2`` on the CPU, where the network simplex beats batched Sinkhorn by ~40x
    (``benchmarks/bench_retrieval.py``), and Sinkhorn on a GPU.

    Raises:
        ConfigError: ``solver`` is not auto, exact or sinkhorn.
    """
    import torch

    if solver not in OT_SOLVERS:
        raise ConfigError(f"--ot-solver: unknown solver '{solver}' (available: {', '.join(OT_SOLVERS)})")
    return solver == "exact" or (solver == "auto" and torch.device(device).type == "cpu")


def parallel_index(cuts) -> tuple[dict[str, dict[str, Any]], int]:
    """Group cuts as ``{language: {parallel id: cut}}`` (first cut id wins on duplicates).

    Returns:
        The index and the number of duplicate recordings left out.
    """
    index: dict[str, dict[str, Any]] = {}
    dropped = 0
    for cut in sorted(cuts, key=lambda c: c.id):
        by_id = index.setdefault(cut_language(cut), {})
        pid = _parallel_id(cut)
        if pid in by_id:
            dropped += 1
            continue
        by_id[pid] = cut
    return index, dropped


def _languages(codes: tuple[str, ...], available: list[str], option: str) -> list[str]:
    if not codes:
        return list(available)
    out = []
    for code in codes:
        lang = to_iso1(code)
        if lang not in available:
            raise ZstError(f"{option} {code}: no utterances in that language in the manifest "
                           f"(languages: {', '.join(available)})")
        if lang not in out:
            out.append(lang)
    return out


def retrieval_markdown(result: dict[str, Any]) -> str:
    """``scores.json`` as a markdown table: one row per pair with N, R@1 and R@5 in percent."""
    lines = [f"Retrieval with {result['metric']} on `{result['model']}` layer {result['layer']}"
             + (f", faiss prefilter K={result['faiss_prefilter']}" if result.get("faiss_prefilter") else ""), "",
             "| src | tgt | N | R@1 (%) | R@5 (%) |", "|---|---|---:|---:|---:|"]
    for p in result["pairs"]:
        lines.append(f"| {p['src']} | {p['tgt']} | {p['n']} | {100 * p['R@1']:.1f} | {100 * p['R@5']:.1f} |")
    m = result["mean"]
    lines.append(f"| **mean** | | | **{100 * m['R@1']:.1f}** | **{100 * m['R@5']:.1f}** |")
    return "\n".join(lines) + "\n"


def _heatmap(result: dict[str, Any], path: Path) -> Path:
    from zst.evaluation.protocols import plot_heatmap

    langs: list[str] = []
    for p in result["pairs"]:
        for lang in (p["src"], p["tgt"]):
            if lang not in langs:
                langs.append(lang)
    grid = {s: {t: None for t in langs if t != s} for s in langs}
    for p in result["pairs"]:
        grid[p["src"]][p["tgt"]] = 100 * p["R@1"]
    proto = {"protocol": "retrieval", "metric": "R@1", "languages": langs, "grid": grid,
             "average": 100 * result["mean"]["R@1"]}
    return plot_heatmap(proto, path, title=f"{result['metric']} R@1 (%), mean {100 * result['mean']['R@1']:.1f}")


def retrieve(cfg, run_dir: str | Path, *, quiet: bool = False) -> dict[str, Any]:
    """Encode the manifest's utterances and score every (src, tgt) language pair.

    Args:
        cfg: :class:`zst.config.RetrieveConfig`.
        run_dir: output folder (see the module docstring).

    Returns:
        The ``scores.json`` content: ``{"metric", "model", "layer", "faiss_prefilter", "pairs":
        [{"src", "tgt", "n", "R@1", "R@5"}], "mean": {"R@1", "R@5"}}`` (recalls as fractions).

    Raises:
        ZstError: empty or unreadable manifest, a language absent from it, a pair with no shared
            parallel ids, no pair left (only src = tgt), an unknown metric, a layer out of range or
            an encoder that cannot be loaded.
    """
    import torch

    from zst.data.teacher import pick_device
    from zst.models.speech_encoder import SpeechEncoder
    from zst.retrieval.features import encode_cuts
    from zst.runs import RunDir

    samu = checkpoint_format(cfg.model) == SAMU_FORMAT
    _check_embedding_options(cfg, samu)
    if cfg.metric not in METRICS and not samu:
        raise ConfigError(f"--metric: unknown metric '{cfg.metric}' (available: {', '.join(METRICS)})")
    if cfg.faiss_prefilter is not None and cfg.faiss_prefilter < 1:
        raise ConfigError(f"--faiss-prefilter: K must be >= 1, got {cfg.faiss_prefilter}")
    ot_exact_on(cfg.ot_solver, "cpu")  # checks the option before any work
    cuts = load_manifest(cfg.manifest)
    index, dropped = parallel_index(cuts)
    available = sorted(index)
    srcs = _languages(cfg.src, available, "--src")
    tgts = _languages(cfg.tgt, available, "--tgt")
    pairs = [(s, t) for s in srcs for t in tgts if s != t]
    if not pairs:
        raise ZstError(f"no language pair to score: --src {','.join(srcs)} and --tgt {','.join(tgts)} "
                       "leave only src = tgt")
    shared: dict[tuple[str, str], list[str]] = {}
    for s, t in pairs:
        ids = sorted(set(index[s]) & set(index[t]))
        if not ids:
            raise ZstError(f"{cfg.manifest}: queries ({s}, {len(index[s])} utterances) and candidates "
                           f"({t}, {len(index[t])} utterances) share no parallel id")
        shared[(s, t)] = ids

    torch.manual_seed(cfg.seed)
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "retrieve")
    if dropped:
        run.log(f"{dropped} duplicate recording(s) of a parallel id left out (first cut id kept)")
    device = pick_device(cfg.device)
    if samu:
        return _retrieve_embeddings(cfg, index, shared, run, device, quiet)
    encoder = SpeechEncoder.from_pretrained(cfg.model).to(device).eval()
    encoder.check_layer(cfg.layer)
    needed = {}
    for (s, t), ids in shared.items():
        for lang in (s, t):
            for pid in ids:
                cut = index[lang][pid]
                needed[cut.id] = cut
    run.log(f"encoding {len(needed)} utterance(s) with {cfg.model} (layer {'last' if cfg.layer is None else cfg.layer})")
    states = encode_cuts(encoder, list(needed.values()), layer=cfg.layer, model_name=cfg.model,
                         cache_dir=run.path / "features", batch_size=cfg.batch_size, quiet=quiet)
    del encoder

    opts = MetricOptions(ot_exact=ot_exact_on(cfg.ot_solver, device), ot_reg=cfg.ot_reg)

    def scorer(s: str, t: str, ids: list[str]) -> np.ndarray:
        q = [states[index[s][pid].id] for pid in ids]
        c = [states[index[t][pid].id] for pid in ids]
        return score_matrix(q, c, cfg.metric, device=device, max_memory_mb=cfg.max_memory_mb,
                            prefilter_k=cfg.faiss_prefilter, options=opts)

    result = {"metric": cfg.metric, "model": cfg.model, "layer": "last" if cfg.layer is None else cfg.layer,
              "faiss_prefilter": cfg.faiss_prefilter}
    return _score_and_write(result, index, shared, scorer, run)


def _score_and_write(result: dict[str, Any], index, shared, scorer, run) -> dict[str, Any]:
    """Score every pair with ``scorer(src, tgt, ids) -> (N, N)``, write the run's outputs (see the
    module docstring) and return ``result`` completed with ``pairs`` and ``mean``."""
    results, retrieved = [], []
    (run.path / "scores").mkdir(parents=True, exist_ok=True)
    for (s, t), ids in shared.items():
        scores = scorer(s, t, ids)
        gold = np.arange(len(ids))
        rec = recall_at_k(scores, gold, (1, 5))
        results.append({"src": s, "tgt": t, "n": len(ids), **rec})
        run.log(f"{s}->{t}: N={len(ids)} R@1 {100 * rec['R@1']:.1f} R@5 {100 * rec['R@5']:.1f}")
        stem = run.path / "scores" / f"{s}-{t}"
        tmp = stem.with_name(f".{stem.name}.tmp.npy")
        np.save(tmp, scores)
        tmp.replace(stem.with_suffix(".npy"))
        atomic_write_text(stem.with_suffix(".ids.txt"), "".join(f"{pid}\n" for pid in ids))
        top_idx, top_scores = top_k(scores, TOP_N)
        ranks = gold_ranks(scores, gold)
        for i, pid in enumerate(ids):
            retrieved.append({"src": s, "tgt": t, "id": pid, "query_cut": index[s][pid].id,
                              "top": [ids[j] for j in top_idx[i]],
                              "scores": [None if not np.isfinite(v) else round(float(v), 6) for v in top_scores[i]],
                              "gold_rank": int(ranks[i]) + 1 if np.isfinite(scores[i, i]) else None})
    mean = {k: float(np.mean([r[k] for r in results])) for k in ("R@1", "R@5")}
    result = {**result, "pairs": results, "mean": mean}
    atomic_write_text(run.path / "retrieved.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in retrieved))
    atomic_write_text(run.path / "scores.json", json.dumps(result, indent=2) + "\n")
    atomic_write_text(run.path / "scores.md", retrieval_markdown(result))
    if len(results) > 1:
        _heatmap(result, run.path / "recall_at_1.png")
    return result


CANDIDATES = ("speech", "text")  # --candidates


def _check_embedding_options(cfg, samu: bool) -> None:
    """Options of the SAMU utterance-embedding path (``--metric cosine``, ``--candidates``).

    Raises:
        ConfigError: ``--candidates`` unknown, or ``text`` / ``--metric cosine`` without a SAMU model,
            or a frame-level option (``--metric`` other than cosine, ``--layer``, ``--faiss-prefilter``)
            with one.
    """
    if cfg.candidates not in CANDIDATES:
        raise ConfigError(f"--candidates: unknown value '{cfg.candidates}' (available: {', '.join(CANDIDATES)})")
    if not samu:
        if cfg.candidates == "text" or cfg.metric == "cosine":
            what = "--candidates text" if cfg.candidates == "text" else "--metric cosine"
            raise ConfigError(f"{what} compares SAMU utterance embeddings: --model must be a SAMU run "
                              f"(`zst distill --objective semantic`), got '{cfg.model}'")
        return
    if cfg.metric not in ("cosine", RetrieveConfig().metric):
        raise ConfigError(f"--metric {cfg.metric}: a SAMU model gives one vector per utterance, compared by cosine")
    if cfg.layer is not None or cfg.faiss_prefilter is not None:
        raise ConfigError(f"--{'layer' if cfg.layer is not None else 'faiss-prefilter'} does not apply to a SAMU "
                          f"model (one vector per utterance)")


def _retrieve_embeddings(cfg, index, shared, run, device, quiet: bool) -> dict[str, Any]:
    """Speech→speech or speech→text retrieval by cosine of SAMU utterance embeddings (and, for text
    candidates, the cached sentence embeddings of the target-language transcripts)."""
    from zst.models.samu import SAMU
    from zst.retrieval.embeddings import cosine_scores, embed_cuts, sentence_embeddings

    model = SAMU.load(cfg.model, device=device)
    queries = {index[s][pid].id: index[s][pid] for (s, _), ids in shared.items() for pid in ids}
    targets = {index[t][pid].id: index[t][pid] for (_, t), ids in shared.items() for pid in ids}
    speech_cuts = {**queries, **(targets if cfg.candidates == "speech" else {})}
    text = sentence_embeddings(list(targets.values()), cfg.manifest) if cfg.candidates == "text" else {}
    run.log(f"embedding {len(speech_cuts)} utterance(s) with the SAMU model {cfg.model}; candidates: "
            f"{cfg.candidates}")
    vectors = embed_cuts(model, list(speech_cuts.values()), batch_size=cfg.batch_size, quiet=quiet)
    del model
    cand = text if cfg.candidates == "text" else vectors

    def scorer(s: str, t: str, ids: list[str]) -> np.ndarray:
        return cosine_scores(np.stack([vectors[index[s][pid].id] for pid in ids]),
                             np.stack([cand[index[t][pid].id] for pid in ids]))

    result = {"metric": "cosine", "model": cfg.model, "layer": "samu", "candidates": cfg.candidates,
              "faiss_prefilter": None}
    return _score_and_write(result, index, shared, scorer, run)
