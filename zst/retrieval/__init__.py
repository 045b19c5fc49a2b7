"""Cross-lingual speech-to-speech retrieval: similarity kernels (SeqSim, AvgSim, DTW, OT) on padded
batches with masks, all-pairs scoring in memory-bounded chunks on CPU or GPU with an optional faiss
prefilter, recall at k, and cached encoder states of manifest cuts.

See :mod:`zst.retrieval.kernels` for the metrics' definitions (Whisper cross-lingual retrieval
paper, Eq. 1 and 2, App. B.2) and :mod:`zst.retrieval.run` for ``zst retrieve``.
"""

from zst.retrieval.kernels import OT_SINKHORN_ATOL, avgsim, cosine_similarity_matrix, dtw, masked_mean, ot, seqsim
from zst.retrieval.scoring import METRICS, MetricOptions, gold_ranks, pad, recall_at_k, score_matrix, top_k

__all__ = [
    "METRICS",
    "MetricOptions",
    "OT_SINKHORN_ATOL",
    "avgsim",
    "cosine_similarity_matrix",
    "dtw",
    "encode_cuts",
    "gold_ranks",
    "masked_mean",
    "ot",
    "pad",
    "recall_at_k",
    "retrieve",
    "score_matrix",
    "seqsim",
    "top_k",
]


def __getattr__(name):  # heavy imports (lhotse, transformers) only when asked for
    if name == "encode_cuts":
        from zst.retrieval.features import encode_cuts

        return encode_cuts
    if name == "retrieve":
        from zst.retrieval.run import retrieve

        return retrieve
    raise AttributeError(name)
