"""Batches bounded by total audio seconds, with an exactly resumable position.

Sampling uses Lhotse's samplers (``DynamicBucketingSampler`` for large corpora — similar
durations share a batch — and ``SimpleCutSampler`` for small ones), both seeded and
``set_epoch``-able, so the batch sequence of epoch ``e`` is a pure function of (cuts, seed, e).
A run resumes at (epoch, batches done in that epoch) by replaying the sampler's cut ids (no audio
is decoded for skipped batches).
"""

from __future__ import annotations

from typing import Iterator

import torch
from lhotse import CutSet

from zst.data.manifests import cut_language, cut_text, cut_translations, load_cut_audio
from zst.data.teacher import sentence_embedding_batch, teacher_batch

BUCKETING_MIN_CUTS = 500  # below this, bucketing has too few cuts per bucket to help
TARGET_FIELD = "st_target"  # custom field of a translation-pair cut: its target language (ISO 639-1)


def make_sampler(cuts: CutSet, *, batch_seconds: float, seed: int, shuffle: bool = True, world_size: int = 1,
                 rank: int = 0, bucketing: bool | None = None):
    """A Lhotse sampler yielding CutSets of at most ``batch_seconds`` s of audio in total."""
    from lhotse.dataset import DynamicBucketingSampler, SimpleCutSampler

    if bucketing is None:
        bucketing = len(cuts) >= BUCKETING_MIN_CUTS
    kw = dict(max_duration=batch_seconds, shuffle=shuffle, seed=seed, world_size=world_size, rank=rank)
    if bucketing:
        return DynamicBucketingSampler(cuts, num_buckets=min(30, max(2, len(cuts) // 100)), **kw)
    return SimpleCutSampler(cuts, **kw)


class SpeechDataset(torch.utils.data.Dataset):
    """Turns a CutSet batch into model inputs (used with a Lhotse sampler, ``batch_size=None``).

    Returns ``{"ids": [B], "audio": [B] float32 16 kHz arrays, "text": [B], "lang": [B] ISO 639-1,
    "seconds": float}`` plus ``"teacher" (B, m, d)`` and ``"teacher_mask" (B, m)`` with
    ``with_teacher`` (with ``teacher_optional``, cuts without cached states get all-``False`` mask
    rows instead of an error), ``"sentence_embedding" (B, E)`` with ``with_sentence_embedding``, and
    ``"tgt_text": [B]``, ``"tgt_lang": [B]`` with ``with_translation`` (each cut's
    ``custom["st_target"]`` language and its attached translation into it).
    """

    def __init__(self, with_teacher: bool = False, *, teacher_optional: bool = False,
                 with_sentence_embedding: bool = False, with_translation: bool = False):
        self.with_teacher = with_teacher
        self.teacher_optional = teacher_optional
        self.with_sentence_embedding = with_sentence_embedding
        self.with_translation = with_translation

    def __getitem__(self, cuts: CutSet) -> dict:
        cuts = list(cuts)
        batch = {
            "ids": [c.id for c in cuts],
            "audio": [load_cut_audio(c) for c in cuts],
            "text": [cut_text(c) for c in cuts],
            "lang": [cut_language(c) for c in cuts],
            "seconds": float(sum(c.duration for c in cuts)),
        }
        if self.with_teacher:
            batch["teacher"], batch["teacher_mask"] = teacher_batch(cuts, missing_ok=self.teacher_optional)
        if self.with_sentence_embedding:
            batch["sentence_embedding"] = sentence_embedding_batch(cuts)
        if self.with_translation:
            batch["tgt_lang"] = [c.custom[TARGET_FIELD] for c in cuts]
            batch["tgt_text"] = [cut_translations(c)[t] for c, t in zip(cuts, batch["tgt_lang"])]
        return batch


def _as_is(batch):
    """DataLoader collate for ready-made batches (the default would turn arrays into tensors)."""
    return batch


class _SkipFirst(torch.utils.data.Sampler):
    def __init__(self, sampler, skip: int):
        self.sampler, self.skip = sampler, skip

    def __iter__(self):
        for i, item in enumerate(self.sampler):
            if i >= self.skip:
                yield item


def batch_stream(cuts: CutSet, dataset: SpeechDataset, *, batch_seconds: float, seed: int, start_epoch: int = 0,
                 skip: int = 0, num_workers: int = 0, world_size: int = 1, rank: int = 0) -> Iterator[tuple[int, int, dict]]:
    """Endless ``(epoch, index_in_epoch, batch)`` stream starting at ``(start_epoch, skip)``.

    Raises:
        ValueError: ``cuts`` is empty.
    """
    if len(cuts) == 0:
        raise ValueError("no utterances to train on")
    sampler = make_sampler(cuts, batch_seconds=batch_seconds, seed=seed, world_size=world_size, rank=rank)
    epoch = start_epoch
    while True:
        sampler.set_epoch(epoch)
        loader = torch.utils.data.DataLoader(dataset, sampler=_SkipFirst(sampler, skip), batch_size=None,
                                             num_workers=num_workers, collate_fn=_as_is,
                                             # own generator: creating a loader must not draw from the
                                             # global RNG, or a resumed run's dropout masks would shift
                                             generator=torch.Generator().manual_seed(seed + epoch))
        for i, batch in enumerate(loader, start=skip):
            yield epoch, i, batch
        epoch, skip = epoch + 1, 0
