"""Utterance-embedding retrieval with a SAMU-XLS-R model (``zst retrieve -m SAMU_RUN``).

SAMU-XLSR (arXiv 2205.08180, §IV) measures its semantic alignment directly: speech→text retrieval
(a speech query in language X against the LaBSE embeddings of sentences in language Y) and
speech→speech retrieval (SAMU embeddings on both sides), both by cosine similarity of one vector
per utterance. Here the text side is the transcripts' cached sentence embeddings (``zst prepare
--sentence-model``, the SAMU model's own teacher).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from zst.data.teacher import SENTENCE_FIELD
from zst.errors import ManifestError, ZstError

__all__ = ["cosine_scores", "embed_cuts", "sentence_embeddings"]


def cosine_scores(queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """All-pairs cosine similarity: ``queries (Nq, E)``, ``candidates (Nc, E)`` → ``(Nq, Nc)`` float32.

    Raises:
        ZstError: the two widths differ (e.g. a SAMU projection against another model's sentence embeddings).
    """
    q = torch.as_tensor(np.asarray(queries, dtype=np.float32))
    c = torch.as_tensor(np.asarray(candidates, dtype=np.float32))
    if q.shape[-1] != c.shape[-1]:
        raise ZstError(f"query embeddings are {q.shape[-1]}-dimensional but candidate embeddings "
                       f"{c.shape[-1]}-dimensional")
    q = torch.nn.functional.normalize(q, dim=-1)
    c = torch.nn.functional.normalize(c, dim=-1)
    return (q @ c.T).numpy()


@torch.no_grad()
def embed_cuts(model, cuts: Sequence, *, batch_size: int = 8, quiet: bool = True) -> dict[str, np.ndarray]:
    """SAMU utterance embeddings of cuts: ``{cut id: float32 (E,)}``.

    A cut longer than the encoder window is split like ``zst translate`` splits long audio; the real
    frames of its pieces are concatenated and pooled once.

    Raises:
        ZstError: a cut's audio cannot be read or is shorter than one encoder frame.
    """
    from zst.progress import add_task, progress
    from zst.retrieval.features import cut_frames
    from zst.retrieval.scoring import pad

    out: dict[str, np.ndarray] = {}
    todo = sorted(cuts, key=lambda c: c.duration)
    with progress(quiet) as bar:
        task = add_task(bar, "embed", len(todo))
        for s in range(0, len(todo), batch_size):
            group = todo[s : s + batch_size]
            frames = cut_frames(model.speech, group, batch_size=batch_size)
            x, mask = pad([frames[c.id] for c in group], device=model.speech.device)
            emb = model.embed_states(x, mask).float().cpu().numpy()
            out.update({c.id: e for c, e in zip(group, emb)})
            bar.advance(task, len(group))
    return out


def sentence_embeddings(cuts: Sequence, manifest: str) -> dict[str, np.ndarray]:
    """The cached sentence embeddings of the cuts' transcripts: ``{cut id: float32 (E,)}``.

    Raises:
        ManifestError: a cut has none (the manifest was prepared without ``--sentence-model``).
    """
    out = {}
    for c in cuts:
        if not c.has_custom(SENTENCE_FIELD):
            raise ManifestError(f"{manifest}: utterance {c.id} has no cached sentence embedding; --candidates text "
                                f"needs `zst prepare ... --sentence-model MODEL`")
        out[c.id] = np.asarray(c.load_custom(SENTENCE_FIELD), dtype=np.float32)
    return out
