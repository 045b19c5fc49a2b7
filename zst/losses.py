"""Training losses.

* :class:`KDLoss` — ZeroST knowledge distillation (Khurana et al., ZeroST, §2.2, Eq. 1–5).
* :func:`nll_loss` — token-level negative log-likelihood (ZeroST Eq. 6), padding masked.

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
    fine: torch.Tensor  # scalar: batch mean of L_fine (Eq. 2)
    glob: torch.Tensor  # scalar: batch mean of L_global (Eq. 5)


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

    Args:
        dim: width ``d`` of ``Q`` and ``T`` (the NLLB width).
        beta: scale β (paper: 10).
        proj_trainable: train ``Proj`` (paper) or keep its random init.

    Shapes: ``Q (B, q, d)``, ``T (B, m, d)``, ``t_mask (B, m)`` bool.
    """

    def __init__(self, dim: int, beta: float = 10.0, proj_trainable: bool = True):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.beta = beta
        self.proj.requires_grad_(proj_trainable)

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
        sim = torch.einsum("bqd,bmd->bqm", Qn, Tn).masked_fill(~t_mask[:, None, :], float("-inf"))
        fine = (1.0 - sim.max(dim=-1).values).sum(dim=-1)  # (B,)
        q_mean = Q.mean(dim=1)
        t_mean = T.masked_fill(~t_mask[..., None], 0.0).sum(1) / t_mask.sum(1, keepdim=True).to(T.dtype)
        glob = 1.0 - (self.project(q_mean) * self.project(t_mean)).sum(-1)  # (B,)
        return KDOutput(loss=self.beta * (glob + fine).mean(), fine=fine.mean(), glob=glob.mean())


def nll_loss(logits: torch.Tensor, labels: torch.Tensor, ignore_index: int = -100) -> torch.Tensor:
    """Mean token NLL (ZeroST Eq. 6 divided by the number of real tokens in the batch).

    Args:
        logits: ``(B, N, V)`` next-token scores.
        labels: ``(B, N)`` target ids, ``ignore_index`` at padding.

    Returns:
        scalar: ``−Σ log p(y_n | y_<n, Q) / #real tokens``.
    """
    return F.cross_entropy(logits.float().flatten(0, 1), labels.flatten(), ignore_index=ignore_index)
