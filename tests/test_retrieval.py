"""Retrieval kernels against reference implementations (bert_score, POT, dtw-python), masks,
chunked all-pairs scoring, faiss prefilter and R@k."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zst.errors import ZstError
from zst.retrieval import (OT_SINKHORN_ATOL, MetricOptions, avgsim, dtw, ot, pad, recall_at_k, score_matrix, seqsim,
                           top_k)
from zst.retrieval.scoring import gold_ranks


def _seqs(n: int, lo: int, hi: int, d: int = 16, offset: float = 0.0, seed: int = 0) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    lens = torch.randint(lo, hi + 1, (n,), generator=g)
    return [torch.randn(int(t), d, generator=g) + offset for t in lens]


def _padded(seqs, noise_seed: int = 1):
    """Pad, and fill the padding with noise (so a kernel that reads it would change its score)."""
    x, m = pad(seqs)
    g = torch.Generator().manual_seed(noise_seed)
    return torch.where(m[..., None], x, 5 * torch.randn(x.shape, generator=g)), m


def test_seqsim_equals_bert_score_f1_without_idf():
    bu = pytest.importorskip("bert_score.utils")
    # offset 1: every frame's best match has a positive cosine (bert_score multiplies padded cells by 0,
    # so it differs from Eq. 1 when all real cosines of a frame are negative)
    xs, ys = _seqs(12, 3, 25, offset=1.0, seed=1), _seqs(12, 3, 25, offset=1.0, seed=2)
    (x, xm), (y, ym) = _padded(xs), _padded(ys, 2)
    ours = seqsim(x, xm, y, ym)
    # bert_score: ref = x (recall over x), hyp = y; uniform idf over the real tokens
    P, R, F = bu.greedy_cos_idf(x.clone(), xm.long(), xm.float(), y.clone(), ym.long(), ym.float())
    torch.testing.assert_close(ours, F, atol=1e-6, rtol=0)
    # symmetric in its arguments (F1)
    torch.testing.assert_close(seqsim(y, ym, x, xm), ours, atol=1e-6, rtol=0)


def test_avgsim_is_cosine_of_means():
    xs, ys = _seqs(5, 2, 9, seed=3), _seqs(5, 2, 9, seed=4)
    (x, xm), (y, ym) = _padded(xs), _padded(ys)
    expect = torch.stack([torch.nn.functional.cosine_similarity(a.mean(0), b.mean(0), dim=0) for a, b in zip(xs, ys)])
    torch.testing.assert_close(avgsim(x, xm, y, ym), expect, atol=1e-6, rtol=0)


def test_dtw_equals_dtw_python_symmetric1_cosine():
    dp = pytest.importorskip("dtw")
    xs, ys = _seqs(10, 1, 30, seed=5), _seqs(10, 1, 30, seed=6)
    (x, xm), (y, ym) = _padded(xs), _padded(ys)
    cost = dtw(x.double(), xm, y.double(), ym, normalize=False)
    ref = [dp.dtw(a.double().numpy(), b.double().numpy(), dist_method="cosine", step_pattern=dp.symmetric1,
                  distance_only=True).distance for a, b in zip(xs, ys)]
    np.testing.assert_allclose(cost.numpy(), ref, rtol=1e-9, atol=1e-9)
    sim = dtw(x, xm, y, ym)
    lens = torch.tensor([len(a) + len(b) for a, b in zip(xs, ys)], dtype=torch.float32)
    torch.testing.assert_close(sim, -torch.tensor(ref, dtype=torch.float32) / lens, atol=1e-5, rtol=0)


def test_ot_sinkhorn_within_tolerance_of_pot_and_exact_mode_exact():
    pot = pytest.importorskip("ot")
    xs, ys = _seqs(12, 5, 40, seed=7), _seqs(12, 5, 40, seed=8)
    (x, xm), (y, ym) = _padded(xs), _padded(ys)
    ref = []
    for a, b in zip(xs, ys):
        C = 1 - torch.nn.functional.normalize(a.double(), dim=-1) @ torch.nn.functional.normalize(b.double(), dim=-1).T
        ref.append(pot.emd2(np.full(len(a), 1 / len(a)), np.full(len(b), 1 / len(b)), C.numpy()))
    ref = torch.tensor(np.asarray(ref, dtype=np.float64))
    sink = 1 - ot(x, xm, y, ym).double()  # float32 Sinkhorn, default reg
    err = (sink - ref).abs().max().item()
    assert err <= OT_SINKHORN_ATOL, err  # measured: 3e-4 at reg 0.005
    exact = 1 - ot(x.double(), xm, y.double(), ym, exact=True)
    torch.testing.assert_close(exact, ref, atol=1e-12, rtol=0)


@pytest.mark.parametrize("fn", [seqsim, avgsim, dtw, ot])
def test_padding_does_not_change_scores(fn):
    xs, ys = _seqs(4, 2, 12, seed=9), _seqs(4, 2, 12, seed=10)
    (x, xm), (y, ym) = _padded(xs, 3), _padded(ys, 4)
    batched = fn(x, xm, y, ym)
    # more padding, filled with other noise
    x2 = torch.cat([x, 7 * torch.randn(x.shape[0], 5, x.shape[2])], 1)
    xm2 = torch.cat([xm, torch.zeros(x.shape[0], 5, dtype=torch.bool)], 1)
    torch.testing.assert_close(fn(x2, xm2, y, ym), batched, atol=1e-5, rtol=0)
    # one pair at a time, no padding at all
    single = torch.cat([fn(a[None], torch.ones(1, len(a), dtype=torch.bool), b[None], torch.ones(1, len(b), dtype=torch.bool))
                        for a, b in zip(xs, ys)])
    torch.testing.assert_close(single, batched, atol=1e-5, rtol=0)


def test_kernels_reject_bad_shapes_and_empty_masks():
    x, xm = pad(_seqs(2, 2, 4))
    with pytest.raises(ValueError, match="at least one real frame"):
        seqsim(x, torch.zeros_like(xm), x, xm)
    with pytest.raises(ValueError, match="batch size or width"):
        seqsim(x, xm, x[:1], xm[:1])


@pytest.mark.parametrize("metric", ["seqsim", "avgsim", "dtw", "ot"])
def test_chunked_score_matrix_equals_unchunked_and_pairwise(metric):
    qs, cs = _seqs(7, 2, 15, seed=11), _seqs(9, 2, 15, seed=12)
    full = score_matrix(qs, cs, metric, max_memory_mb=1024)
    tiny = score_matrix(qs, cs, metric, max_memory_mb=2e-3)  # a few pairs per block
    mid = score_matrix(qs, cs, metric, max_memory_mb=0.02, max_block=3)
    assert full.shape == (7, 9) and full.dtype == np.float32
    np.testing.assert_allclose(tiny, full, atol=1e-5)
    np.testing.assert_allclose(mid, full, atol=1e-5)
    fn = {"seqsim": seqsim, "avgsim": avgsim, "dtw": dtw, "ot": ot}[metric]
    one = lambda t: torch.ones(1, len(t), dtype=torch.bool)  # noqa: E731
    ref = np.array([[fn(q[None], one(q), c[None], one(c)).item() for c in cs] for q in qs])
    np.testing.assert_allclose(full, ref, atol=1e-5)


def test_score_matrix_ot_exact_option_and_numpy_input():
    qs = [s.numpy() for s in _seqs(3, 2, 6, seed=13)]
    cs = [s.numpy() for s in _seqs(4, 2, 6, seed=14)]
    exact = score_matrix(qs, cs, "ot", options=MetricOptions(ot_exact=True))
    sink = score_matrix(qs, cs, "ot")
    assert np.abs(exact - sink).max() <= OT_SINKHORN_ATOL


def test_score_matrix_bad_input():
    qs = _seqs(2, 2, 4)
    with pytest.raises(ZstError, match="unknown metric"):
        score_matrix(qs, qs, "cosine")
    with pytest.raises(ZstError, match="no candidates"):
        score_matrix(qs, [], "seqsim")
    with pytest.raises(ZstError, match="width"):
        score_matrix(qs, _seqs(2, 2, 4, d=8), "seqsim")


def test_recall_at_k_on_a_hand_made_matrix():
    scores = np.array([
        [0.9, 0.1, 0.2, 0.0, 0.0, 0.0],  # gold 0: rank 0
        [0.5, 0.4, 0.1, 0.0, 0.0, 0.0],  # gold 1: rank 1
        [0.9, 0.8, 0.7, 0.6, 0.5, 0.1],  # gold 5: rank 5 (outside the top 5)
        [0.3, 0.3, 0.3, 0.3, 0.0, 0.0],  # gold 3: ties count for the query -> rank 0
    ])
    gold = [0, 1, 5, 3]
    assert list(gold_ranks(scores, gold)) == [0, 1, 5, 0]
    assert recall_at_k(scores, gold) == {"R@1": 0.5, "R@5": 0.75}
    prefiltered = scores.copy()
    prefiltered[0, 0] = -np.inf  # a gold candidate the prefilter dropped never counts
    assert recall_at_k(prefiltered, gold, ks=(1, 5, 10)) == {"R@1": 0.25, "R@5": 0.5, "R@10": 0.75}
    idx, val = top_k(scores, 2)
    assert idx.tolist() == [[0, 2], [0, 1], [0, 1], [0, 1]] and val.shape == (4, 2)


@pytest.mark.parametrize("metric", ["seqsim", "dtw", "ot"])
def test_faiss_prefilter_with_full_pool_equals_exact(metric):
    pytest.importorskip("faiss")
    qs, cs = _seqs(6, 2, 10, seed=15), _seqs(8, 2, 10, seed=16)
    exact = score_matrix(qs, cs, metric)
    # K = pool size: every candidate survives, scored through the pair path in small chunks
    from zst.retrieval.scoring import _prefiltered

    full = _prefiltered(qs, cs, metric, torch.device("cpu"), 1e-3, len(cs), MetricOptions(), None)
    np.testing.assert_allclose(full, exact, atol=1e-5)
    np.testing.assert_allclose(score_matrix(qs, cs, metric, prefilter_k=len(cs)), exact, atol=1e-5)
    k3 = score_matrix(qs, cs, metric, prefilter_k=3)
    kept = np.isfinite(k3)
    assert (kept.sum(1) == 3).all()
    np.testing.assert_allclose(k3[kept], exact[kept], atol=1e-5)
    # the kept candidates are the 3 best by AvgSim
    avg = score_matrix(qs, cs, "avgsim")
    assert (np.sort(np.argsort(-avg, 1)[:, :3], 1) == np.sort(np.nonzero(kept)[1].reshape(6, 3), 1)).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("metric", ["seqsim", "avgsim", "dtw", "ot"])
def test_cuda_matches_cpu(metric):
    qs, cs = _seqs(5, 2, 12, seed=17), _seqs(6, 2, 12, seed=18)
    np.testing.assert_allclose(score_matrix(qs, cs, metric, device="cuda"), score_matrix(qs, cs, metric), atol=1e-4)


def test_ot_solver_auto_is_exact_on_cpu_and_sinkhorn_on_gpu():
    from zst.errors import ConfigError
    from zst.retrieval.run import ot_exact_on

    assert ot_exact_on("auto", "cpu") is True and ot_exact_on("auto", "cuda") is False
    assert ot_exact_on("exact", "cuda") is True and ot_exact_on("sinkhorn", "cpu") is False
    with pytest.raises(ConfigError, match="--ot-solver: unknown solver 'fast'"):
        ot_exact_on("fast", "cpu")
