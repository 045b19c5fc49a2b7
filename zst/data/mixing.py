"""Mixing corpora with per-language up/down-sampling (temperature sampling).

ZeroST (§3, "Training Data") balances its 12k hours of CommonVoice + VoxPopuli + MLS by following
SAMU-XLS-R's Eq. 3, the multilingual sampling of XLS-R / XLM-R: with ``n_l`` the amount of data in
language ``l`` and ``p_l = n_l / sum_k n_k``, language ``l`` is drawn with probability

    q_l = p_l ** alpha / sum_k p_k ** alpha            (0 < alpha <= 1; temperature T = 1 / alpha)

``alpha = 1`` keeps the natural distribution, ``alpha -> 0`` makes it uniform; XLS-R uses 0.5.
:func:`mix` materialises this as a resampled manifest: each language keeps the same total size
(in hours or utterances) as the input, redistributed by ``q``; a language whose share grows is
repeated (every cut ``k`` times, plus a random sample of the remainder; repeats get the id suffix
``_rep{k}``), one whose share shrinks is randomly sub-sampled without replacement.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

from lhotse import CutSet

from zst.errors import ZstError

__all__ = ["sampling_probabilities", "MixReport", "mix"]


def sampling_probabilities(sizes: dict[str, float], alpha: float) -> dict[str, float]:
    """Temperature-sampling probabilities ``q_l`` (SAMU-XLS-R Eq. 3) from per-language sizes.

    Args:
        sizes: language -> amount of data (hours or utterances), each > 0.
        alpha: exponent in (0, 1]; 1 = proportional to size, near 0 = uniform.

    Returns:
        language -> ``q_l``, summing to 1.

    Raises:
        ZstError: ``alpha`` outside (0, 1], no language, or a size <= 0.
    """
    if not 0 < alpha <= 1:
        raise ZstError(f"--alpha must be in (0, 1], got {alpha}")
    if not sizes:
        raise ZstError("cannot mix: no language in the input manifests")
    bad = [lang for lang, n in sizes.items() if not n > 0]
    if bad:
        raise ZstError(f"cannot mix: language(s) {', '.join(bad)} have no data")
    total = sum(sizes.values())
    weights = {lang: (n / total) ** alpha for lang, n in sizes.items()}
    z = sum(weights.values())
    return {lang: w / z for lang, w in weights.items()}


@dataclass(frozen=True)
class MixReport:
    """Per-language sizes before/after mixing (``unit`` is ``"hours"`` or ``"utterances"``)."""

    alpha: float
    unit: str
    before: dict[str, float]
    probabilities: dict[str, float]
    after: dict[str, float]
    utterances_before: dict[str, int]
    utterances_after: dict[str, int]

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _size(cuts, unit: str) -> float:
    return sum(c.duration for c in cuts) / 3600 if unit == "hours" else float(len(cuts))


def _resample(cuts: list, ratio: float, rng: random.Random) -> list:
    """``ratio * len(cuts)`` cuts: whole repeats, then a sample of the remainder."""
    target = max(1, round(ratio * len(cuts)))
    whole, rest = divmod(target, len(cuts))
    out = []
    for k in range(whole):
        out += cuts if k == 0 else [c.with_id(f"{c.id}_rep{k}") for c in cuts]
    picked = rng.sample(range(len(cuts)), rest)
    out += [cuts[i] if whole == 0 else cuts[i].with_id(f"{cuts[i].id}_rep{whole}") for i in sorted(picked)]
    return out


def mix(cutsets: Sequence[Iterable], *, alpha: float = 0.5, seed: int = 0, unit: str = "hours",
        languages: Sequence[str] = (), exclude: Sequence[str] = ()) -> tuple[CutSet, MixReport]:
    """Concatenate manifests and up/down-sample each language to its temperature share.

    Args:
        cutsets: manifests to mix (e.g. CommonVoice, VoxPopuli and MLS ``zst prepare`` outputs).
        alpha: SAMU-XLS-R Eq. 3 exponent (see :func:`sampling_probabilities`).
        seed: seeds the sub-sampling (same inputs and seed -> same manifest).
        unit: measure language sizes in ``"hours"`` (XLS-R) or ``"utterances"``.
        languages: keep only these languages (ISO 639-1); empty = all.
        exclude: drop these languages.

    Returns:
        The mixed CutSet (cuts grouped by language) and a :class:`MixReport`.

    Raises:
        ZstError: bad ``alpha``/``unit``, duplicate cut ids across inputs, or nothing left to mix.
    """
    if unit not in ("hours", "utterances"):
        raise ZstError(f"--unit must be hours or utterances, got {unit!r}")
    by_lang: dict[str, list] = defaultdict(list)
    seen: set[str] = set()
    for cs in cutsets:
        for c in cs:
            if c.id in seen:
                raise ZstError(f"cannot mix: cut id {c.id!r} appears in two input manifests")
            seen.add(c.id)
            lang = c.supervisions[0].language
            if (not languages or lang in languages) and lang not in exclude:
                by_lang[lang].append(c)
    before = {lang: _size(cuts, unit) for lang, cuts in sorted(by_lang.items())}
    q = sampling_probabilities(before, alpha)
    total = sum(before.values())
    rng = random.Random(seed)
    mixed, after = [], {}
    for lang, cuts in sorted(by_lang.items()):
        chosen = _resample(cuts, q[lang] * total / before[lang], rng)
        after[lang] = _size(chosen, unit)
        mixed += chosen
    report = MixReport(alpha, unit, before, q, after, {k: len(v) for k, v in sorted(by_lang.items())},
                       {lang: sum(1 for c in mixed if c.supervisions[0].language == lang) for lang in before})
    return CutSet.from_cuts(mixed), report
