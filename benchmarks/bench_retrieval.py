"""Retrieval scoring speed: zst's batched kernels against per-pair peers, measured in the same run.

Pairs per second of ``zst.retrieval.score_matrix`` (all pairs of Nq queries x Nc candidates, in
memory-bounded blocks) against

* SeqSim: bert_score-style per-pair scoring (``bert_score.utils.greedy_cos_idf`` called once per
  pair with uniform idf, as ``bert_score`` scores a list of pairs);
* OT: POT's exact ``ot.emd2`` per pair (cost matrix 1 - cos);
* DTW: the C library ``dtw-python`` per pair (``dist_method="cosine"``, ``symmetric1``,
  ``distance_only=True``).

Peers are timed on a sample of pairs (``--peer-pairs``) and reported as pairs per second; zst on
the full Nq x Nc matrix. Random features stand in for encoder states (speed does not depend on
their values). Sizes: frames per utterance = seconds x 50 (Whisper/wav2vec2 frame rate).

    python benchmarks/bench_retrieval.py                       # small default, < 2 min on 2 CPU cores
    python benchmarks/bench_retrieval.py --n 1000 --seconds 10 --dim 1280 --device cuda   # the issue's target size
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch


def _utterances(n: int, seconds: float, dim: int, seed: int) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    frames = max(2, int(seconds * 50))
    lens = torch.randint(max(1, frames * 3 // 4), frames + 1, (n,), generator=g)  # 75-100 % of the length
    return [torch.randn(int(t), dim, generator=g) for t in lens]


def _rate(fn, pairs: int) -> tuple[float, float]:
    t = time.perf_counter()
    fn()
    dt = time.perf_counter() - t
    return pairs / dt, dt


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def bench_zst(qs, cs, metric: str, device: str, max_memory_mb: float) -> tuple[float, float]:
    from zst.retrieval import score_matrix

    def run():
        score_matrix(qs, cs, metric, device=device, max_memory_mb=max_memory_mb)
        _sync(device)

    if device.startswith("cuda"):  # warm-up (kernel compilation, allocator)
        score_matrix(qs[:2], cs[:2], metric, device=device)
    return _rate(run, len(qs) * len(cs))


def bench_bert_score(pairs) -> tuple[float, float]:
    from bert_score.utils import greedy_cos_idf

    def run():
        for a, b in pairs:
            ma, mb = torch.ones(1, len(a)), torch.ones(1, len(b))
            greedy_cos_idf(a[None].clone(), ma.long(), ma.clone(), b[None].clone(), mb.long(), mb.clone())

    return _rate(run, len(pairs))


def bench_pot(pairs) -> tuple[float, float]:
    import ot

    def run():
        for a, b in pairs:
            an = torch.nn.functional.normalize(a.double(), dim=-1).numpy()
            bn = torch.nn.functional.normalize(b.double(), dim=-1).numpy()
            ot.emd2(np.full(len(a), 1 / len(a)), np.full(len(b), 1 / len(b)), 1 - an @ bn.T)

    return _rate(run, len(pairs))


def bench_dtw_python(pairs) -> tuple[float, float]:
    import dtw as dtw_python

    def run():
        for a, b in pairs:
            dtw_python.dtw(a.double().numpy(), b.double().numpy(), dist_method="cosine",
                           step_pattern=dtw_python.symmetric1, distance_only=True)

    return _rate(run, len(pairs))


PEERS = {"seqsim": ("bert_score per pair", bench_bert_score), "ot": ("POT ot.emd2 per pair", bench_pot),
         "dtw": ("dtw-python per pair", bench_dtw_python)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=32, help="queries = candidates (default 32; issue target 1000)")
    ap.add_argument("--seconds", type=float, default=2.0, help="utterance length, s (default 2; target 10)")
    ap.add_argument("--dim", type=int, default=256, help="feature width D (default 256; target 1280)")
    ap.add_argument("--metrics", default="seqsim,dtw,ot", help="comma-separated subset of seqsim,dtw,ot")
    ap.add_argument("--peer-pairs", type=int, default=32, help="pairs timed for each per-pair peer")
    ap.add_argument("--device", action="append", help="cpu and/or cuda (repeatable; default: cpu, and cuda "
                    "when available)")
    ap.add_argument("--max-memory-mb", type=float, default=64.0, help="zst block memory bound, MiB (CPU caches favour small blocks; try 2048+ on a GPU)")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"])
    qs = _utterances(args.n, args.seconds, args.dim, 0)
    cs = _utterances(args.n, args.seconds, args.dim, 1)
    rng = np.random.default_rng(0)
    sample = [(qs[i], cs[j]) for i, j in rng.integers(0, args.n, size=(args.peer_pairs, 2))]
    print(f"{args.n} x {args.n} utterances of {args.seconds:g} s ({int(args.seconds * 50)} frames max), D={args.dim}, "
          f"torch threads {torch.get_num_threads()}; peers on {len(sample)} pairs")
    rows = []
    for metric in [m.strip() for m in args.metrics.split(",") if m.strip()]:
        name, fn = PEERS[metric]
        peer_rate, peer_dt = fn(sample)
        rows.append((metric, name, "cpu", peer_rate, peer_dt, None))
        for dev in devices:
            rate, dt = bench_zst(qs, cs, metric, dev, args.max_memory_mb)
            rows.append((metric, "zst score_matrix", dev, rate, dt, rate / peer_rate))
    print(f"\n| metric | implementation | device | pairs/s | seconds | zst / peer |\n|---|---|---|---:|---:|---:|")
    for metric, name, dev, rate, dt, ratio in rows:
        print(f"| {metric} | {name} | {dev} | {rate:,.0f} | {dt:.2f} | {'' if ratio is None else f'{ratio:.1f}x'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
