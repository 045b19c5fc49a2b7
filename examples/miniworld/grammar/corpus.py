"""Parallel sentence tuples with train/dev/test splits that share no sentence in any language.

Distinct meanings can share a surface sentence in a language without articles or plural marking
(zh and ja render *the cat* / *a cat* / *cats* alike). Splits are therefore drawn over connected
components of the graph "two tuples are linked when some language renders them identically", so
no sentence text of any language appears in two splits.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from grammar import LANGUAGES, realizer
from grammar.frames import Realization, Sentence, sample_sentences

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class ParallelTuple:
    """One meaning in every language.

    Attributes:
        pid: sentence-tuple id (``"s00042"``), shared by all languages (n-way parallel id).
        frame: the meaning.
        split: ``train`` / ``dev`` / ``test``.
        texts: ISO 639-1 -> :class:`~grammar.frames.Realization` (written text + espeak-ng reading).
    """

    pid: str
    frame: Sentence
    split: str
    texts: dict[str, Realization]

    def text(self, lang: str) -> str:
        return self.texts[lang].text


def realize_all(frame: Sentence, languages=LANGUAGES) -> dict[str, Realization]:
    """Render one frame in every language."""
    return {lang: realizer(lang)(frame) for lang in languages}


def _components(rendered: list[dict[str, Realization]]) -> list[int]:
    """Union-find over tuples sharing a (language, text); returns a component root per tuple."""
    parent = list(range(len(rendered)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str], int] = {}
    for i, texts in enumerate(rendered):
        for lang, r in texts.items():
            j = owner.setdefault((lang, r.text), i)
            if j != i:
                parent[find(i)] = find(j)
    return [find(i) for i in range(len(rendered))]


def make_tuples(n: int, *, seed: int = 0, n_dev: int = 200, n_test: int = 300,
                languages=LANGUAGES) -> list[ParallelTuple]:
    """``n`` distinct parallel tuples with disjoint splits (at least ``n_dev``/``n_test`` tuples in
    dev/test; whole components are assigned, so the counts can exceed the targets slightly).

    Deterministic: the same ``seed`` gives the same tuples, ids and splits.
    """
    frames = sample_sentences(n, seed)
    rendered = [realize_all(f, languages) for f in frames]
    comp = _components(rendered)
    members: dict[int, list[int]] = {}
    for i, c in enumerate(comp):
        members.setdefault(c, []).append(i)
    roots = sorted(members)
    random.Random(seed + 1).shuffle(roots)
    split_of: dict[int, str] = {}
    counts = {"test": 0, "dev": 0}
    for root in roots:
        if counts["test"] < n_test:
            split = "test"
        elif counts["dev"] < n_dev:
            split = "dev"
        else:
            split = "train"
        if split != "train":
            counts[split] += len(members[root])
        split_of[root] = split
    return [ParallelTuple(f"s{i:05d}", frames[i], split_of[comp[i]], rendered[i]) for i in range(n)]
