"""Training losses.

* :class:`KDLoss` — ZeroST knowledge distillation (Khurana et al., ZeroST, §2.2, Eq. 1–5).
* :func:`nll_loss` — token-level negative log-likelihood (ZeroST Eq. 6), padding masked.
* :func:`semantic_cosine_loss` — SAMU-XLS-R's utterance-level semantic distillation loss.

Padding convention: masks are ``True`` for real tokens / frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F


@dataclass
class KDOutput:
    loss: torch.Tensor  # scalar: beta * mean over the batch of (L_global + L_fine)
    fine: torch.Tensor  # scalar: batch mean of L_fine (Eq. 2, or its contrastive form)
    glob: torch.Tensor  # scalar: batch mean of L_global (Eq. 5)


#: the fine-grained KD terms :class:`KDLoss` offers: Eq. 2 and its in-batch contrastive form
FINE_MODES = ("paper", "contrastive")


class KDLoss(nn.Module):
    """ZeroST KD loss, Eq. 1–5.

    ``Proj`` is a Linear layer followed by Tanh, shared by both sides and both terms (the paper:
    "the L2Norm and Proj layers perform the same operations as in the fine-grained KD loss").

    * Eq. 1: ``Q <- L2Norm(Proj(Q))``, ``T <- L2Norm(Proj(T))``.
    * Eq. 2: ``L_fine = Σ_i (1 − max_j Q[i]·T[j])`` — max over *real* teacher tokens only; a
      sum over the ``q`` queries (not a mean), so it ranges over ``[0, 2q]``.
    * Eq. 4–5: ``q``, ``t`` = means of the raw ``Q`` over queries and of ``T`` over real tokens, then
      ``L_global = 1 − L2Norm(Proj(q))·L2Norm(Proj(t))``.
    * ``L_KD = β (L_global + L_fine)``, averaged over the batch.

    ``fine="contrastive"`` (not in the paper) replaces Eq. 2 by its in-batch retrieval form, as in
    ColBERT, which the paper cites for it: the max-sim score ``s(a, b) = mean_i max_j Q_a[i]·T_b[j]``
    of every speech/transcript pair of the batch, and a cross-entropy over the batch in both
    directions (speech→text, text→speech) at temperature ``tau``. Eq. 2 alone has a trivial
    minimiser — every query copies one teacher token shared by all sentences of a language (the
    NLLB language-code state) — which the mini-world runs reach within a few hundred steps
    (``docs/results/README.md``); negatives rule it out.

    Args:
        dim: width ``d`` of ``Q`` and ``T`` (the NLLB width).
        beta: scale β (paper: 10).
        proj_trainable: train ``Proj`` (paper) or keep its random init.
        fine: ``"paper"`` (Eq. 2) or ``"contrastive"``.
        tau: temperature of the contrastive form.

    Shapes: ``Q (B, q, d)``, ``T (B, m, d)``, ``t_mask (B, m)`` bool.
    """

    def __init__(self, dim: int, beta: float = 10.0, proj_trainable: bool = True, fine: str = "paper",
                 tau: float = 0.05):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.beta = beta
        self.set_fine_mode(fine)
        self.tau = tau
        self.proj.requires_grad_(proj_trainable)

    def set_fine_mode(self, fine: str) -> None:
        """Use the fine-grained term ``fine`` (:data:`FINE_MODES`) from now on.

        Raises:
            ValueError: an unknown mode.
        """
        if fine not in FINE_MODES:
            raise ValueError(f"fine-grained KD must be {' or '.join(map(repr, FINE_MODES))}, got {fine!r}")
        self.fine_mode = fine

    def project(self, x: torch.Tensor) -> torch.Tensor:
        """Eq. 1: ``L2Norm(Tanh(Linear(x)))`` over the last axis."""
        return F.normalize(torch.tanh(self.proj(x)), dim=-1)

    def forward(self, Q: torch.Tensor, T: torch.Tensor, t_mask: torch.Tensor) -> KDOutput:
        if t_mask.shape != T.shape[:2]:
            raise ValueError(f"teacher mask {tuple(t_mask.shape)} does not match teacher states {tuple(T.shape)}")
        t_mask = t_mask.bool()
        if not t_mask.any(dim=1).all():
            raise ValueError("a teacher sequence has no real token")
        Qn, Tn = self.project(Q), self.project(T)
        if self.fine_mode == "contrastive":
            fine = self.contrastive_fine(Qn, Tn, t_mask)
        else:
            sim = torch.einsum("bqd,bmd->bqm", Qn, Tn).masked_fill(~t_mask[:, None, :], float("-inf"))
            fine = (1.0 - sim.max(dim=-1).values).sum(dim=-1)  # (B,)
        q_mean = Q.mean(dim=1)
        t_mean = T.masked_fill(~t_mask[..., None], 0.0).sum(1) / t_mask.sum(1, keepdim=True).to(T.dtype)
        glob = 1.0 - (self.project(q_mean) * self.project(t_mean)).sum(-1)  # (B,)
        return KDOutput(loss=self.beta * (glob + fine).mean(), fine=fine.mean(), glob=glob.mean())


    def contrastive_fine(self, Qn: torch.Tensor, Tn: torch.Tensor, t_mask: torch.Tensor) -> torch.Tensor:
        """In-batch max-sim retrieval loss ``(B,)``: ``s (B, B)`` with ``s[a, b] = mean_i max_j
        Qn[a, i]·Tn[b, j]`` (real tokens of ``b`` only), then per pair ``a`` the mean of the
        speech→text and text→speech cross-entropies of ``s / tau`` with the diagonal as the answer."""
        sim = torch.einsum("aqd,bmd->abqm", Qn, Tn).masked_fill(~t_mask[None, :, None, :], float("-inf"))
        scores = sim.max(dim=-1).values.mean(dim=-1) / self.tau  # (B, B)
        target = torch.arange(scores.shape[0], device=scores.device)
        return 0.5 * (F.cross_entropy(scores, target, reduction="none")
                      + F.cross_entropy(scores.T, target, reduction="none"))


def nll_loss(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean token NLL (ZeroST Eq. 6 divided by the number of real tokens in the batch).

    Args:
        logits: ``(B, N, V)`` next-token scores.
        labels: ``(B, N)`` target ids, ``ignore_index`` at padding.

    Returns:
        scalar: ``−Σ log p(y_n | y_<n, Q) / #real tokens``.
    """
    return F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=ignore_index)


def semantic_cosine_loss(speech: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """SAMU-XLS-R semantic distillation loss: the batch mean of the cosine distance between each
    utterance embedding and the teacher's sentence embedding of its transcript,
    ``mean_b (1 − cos(e_b, y_b))``.

    Khurana et al., SAMU-XLSR (arXiv 2205.08180) §II: the speech encoder's utterance embedding
    ``e`` is pulled towards the frozen LaBSE embedding ``y`` of the transcript (scale-free: only the
    direction counts, so ``y`` may be stored L2-normalised).

    Args:
        speech: ``(B, E)`` utterance embeddings.
        teacher: ``(B, E)`` sentence embeddings.

    Returns:
        scalar in ``[0, 2]``.

    Raises:
        ValueError: the two shapes differ.
    """
    if speech.shape != teacher.shape:
        raise ValueError(f"speech embeddings {tuple(speech.shape)} and teacher embeddings {tuple(teacher.shape)} "
                         f"differ in shape")
    return (1.0 - F.cosine_similarity(speech.float(), teacher.float(), dim=-1)).mean()
