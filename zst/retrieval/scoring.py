"""All-pairs retrieval scoring in memory-bounded chunks, optional faiss prefilter, and R@k.

Utterances are variable-length ``(T_i, D)`` arrays (real frames only, as
:func:`zst.retrieval.encode_cuts` returns them). :func:`score_matrix` sorts queries and candidates
by length, cuts them into blocks whose similarity tensors fit ``max_memory_mb``, pads each block
once, scores a whole query block against a whole candidate block in one call of a kernel of
:mod:`zst.retrieval.kernels` (no Python loop over pairs) and writes the scores back in the
original order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import torch

from zst.errors import ZstError
from zst.retrieval import kernels as K

__all__ = ["METRICS", "MetricOptions", "score_matrix", "recall_at_k", "gold_ranks", "top_k", "pad"]

#: Metric names accepted by :func:`score_matrix` (and ``zst retrieve --metric``).
METRICS = ("seqsim", "avgsim", "dtw", "ot")

# Bytes of working memory per cell of one pair's (Tq, Tc) similarity tensor, per metric (float32):
# S plus masked copies / cost and Sinkhorn temporaries.
_CELL_BYTES = {"seqsim": 4 * 3, "dtw": 4 * 3, "ot": 4 * 6}


@dataclass(frozen=True)
class MetricOptions:
    """Per-metric settings.

    ``ot_exact``: solve OT with POT ``ot.emd2`` per pair (slow; small pools). ``ot_reg``: Sinkhorn
    ε (cost units); ``ot_max_iter`` / ``ot_tol``: Sinkhorn stopping rule (row-marginal L1 error).
    ``dtw_normalize``: DTW similarity ``-cost / (n + m)`` (True) or ``-cost`` (False).
    """

    ot_exact: bool = False
    ot_reg: float = 0.005
    ot_max_iter: int = 1000
    ot_tol: float = 1e-4
    dtw_normalize: bool = True


def pad(seqs: Sequence[torch.Tensor], device=None, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad ``(T_i, D)`` sequences into ``(B, T_max, D)`` with a ``(B, T_max)`` bool mask (True = real)."""
    lens = torch.tensor([s.shape[0] for s in seqs])
    x = torch.nn.utils.rnn.pad_sequence([torch.as_tensor(s).to(dtype) for s in seqs], batch_first=True)
    mask = torch.arange(x.shape[1])[None, :] < lens[:, None]
    return x.to(device), mask.to(device)


def _pair_scores(S: torch.Tensor, xm: torch.Tensor, ym: torch.Tensor, metric: str, opts: MetricOptions) -> torch.Tensor:
    """Scores from similarities ``S (..., Tq, Tc)`` with masks broadcastable to it → ``(...)``."""
    if metric == "seqsim":
        return K.seqsim_from_sim(S, xm, ym)
    lead = S.shape[:-2]
    n, m = S.shape[-2:]
    Sf = S.reshape(-1, n, m)
    xmf = xm.expand(*lead, n).reshape(-1, n)
    ymf = ym.expand(*lead, m).reshape(-1, m)
    if metric == "dtw":
        xl, yl = xmf.sum(-1), ymf.sum(-1)
        cost = K.dtw_cost_from_sim(Sf, xl, yl)
        out = -cost / (xl + yl).to(cost.dtype) if opts.dtw_normalize else -cost
    elif metric == "ot":
        cost = K.ot_cost_exact(Sf, xmf, ymf) if opts.ot_exact else \
            K.ot_cost_from_sim(Sf, xmf, ymf, reg=opts.ot_reg, max_iter=opts.ot_max_iter, tol=opts.ot_tol)
        out = 1.0 - cost
    else:  # pragma: no cover - checked by callers
        raise ValueError(metric)
    return out.reshape(lead)


def _greedy_blocks(lengths: np.ndarray, cost_of: Callable[[int, int], float], budget: float, cap: int) -> list[tuple[int, int]]:
    """Split ``range(len(lengths))`` (sorted ascending by length) into ``[s, e)`` blocks, each as long
    as ``cost_of(count, longest) <= budget`` allows (at least one item, at most ``cap``)."""
    blocks, s, N = [], 0, len(lengths)
    while s < N:
        e = s + 1
        while e < N and e - s < cap and cost_of(e + 1 - s, int(lengths[e])) <= budget:
            e += 1
        blocks.append((s, e))
        s = e
    return blocks


def _as_tensors(seqs, what: str) -> list[torch.Tensor]:
    if len(seqs) == 0:
        raise ZstError(f"no {what} to score")
    out = []
    for i, s in enumerate(seqs):
        t = torch.as_tensor(np.asarray(s) if not isinstance(s, torch.Tensor) else s)
        if t.dim() != 2 or t.shape[0] == 0:
            raise ZstError(f"{what} {i}: expected a (T, D) array with T >= 1, got shape {tuple(t.shape)}")
        out.append(t)
    return out


@torch.no_grad()
def score_matrix(queries: Sequence, candidates: Sequence, metric: str = "seqsim", *, device: str | torch.device = "cpu",
                 max_memory_mb: float = 512.0, max_block: int = 4096, prefilter_k: int | None = None,
                 options: MetricOptions = MetricOptions(), progress: Callable[[int], None] | None = None) -> np.ndarray:
    """Score every query against every candidate.

    Args:
        queries: ``Nq`` arrays/tensors ``(T_i, D)`` of real frames; candidates: ``Nc`` of ``(T_j, D)``.
        metric: one of :data:`METRICS` (see :mod:`zst.retrieval.kernels`).
        device: where the kernels run (``cpu``, ``cuda``, ``cuda:1``); features stay on the CPU and
            move there block by block.
        max_memory_mb: bound on a block's similarity tensor and temporaries (MiB); blocks of
            queries × candidates are sized greedily under it (at least one pair per block).
        max_block: most utterances of one side in a block.
        prefilter_k: keep only the ``k`` best candidates per query by AvgSim (faiss inner-product
            search on L2-normalised mean vectors), then score those with ``metric``; the others get
            ``-inf``. ``None`` or ``k >= Nc`` scores all pairs.
        options: :class:`MetricOptions`.
        progress: called with the number of pairs scored after each block.

    Returns:
        ``(Nq, Nc)`` float32 scores (higher = more similar), rows in query order, columns in
        candidate order.

    Raises:
        ZstError: unknown metric, empty inputs, a ``(T, D)`` shape violation or widths that differ.
    """
    if metric not in METRICS:
        raise ZstError(f"--metric: unknown metric '{metric}' (available: {', '.join(METRICS)})")
    qs, cs = _as_tensors(queries, "queries"), _as_tensors(candidates, "candidates")
    dims = {t.shape[1] for t in qs + cs}
    if len(dims) != 1:
        raise ZstError(f"queries and candidates differ in width D: {sorted(dims)}")
    device = torch.device(device)
    Nq, Nc = len(qs), len(cs)
    if prefilter_k is not None and prefilter_k < 1:
        raise ZstError(f"--faiss-prefilter: K must be >= 1, got {prefilter_k}")
    if metric == "avgsim":
        return _avgsim_matrix(qs, cs, device)
    if prefilter_k is not None and prefilter_k < Nc:
        return _prefiltered(qs, cs, metric, device, max_memory_mb, prefilter_k, options, progress)

    budget = max_memory_mb * 2**20
    cell = _CELL_BYTES[metric]
    ql = np.array([t.shape[0] for t in qs])
    cl = np.array([t.shape[0] for t in cs])
    q_order, c_order = np.argsort(ql, kind="stable"), np.argsort(cl, kind="stable")
    qls, cls_ = ql[q_order], cl[c_order]
    tq_max = int(qls[-1])
    out = np.empty((Nq, Nc), dtype=np.float32)
    c_blocks = _greedy_blocks(cls_, lambda cnt, tc: cnt * tq_max * tc * cell, budget, max_block)
    for cs0, ce in c_blocks:
        c_idx = c_order[cs0:ce]
        y, ym = pad([cs[i] for i in c_idx], device)
        yn = K._normalize(y)
        tc = int(cls_[ce - 1])
        q_blocks = _greedy_blocks(qls, lambda cnt, tq: cnt * (ce - cs0) * tq * tc * cell, budget, max_block)
        for qs0, qe in q_blocks:
            q_idx = q_order[qs0:qe]
            x, xm = pad([qs[i] for i in q_idx], device)
            S = torch.einsum("qtd,csd->qcts", K._normalize(x), yn)  # (bq, bc, Tq, Tc)
            scores = _pair_scores(S, xm[:, None, :], ym[None, :, :], metric, options)
            out[np.ix_(q_idx, c_idx)] = scores.float().cpu().numpy()
            if progress is not None:
                progress(len(q_idx) * len(c_idx))
    return out


def _avgsim_matrix(qs, cs, device) -> np.ndarray:
    qv = K._normalize(torch.stack([t.float().mean(0) for t in qs])).to(device)
    cv = K._normalize(torch.stack([t.float().mean(0) for t in cs])).to(device)
    return (qv @ cv.T).float().cpu().numpy()


def _prefiltered(qs, cs, metric, device, max_memory_mb, k, options, progress) -> np.ndarray:
    import faiss

    qv = K._normalize(torch.stack([t.float().mean(0) for t in qs])).numpy().astype(np.float32)
    cv = K._normalize(torch.stack([t.float().mean(0) for t in cs])).numpy().astype(np.float32)
    index = faiss.IndexFlatIP(cv.shape[1])
    index.add(np.ascontiguousarray(cv))
    _, top = index.search(np.ascontiguousarray(qv), k)  # (Nq, k) candidate indices
    out = np.full((len(qs), len(cs)), -np.inf, dtype=np.float32)
    pairs = [(qi, int(ci)) for qi in np.argsort([t.shape[0] for t in qs], kind="stable") for ci in top[qi] if ci >= 0]
    budget = max_memory_mb * 2**20
    cell = _CELL_BYTES[metric]
    s = 0
    while s < len(pairs):  # chunks of pairs under the memory bound (pairs padded to the chunk's longest)
        e, tq, tc = s, 1, 1
        while e < len(pairs):
            ntq, ntc = max(tq, qs[pairs[e][0]].shape[0]), max(tc, cs[pairs[e][1]].shape[0])
            if e > s and (e + 1 - s) * ntq * ntc * cell > budget:
                break
            tq, tc, e = ntq, ntc, e + 1
        chunk = pairs[s:e]
        x, xm = pad([qs[q] for q, _ in chunk], device)
        y, ym = pad([cs[c] for _, c in chunk], device)
        S = K.cosine_similarity_matrix(x, y)
        scores = _pair_scores(S, xm, ym, metric, options).float().cpu().numpy()
        qi = np.array([q for q, _ in chunk])
        ci = np.array([c for _, c in chunk])
        out[qi, ci] = scores
        if progress is not None:
            progress(len(chunk))
        s = e
    return out


def gold_ranks(scores: np.ndarray, gold: Sequence[int]) -> np.ndarray:
    """0-based rank of each query's gold candidate: the number of candidates scored strictly higher
    (ties count in the query's favour). A gold candidate scored ``-inf`` or NaN (dropped by the
    prefilter) gets rank ``Nc``.

    Args:
        scores: ``(Nq, Nc)``; gold: ``(Nq,)`` column index of each query's correct candidate.
    """
    scores = np.asarray(scores)
    gold = np.asarray(gold, dtype=np.int64)
    if scores.ndim != 2 or gold.shape != (scores.shape[0],):
        raise ValueError(f"scores must be (Nq, Nc) and gold (Nq,); got {scores.shape} and {gold.shape}")
    g = scores[np.arange(len(gold)), gold]
    ranks = (scores > g[:, None]).sum(1)
    ranks[~np.isfinite(g)] = scores.shape[1]
    return ranks


def recall_at_k(scores: np.ndarray, gold: Sequence[int], ks: Sequence[int] = (1, 5)) -> dict[str, float]:
    """Recall at k: the fraction of queries whose gold candidate is among their ``k`` best.

    Args:
        scores: ``(Nq, Nc)`` (higher = better); gold: ``(Nq,)`` gold column per query; ks: cut-offs.

    Returns:
        ``{"R@1": fraction in [0, 1], "R@5": ...}``; a gold candidate scored ``-inf``/NaN (dropped by
        the prefilter) is a miss at every ``k``.
    """
    ranks = gold_ranks(scores, gold)
    kept = np.isfinite(np.asarray(scores)[np.arange(len(ranks)), np.asarray(gold, dtype=np.int64)])
    return {f"R@{k}": float(((ranks < k) & kept).mean()) for k in ks}


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best candidates per query: ``(indices (Nq, k'), scores (Nq, k'))``, best first
    (``k' = min(k, Nc)``; ties broken by the lower index)."""
    k = min(k, scores.shape[1])
    idx = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(scores, idx, axis=1)
