"""Similarity kernels between speech-embedding sequences on padded batches with masks.

Every kernel takes ``B`` pairs of padded sequences ``x (B, Tx, D)``, ``x_mask (B, Tx)``,
``y (B, Ty, D)``, ``y_mask (B, Ty)`` (``True`` = real frame) and returns ``(B,)`` similarities
(higher = more similar). Padded frames never enter a score. Frames are compared by cosine
similarity ``cos(x_i, y_j)`` (frames are L2-normalised first; an all-zero frame has cosine 0).

The ``*_from_sim`` variants work on a precomputed cosine-similarity tensor ``S (..., Tx, Ty)``
with masks broadcastable to ``(..., Tx)`` and ``(..., Ty)``; :func:`zst.retrieval.score_matrix`
uses them to score a block of queries against a block of candidates at once.

Kernels (Whisper cross-lingual retrieval paper, §3 and App. B.2):

* :func:`seqsim` — Eq. 1: harmonic mean of the greedy max-cosine recall and precision (BERTScore F1
  without idf weighting).
* :func:`avgsim` — Eq. 2: cosine of the masked mean-pooled vectors.
* :func:`dtw` — DTWSim: dynamic time warping with cosine distance ``1 - cos``, symmetric step
  pattern ``(i-1, j), (i, j-1), (i-1, j-1)`` all of weight 1 (``symmetric1``), cost = sum of the
  distances on the optimal path; the similarity is ``-cost / (n + m)`` (``n``, ``m`` real frames).
* :func:`ot` — OT: optimal transport between the uniform distributions over the real frames of the
  two sequences with cost ``1 - cos`` and no positional cost; the similarity is ``1 - cost`` = the
  transport-weighted mean cosine. Solved by batched log-domain entropic Sinkhorn (default) or
  exactly with POT's ``ot.emd2`` (a per-pair loop on the CPU, for small pools and checks).

Sinkhorn tolerance (measured in ``tests/test_retrieval.py`` against ``ot.emd2`` on random
sequences of 5-40 frames, float32): with the default ``reg=0.005`` the transport cost is within
:data:`OT_SINKHORN_ATOL` (2e-2) of the exact one; measured max |error| 3e-4 (0.02: 4e-3, 0.01: 1e-3).
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "OT_SINKHORN_ATOL",
    "cosine_similarity_matrix",
    "seqsim",
    "seqsim_from_sim",
    "avgsim",
    "masked_mean",
    "dtw",
    "dtw_cost_from_sim",
    "ot",
    "ot_cost_from_sim",
    "ot_cost_exact",
]

#: Largest |Sinkhorn cost - ot.emd2 cost| the tests accept at the default regularisation (cost units:
#: cosine distance, in [0, 2]).
OT_SINKHORN_ATOL = 2e-2

_EPS = 1e-8  # norm floor of the L2 normalisation


def _check_pair(x: torch.Tensor, x_mask: torch.Tensor, y: torch.Tensor, y_mask: torch.Tensor) -> None:
    if x.dim() != 3 or y.dim() != 3:
        raise ValueError(f"x and y must be (B, T, D); got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.shape[0] != y.shape[0] or x.shape[2] != y.shape[2]:
        raise ValueError(f"x {tuple(x.shape)} and y {tuple(y.shape)} differ in batch size or width D")
    if tuple(x_mask.shape) != tuple(x.shape[:2]) or tuple(y_mask.shape) != tuple(y.shape[:2]):
        raise ValueError(f"masks {tuple(x_mask.shape)}, {tuple(y_mask.shape)} do not match "
                         f"x {tuple(x.shape[:2])}, y {tuple(y.shape[:2])}")
    if not bool(x_mask.any(-1).all()) or not bool(y_mask.any(-1).all()):
        raise ValueError("every sequence needs at least one real frame (a mask row is all False)")


def _normalize(x: torch.Tensor) -> torch.Tensor:
    return x / x.norm(dim=-1, keepdim=True).clamp_min(_EPS)


def cosine_similarity_matrix(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Frame-by-frame cosine similarities of ``B`` pairs.

    Args:
        x: ``(B, Tx, D)``; y: ``(B, Ty, D)``.

    Returns:
        ``S (B, Tx, Ty)`` with ``S[b, i, j] = cos(x[b, i], y[b, j])`` in ``[-1, 1]`` (0 for zero frames).
    """
    return torch.bmm(_normalize(x), _normalize(y).transpose(1, 2))


# ------------------------------------------------------------------------------------------------
# SeqSim (Eq. 1)
# ------------------------------------------------------------------------------------------------
def seqsim_from_sim(S: torch.Tensor, x_mask: torch.Tensor, y_mask: torch.Tensor) -> torch.Tensor:
    """SeqSim (Eq. 1) from cosine similarities ``S (..., Tx, Ty)``.

    ``R = mean_{x real} max_{y real} S``, ``P = mean_{y real} max_{x real} S``,
    ``SeqSim = 2 P R / (P + R)`` (0 where ``P + R = 0``, as BERTScore).

    Args:
        S: ``(..., Tx, Ty)`` cosine similarities.
        x_mask: bool, broadcastable to ``(..., Tx)``; y_mask: bool, broadcastable to ``(..., Ty)``.

    Returns:
        ``(...)`` SeqSim values.
    """
    xm = x_mask.unsqueeze(-1)  # (..., Tx, 1)
    ym = y_mask.unsqueeze(-2)  # (..., 1, Ty)
    neg = torch.finfo(S.dtype).min
    Sm = S.masked_fill(~(xm & ym), neg)
    best_for_x = Sm.amax(-1)  # (..., Tx): each x frame's best y frame
    best_for_y = Sm.amax(-2)  # (..., Ty)
    xmf, ymf = x_mask.to(S.dtype), y_mask.to(S.dtype)
    R = (best_for_x * xmf).sum(-1) / xmf.sum(-1)
    P = (best_for_y * ymf).sum(-1) / ymf.sum(-1)
    F = 2 * P * R / (P + R)
    return torch.nan_to_num(F, nan=0.0, posinf=0.0, neginf=0.0)


def seqsim(x: torch.Tensor, x_mask: torch.Tensor, y: torch.Tensor, y_mask: torch.Tensor) -> torch.Tensor:
    """SeqSim (paper Eq. 1) of ``B`` pairs: harmonic mean of the greedy max-cosine recall (over the
    real frames of ``x``) and precision (over those of ``y``); equal to BERTScore F1 with uniform
    idf weights (``bert_score.utils.greedy_cos_idf``).

    Args:
        x: ``(B, Tx, D)`` float; x_mask: ``(B, Tx)`` bool; y: ``(B, Ty, D)``; y_mask: ``(B, Ty)`` bool.

    Returns:
        ``(B,)`` in ``[-1, 1]`` (up to the harmonic mean of negative values).

    Raises:
        ValueError: mismatched shapes, or a sequence without real frames.
    """
    _check_pair(x, x_mask, y, y_mask)
    return seqsim_from_sim(cosine_similarity_matrix(x, y), x_mask, y_mask)


# ------------------------------------------------------------------------------------------------
# AvgSim (Eq. 2)
# ------------------------------------------------------------------------------------------------
def masked_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over the real frames: ``x (B, T, D)``, ``mask (B, T)`` bool → ``(B, D)``."""
    m = mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(1) / m.sum(1).clamp_min(1.0)


def avgsim(x: torch.Tensor, x_mask: torch.Tensor, y: torch.Tensor, y_mask: torch.Tensor) -> torch.Tensor:
    """AvgSim (paper Eq. 2): cosine similarity of the mean of the real frames of ``x`` and of ``y``.

    Args:
        x: ``(B, Tx, D)``; x_mask: ``(B, Tx)`` bool; y: ``(B, Ty, D)``; y_mask: ``(B, Ty)`` bool.

    Returns:
        ``(B,)`` in ``[-1, 1]``.

    Raises:
        ValueError: mismatched shapes, or a sequence without real frames.
    """
    _check_pair(x, x_mask, y, y_mask)
    return (_normalize(masked_mean(x, x_mask)) * _normalize(masked_mean(y, y_mask))).sum(-1)


# ------------------------------------------------------------------------------------------------
# DTW
# ------------------------------------------------------------------------------------------------
def dtw_cost_from_sim(S: torch.Tensor, x_len: torch.Tensor, y_len: torch.Tensor) -> torch.Tensor:
    """Accumulated DTW cost with local distance ``1 - S`` and the ``symmetric1`` step pattern.

    ``D[i, j] = (1 - S[i, j]) + min(D[i-1, j], D[i, j-1], D[i-1, j-1])``, ``D[0, 0] = 1 - S[0, 0]``;
    the cost of pair ``b`` is ``D[b, n_b - 1, m_b - 1]`` (``n_b = x_len[b]``, ``m_b = y_len[b]``).
    Padded cells (``i >= n_b`` or ``j >= m_b``) can never lie on a path to that cell, so they need no
    masking. Computed along anti-diagonals (wavefront): ``Tx + Ty - 1`` vectorised steps over all
    pairs and all cells of a diagonal, no Python loop over pairs or cells.

    Args:
        S: ``(B, Tx, Ty)`` cosine similarities; x_len, y_len: ``(B,)`` real-frame counts (>= 1).

    Returns:
        ``(B,)`` costs (sums of cosine distances, in ``[0, 2 (n + m - 1)]``).
    """
    B, n, m = S.shape
    C = 1.0 - S
    inf = torch.tensor(float("inf"), dtype=C.dtype, device=C.device)
    # Skewed storage: diagonal k holds cells (i, k - i); keep the two previous diagonals, indexed by i.
    prev2 = torch.full((B, n), float("inf"), dtype=C.dtype, device=C.device)  # diagonal k-2
    prev1 = torch.full((B, n), float("inf"), dtype=C.dtype, device=C.device)  # diagonal k-1
    x_len = x_len.to(C.device).long()
    y_len = y_len.to(C.device).long()
    end_k = x_len + y_len - 2  # diagonal holding (n_b - 1, m_b - 1)
    out = torch.empty(B, dtype=C.dtype, device=C.device)
    ii = torch.arange(n, device=C.device)
    for k in range(n + m - 1):
        lo, hi = max(0, k - m + 1), min(k, n - 1)
        i = ii[lo : hi + 1]
        j = k - i
        cur = torch.full((B, n), float("inf"), dtype=C.dtype, device=C.device)
        # predecessors: (i-1, j) and (i-1, j-1) sit at index i-1 of diagonals k-1 and k-2; (i, j-1) at i of k-1
        up = torch.where(i > 0, prev1[:, (i - 1).clamp_min(0)], inf)
        left = torch.where(j > 0, prev1[:, i], inf)
        diag = torch.where((i > 0) & (j > 0), prev2[:, (i - 1).clamp_min(0)], inf)
        best = torch.minimum(torch.minimum(up, left), diag)
        if k == 0:
            best = torch.zeros_like(best)
        cur[:, lo : hi + 1] = C[:, i, j] + best
        done = end_k == k
        if bool(done.any()):
            out[done] = cur[done, x_len[done] - 1]
        prev2, prev1 = prev1, cur
    return out


def dtw(x: torch.Tensor, x_mask: torch.Tensor, y: torch.Tensor, y_mask: torch.Tensor, *,
        normalize: bool = True) -> torch.Tensor:
    """DTWSim of ``B`` pairs: DTW with cosine distance and the ``symmetric1`` step pattern.

    Masks must be left-aligned (real frames first, then padding), as padded batches are.

    Args:
        x: ``(B, Tx, D)``; x_mask: ``(B, Tx)`` bool; y: ``(B, Ty, D)``; y_mask: ``(B, Ty)`` bool.
        normalize: ``True``: similarity ``-cost / (n + m)`` (``n``, ``m`` = real frames);
            ``False``: the raw accumulated cost (lower = more similar; equals ``dtw-python``'s
            ``dtw(..., dist_method="cosine", step_pattern=symmetric1).distance``).

    Returns:
        ``(B,)``.

    Raises:
        ValueError: mismatched shapes, or a sequence without real frames.
    """
    _check_pair(x, x_mask, y, y_mask)
    x_len, y_len = x_mask.sum(-1), y_mask.sum(-1)
    cost = dtw_cost_from_sim(cosine_similarity_matrix(x, y), x_len, y_len)
    return -cost / (x_len + y_len).to(cost.dtype) if normalize else cost


# ------------------------------------------------------------------------------------------------
# Optimal transport
# ------------------------------------------------------------------------------------------------
def ot_cost_from_sim(S: torch.Tensor, x_mask: torch.Tensor, y_mask: torch.Tensor, *, reg: float = 0.005,
                     max_iter: int = 1000, tol: float = 1e-4, reg_start: float = 1.0) -> torch.Tensor:
    """Entropic OT cost by batched log-domain Sinkhorn with ε-scaling.

    Marginals are uniform over the real frames (``1/n``, ``1/m``); cost ``C = 1 - S``. The returned
    value is the transport cost ``<P_ε, C>`` of the entropic plan (no entropy term), which tends to
    the exact OT cost (``ot.emd2``) as ``reg`` → 0. ``reg`` is decreased geometrically from
    ``reg_start`` to ``reg`` (warm-started potentials), then iterations continue at ``reg`` until the
    row-marginal L1 error of each pair is below ``tol`` (checked every 10 iterations; a converged
    pair is frozen, so results do not depend on batch composition) or ``max_iter`` iterations ran.

    Args:
        S: ``(B, Tx, Ty)`` cosine similarities; x_mask ``(B, Tx)``, y_mask ``(B, Ty)`` bool.
        reg: final entropic regularisation ε (cost units).

    Returns:
        ``(B,)`` transport costs in ``[0, 2]``.
    """
    C = 1.0 - S
    B, n, m = C.shape
    pair_mask = x_mask.unsqueeze(-1) & y_mask.unsqueeze(-2)
    neg_inf = torch.tensor(float("-inf"), dtype=C.dtype, device=C.device)
    xmf, ymf = x_mask.to(C.dtype), y_mask.to(C.dtype)
    log_a = torch.where(x_mask, -torch.log(xmf.sum(-1, keepdim=True)), neg_inf)  # (B, n)
    log_b = torch.where(y_mask, -torch.log(ymf.sum(-1, keepdim=True)), neg_inf)  # (B, m)
    C_masked = C.masked_fill(~pair_mask, float("inf"))  # exp(-inf) = 0 for padded cells
    f = torch.zeros(B, n, dtype=C.dtype, device=C.device)
    g = torch.zeros(B, m, dtype=C.dtype, device=C.device)

    active = torch.ones(B, dtype=torch.bool, device=C.device)  # pairs not yet converged

    def sweep(eps: float):
        nonlocal f, g
        # f_i = eps * (log a_i - logsumexp_j (g_j - C_ij) / eps); converged pairs keep their potentials,
        # so a pair's result does not depend on the other pairs of its batch
        f_new = eps * (log_a - torch.logsumexp((g.unsqueeze(-2) - C_masked) / eps, dim=-1))
        f = torch.where(x_mask & active[:, None], f_new, f)
        g_new = eps * (log_b - torch.logsumexp((f.unsqueeze(-1) - C_masked) / eps, dim=-2))
        g = torch.where(y_mask & active[:, None], g_new, g)

    steps = max(0, math.ceil(math.log(reg_start / reg) / math.log(2.0))) if reg_start > reg else 0
    for s in range(steps):
        eps = reg_start * (reg / reg_start) ** (s / steps)
        for _ in range(5):
            sweep(eps)
    for it in range(max_iter):
        sweep(reg)
        if it % 10 == 9:
            logP = (f.unsqueeze(-1) + g.unsqueeze(-2) - C_masked) / reg
            row_err = (logP.exp().sum(-1) - log_a.exp()).abs().sum(-1)
            active = active & (row_err >= tol)
            if not bool(active.any()):
                break
    logP = (f.unsqueeze(-1) + g.unsqueeze(-2) - C_masked) / reg
    P = logP.exp()
    return (P * C.masked_fill(~pair_mask, 0.0)).sum((-2, -1))


def ot_cost_exact(S: torch.Tensor, x_mask: torch.Tensor, y_mask: torch.Tensor) -> torch.Tensor:
    """Exact OT cost of each pair with POT's network simplex ``ot.emd2`` (float64, CPU, one call
    per pair: for small pools and for checking :func:`ot_cost_from_sim`). Same inputs/outputs."""
    import numpy as np
    import ot as pot

    Sd = S.detach().double().cpu().numpy()
    xm, ym = x_mask.cpu().numpy(), y_mask.cpu().numpy()
    out = np.empty(S.shape[0])
    for b in range(S.shape[0]):
        C = 1.0 - Sd[b][xm[b]][:, ym[b]]
        n, m = C.shape
        out[b] = pot.emd2(np.full(n, 1.0 / n), np.full(m, 1.0 / m), C)
    return torch.from_numpy(out).to(S.dtype).to(S.device)


def ot(x: torch.Tensor, x_mask: torch.Tensor, y: torch.Tensor, y_mask: torch.Tensor, *, exact: bool = False,
       reg: float = 0.005, max_iter: int = 1000, tol: float = 1e-4) -> torch.Tensor:
    """OT similarity of ``B`` pairs: ``1 - W``, where ``W`` is the optimal-transport cost between the
    uniform distributions over the real frames of ``x`` and of ``y`` with cost ``1 - cos`` and no
    positional cost (App. B.2, after Le et al. 2023), i.e. the transport-weighted mean cosine.

    Args:
        x: ``(B, Tx, D)``; x_mask: ``(B, Tx)`` bool; y: ``(B, Ty, D)``; y_mask: ``(B, Ty)`` bool.
        exact: solve each pair exactly with POT ``ot.emd2`` (slow; CPU) instead of Sinkhorn.
        reg, max_iter, tol: Sinkhorn settings (see :func:`ot_cost_from_sim`); with the defaults
            ``|W_sinkhorn - W_emd2| <=`` :data:`OT_SINKHORN_ATOL`.

    Returns:
        ``(B,)`` in ``[-1, 1]``.

    Raises:
        ValueError: mismatched shapes, or a sequence without real frames.
    """
    _check_pair(x, x_mask, y, y_mask)
    S = cosine_similarity_matrix(x, y)
    cost = ot_cost_exact(S, x_mask, y_mask) if exact else \
        ot_cost_from_sim(S, x_mask, y_mask, reg=reg, max_iter=max_iter, tol=tol)
    return 1.0 - cost
