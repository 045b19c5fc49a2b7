"""KD loss (ZeroST Eq. 1-5), token NLL (Eq. 6) and the tri-stage learning-rate schedule, checked
against hand computations with explicit numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from zst.losses import KDLoss, nll_loss
from zst.train.loop import tri_stage

# ------------------------------------------------------------------------------------------ helpers


def _identity_proj(loss: KDLoss) -> KDLoss:
    """Make ``Proj`` = tanh (Linear with identity weight and zero bias)."""
    with torch.no_grad():
        loss.proj.weight.copy_(torch.eye(loss.proj.in_features))
        loss.proj.bias.zero_()
    return loss


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / math.sqrt(float((v * v).sum()))


def _hand_kd(Q, T, n_real):
    """Eq. 1-5 for one example in plain numpy with Proj = tanh.

    Q: (q, d) list, T: (m, d) list, n_real: number of real teacher rows (the first ``n_real``).
    Returns (fine, glob).
    """
    Q = np.asarray(Q, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)[:n_real]
    Qn = [_unit(np.tanh(row)) for row in Q]
    Tn = [_unit(np.tanh(row)) for row in T]
    fine = 0.0
    for qi in Qn:
        best = max(float(qi @ tj) for tj in Tn)
        fine += 1.0 - best
    q_mean = Q.mean(axis=0)
    t_mean = T.mean(axis=0)
    glob = 1.0 - float(_unit(np.tanh(q_mean)) @ _unit(np.tanh(t_mean)))
    return fine, glob


# Example 0: 2 queries, 3 teacher tokens (all real). Example 1: 2 queries, 2 real tokens + 1 padded.
Q_VALS = [
    [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]],
    [[-0.3, 0.8, 0.1], [2.0, -2.0, 0.7]],
]
T_VALS = [
    [[1.0, 0.0, 0.5], [-0.5, 1.2, 0.3], [0.2, -0.4, 1.1]],
    [[0.9, -1.1, 0.2], [0.1, 0.6, -0.3], [-3.0, 3.0, 3.0]],  # last row is padding
]
MASK = [[True, True, True], [True, True, False]]


def _tensors():
    return (torch.tensor(Q_VALS, dtype=torch.float64), torch.tensor(T_VALS, dtype=torch.float64),
            torch.tensor(MASK))


# ------------------------------------------------------------------------------------------ KD loss


def test_kd_loss_matches_hand_computation():
    beta = 7.0
    kd = _identity_proj(KDLoss(3, beta=beta)).double()
    Q, T, mask = _tensors()
    out = kd(Q, T, mask)

    f0, g0 = _hand_kd(Q_VALS[0], T_VALS[0], 3)
    f1, g1 = _hand_kd(Q_VALS[1], T_VALS[1], 2)
    fine = (f0 + f1) / 2
    glob = (g0 + g1) / 2
    assert out.fine.item() == pytest.approx(fine, abs=1e-12)
    assert out.glob.item() == pytest.approx(glob, abs=1e-12)
    assert out.loss.item() == pytest.approx(beta * (fine + glob), abs=1e-10)
    # the numbers are not trivially 0: Eq. 2 sums over q=2 queries, each term in [0, 2]
    assert 0.05 < f0 < 4 and 0.05 < f1 < 4 and 0.0 < g0 < 2 and 0.0 < g1 < 2


def test_kd_loss_single_example_explicit_numbers():
    """A 2-d example small enough to do entirely on paper."""
    kd = _identity_proj(KDLoss(2, beta=10.0)).double()
    a = math.atanh(0.6)
    b = math.atanh(0.8)
    # tanh(Q[0]) = (0.6, 0.8) -> unit already; tanh(Q[1]) = (0.8, -0.6) -> unit; tanh(T[0]) = (0.6, 0.8),
    # tanh(T[1]) = (0.8, 0.6).
    Q = torch.tensor([[[a, b], [b, -a]]], dtype=torch.float64)
    T = torch.tensor([[[a, b], [b, a], [5.0, -5.0]]], dtype=torch.float64)
    mask = torch.tensor([[True, True, False]])
    out = kd(Q, T, mask)
    # query 0: max(1.0, 0.48 + 0.64 = 0.96) = 1 -> term 0; query 1: max(0.48 - 0.48 = 0, 0.64 - 0.36 = 0.28)
    # = 0.28 -> term 0.72.  (the padded token (tanh 5, -tanh 5) would give query 1 a cosine of ~0.99.)
    assert out.fine.item() == pytest.approx(0.72, abs=1e-12)
    # global: q = mean(Q) = ((a+b)/2, (b-a)/2), t = mean of real T = ((a+b)/2, (a+b)/2)
    qv = _unit(np.tanh([(a + b) / 2, (b - a) / 2]))
    tv = _unit(np.tanh([(a + b) / 2, (a + b) / 2]))
    glob = 1.0 - float(qv @ tv)
    assert out.glob.item() == pytest.approx(glob, abs=1e-12)
    assert out.loss.item() == pytest.approx(10.0 * (0.72 + glob), abs=1e-10)


def test_kd_loss_ignores_padded_teacher_tokens():
    kd = _identity_proj(KDLoss(3, beta=10.0)).double()
    Q, T, mask = _tensors()
    ref = kd(Q, T, mask)
    for fill in (0.0, 1e4, -1e4, 123.456):
        T2 = T.clone()
        T2[1, 2] = fill
        out = kd(Q, T2, mask)
        assert out.loss.item() == pytest.approx(ref.loss.item(), abs=1e-12)
        assert out.fine.item() == pytest.approx(ref.fine.item(), abs=1e-12)
        assert out.glob.item() == pytest.approx(ref.glob.item(), abs=1e-12)
    # a real copy of a query (same direction after Proj) placed in the padded row would otherwise
    # make that query's fine term 0: prove the max really skips it
    T3 = T.clone()
    T3[1, 2] = Q[1, 1]
    out = kd(Q, T3, mask)
    assert out.fine.item() == pytest.approx(ref.fine.item(), abs=1e-12)
    # ... whereas unmasking it changes the loss
    mask_all = torch.ones_like(mask)
    assert abs(kd(Q, T3, mask_all).fine.item() - ref.fine.item()) > 1e-3


def test_kd_loss_extra_padding_columns_do_not_change_loss():
    kd = _identity_proj(KDLoss(3, beta=10.0)).double()
    Q, T, mask = _tensors()
    ref = kd(Q, T, mask)
    T_pad = torch.cat([T, torch.full((2, 4, 3), 3.3, dtype=torch.float64)], dim=1)
    mask_pad = torch.cat([mask, torch.zeros(2, 4, dtype=torch.bool)], dim=1)
    out = kd(Q, T_pad, mask_pad)
    assert out.loss.item() == pytest.approx(ref.loss.item(), abs=1e-12)


def test_kd_loss_mismatched_mask_raises():
    kd = KDLoss(3)
    Q, T, mask = _tensors()
    with pytest.raises(ValueError):
        kd(Q.float(), T.float(), mask[:, :2])
    with pytest.raises(ValueError):
        kd(Q.float(), T.float(), mask[:1])


def test_kd_loss_identical_inputs_give_zero():
    """Q == T (both sides identical, q == m, all real) gives fine = 0 and global = 0."""
    kd = KDLoss(4, beta=10.0)
    X = torch.randn(2, 5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    kd = kd.double()
    out = kd(X, X.clone(), torch.ones(2, 5, dtype=torch.bool))
    assert out.fine.item() == pytest.approx(0.0, abs=1e-12)
    assert out.glob.item() == pytest.approx(0.0, abs=1e-12)
    assert out.loss.item() == pytest.approx(0.0, abs=1e-10)


def test_kd_proj_gradients():
    Q, T, mask = (t.float() if t.is_floating_point() else t for t in _tensors())
    Q = Q.clone().requires_grad_(True)
    kd = KDLoss(3, beta=10.0, proj_trainable=True)
    assert kd.proj.weight.requires_grad and kd.proj.bias.requires_grad
    kd(Q, T, mask).loss.backward()
    assert kd.proj.weight.grad is not None and kd.proj.weight.grad.abs().sum().item() > 0
    assert kd.proj.bias.grad is not None and kd.proj.bias.grad.abs().sum().item() > 0
    assert Q.grad is not None and Q.grad.abs().sum().item() > 0

    frozen = KDLoss(3, beta=10.0, proj_trainable=False)
    assert not frozen.proj.weight.requires_grad and not frozen.proj.bias.requires_grad
    Q2 = Q.detach().clone().requires_grad_(True)
    frozen(Q2, T, mask).loss.backward()
    assert frozen.proj.weight.grad is None and frozen.proj.bias.grad is None
    assert Q2.grad is not None and Q2.grad.abs().sum().item() > 0  # still trains the student


def test_kd_paper_fine_loss_has_the_copy_the_language_token_minimiser_contrastive_does_not():
    """Every query copying teacher token 0 (shared by all sentences of a language, like NLLB's
    language code) zeroes Eq. 2 whatever the sentence; the contrastive form then sits at ln B."""
    g = torch.Generator().manual_seed(0)
    B, q, m, d = 4, 6, 5, 8
    T = torch.randn(B, m, d, generator=g, dtype=torch.float64)
    T[:, 0] = torch.randn(d, generator=g, dtype=torch.float64)  # the shared language-code state
    mask = torch.ones(B, m, dtype=torch.bool)
    Q = T[:, :1].expand(B, q, d).clone()  # content-free student
    paper = _identity_proj(KDLoss(d, beta=10.0)).double()
    assert paper(Q, T, mask).fine.item() == pytest.approx(0.0, abs=1e-12)
    con = _identity_proj(KDLoss(d, beta=10.0, fine="contrastive")).double()
    assert con(Q, T, mask).fine.item() == pytest.approx(math.log(B), abs=1e-9)


def test_kd_contrastive_fine_matches_hand_computation():
    g = torch.Generator().manual_seed(3)
    B, q, m, d = 3, 4, 5, 6
    Q = torch.randn(B, q, d, generator=g, dtype=torch.float64)
    T = torch.randn(B, m, d, generator=g, dtype=torch.float64)
    mask = torch.ones(B, m, dtype=torch.bool)
    mask[1, 3:] = False
    kd = _identity_proj(KDLoss(d, beta=1.0, fine="contrastive", tau=0.1)).double()
    got = kd(Q, T, mask).fine.item()
    Qn = [[_unit(np.tanh(r)) for r in Q[a].numpy()] for a in range(B)]
    Tn = [[_unit(np.tanh(r)) for r in T[b][mask[b]].numpy()] for b in range(B)]
    s = np.array([[np.mean([max(float(qi @ tj) for tj in Tn[b]) for qi in Qn[a]]) for b in range(B)]
                  for a in range(B)]) / 0.1
    ce = lambda x: [-(x[i, i] - np.log(np.exp(x[i]).sum())) for i in range(B)]  # noqa: E731
    want = float(np.mean(0.5 * (np.array(ce(s)) + np.array(ce(s.T)))))
    assert got == pytest.approx(want, rel=1e-9)
    with pytest.raises(ValueError, match="paper' or 'contrastive"):
        KDLoss(d, fine="symmetric")


# ------------------------------------------------------------------------------------------ NLL


def test_nll_loss_matches_log_softmax():
    g = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 4, 7, generator=g)
    labels = torch.tensor([[-100, 3, 6, 0], [-100, 2, -100, -100]])
    got = nll_loss(logits, labels)
    logp = torch.log_softmax(logits, dim=-1)
    real = labels != -100
    picked = logp.gather(-1, labels.clamp(min=0)[..., None])[..., 0]
    expect = -(picked[real]).sum() / real.sum()
    assert got.item() == pytest.approx(expect.item(), abs=1e-6)
    # explicit: 4 real tokens
    manual = -(logp[0, 1, 3] + logp[0, 2, 6] + logp[0, 3, 0] + logp[1, 1, 2]) / 4
    assert got.item() == pytest.approx(manual.item(), abs=1e-6)


def test_nll_loss_ignores_masked_positions():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(1, 3, 5, generator=g)
    labels = torch.tensor([[-100, 1, 4]])
    ref = nll_loss(logits, labels)
    logits2 = logits.clone()
    logits2[0, 0] = torch.tensor([100.0, -100.0, 7.0, 3.0, -2.0])  # only the ignored position changes
    assert nll_loss(logits2, labels).item() == pytest.approx(ref.item(), abs=1e-6)
    # uniform logits give log(V) per token
    assert nll_loss(torch.zeros(1, 3, 5), labels).item() == pytest.approx(math.log(5), abs=1e-6)
    # half precision logits are scored in float32
    assert nll_loss(logits.half(), labels).dtype == torch.float32


# ------------------------------------------------------------------------------------------ tri-stage


def test_tri_stage_known_values():
    kw = dict(max_steps=100, stages=(0.1, 0.4, 0.5), init_scale=0.01, final_scale=0.05)
    assert tri_stage(0, **kw) == pytest.approx(0.01)
    assert tri_stage(5, **kw) == pytest.approx(0.505)
    assert tri_stage(9, **kw) == pytest.approx(0.01 + 0.99 * 0.9)
    for s in range(10, 50):
        assert tri_stage(s, **kw) == pytest.approx(1.0)
    assert tri_stage(50, **kw) == pytest.approx(1.0)  # decay starts from 1
    assert tri_stage(75, **kw) == pytest.approx(0.05 ** 0.5)
    assert tri_stage(100, **kw) == pytest.approx(0.05)
    assert tri_stage(150, **kw) == pytest.approx(0.05)  # clamped past the end
    decay = [tri_stage(s, **kw) for s in range(50, 101)]
    assert all(b < a for a, b in zip(decay, decay[1:]))
    # geometric: constant ratio between consecutive steps
    ratios = [b / a for a, b in zip(decay, decay[1:])]
    assert max(ratios) == pytest.approx(min(ratios), rel=1e-9)
    assert ratios[0] == pytest.approx(0.05 ** (1 / 50))
    warm = [tri_stage(s, **kw) for s in range(0, 11)]
    assert all(b > a for a, b in zip(warm, warm[1:]))
