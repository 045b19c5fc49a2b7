"""Pieces shared by the one-language layout writers (FLEURS, VoxPopuli, MLS).

Each ``write_<corpus>(root, lang, utterances)`` checks its input the same way (every utterance of
``lang``, distinct uids, finite audio), collapses whitespace the same way and returns the same kind
of summary; those steps live here, with the writer's name in every error message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np

from zst.testing.layouts import Utterance

__all__ = ["checked_utterances", "finite_audio", "collapse_whitespace", "collapsed_notes", "Written"]


def checked_utterances(writer: str, lang: str, utterances: Iterable[Utterance]) -> list[Utterance]:
    """``utterances`` as a list, after checking they all have language ``lang`` and distinct uids.

    Raises:
        ValueError: ``"{writer}('fr'): utterance u1 has language 'de'"`` or
            ``"{writer}('fr'): duplicate utterance uids"``.
    """
    utts = list(utterances)
    for u in utts:
        if u.lang != lang:
            raise ValueError(f"{writer}({lang!r}): utterance {u.uid} has language {u.lang!r}")
    if len({u.uid for u in utts}) != len(utts):
        raise ValueError(f"{writer}({lang!r}): duplicate utterance uids")
    return utts


def finite_audio(writer: str, lang: str, u: Utterance) -> np.ndarray:
    """``u.audio`` as float32.

    Raises:
        ValueError: ``"{writer}('fr'): utterance u1 has non-finite samples"`` (NaN or Inf).
    """
    audio = np.asarray(u.audio, dtype=np.float32)
    if not np.isfinite(audio).all():
        raise ValueError(f"{writer}({lang!r}): utterance {u.uid} has non-finite samples")
    return audio


def collapse_whitespace(text: str) -> str:
    """``text`` with tabs, newlines and runs of spaces collapsed to single spaces (and stripped)."""
    return " ".join(text.split())


def collapsed_notes(changed: int) -> list[str]:
    """The writer's note when :func:`collapse_whitespace` changed ``changed`` texts (none if 0)."""
    return [f"{changed} text(s) had tabs, newlines or repeated spaces: collapsed to single spaces"] if changed else []


@dataclass
class Written:
    """What a writer wrote per utterance, gathered into the dict it returns (:meth:`result`)."""

    corpus: str
    lang: str
    ids: dict[str, str] = field(default_factory=dict)
    cut_ids: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    audio: dict[str, str] = field(default_factory=dict)

    def add(self, uid: str, file_id: str, cut_id: str, text: str, path: Path) -> None:
        """Record utterance ``uid``: its id in the corpus, its reader's cut id, text and audio file."""
        self.ids[uid], self.cut_ids[uid], self.texts[uid], self.audio[uid] = file_id, cut_id, text, str(path)

    def result(self, lang_dir: Path, splits: dict[str, int], notes: list[str], **extra) -> dict:
        """``{"corpus", "lang", "dir", "splits", "ids", "cut_ids", "texts", "audio", **extra, "notes"}``."""
        return {
            "corpus": self.corpus,
            "lang": self.lang,
            "dir": str(lang_dir),
            "splits": splits,
            "ids": self.ids,
            "cut_ids": self.cut_ids,
            "texts": self.texts,
            "audio": self.audio,
            **extra,
            "notes": notes,
        }
