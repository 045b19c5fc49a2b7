"""Transcribed mini-world speech for the speech foundation models (``whisper.py``, ``wav2vec2.py``).

The speech models are "pre-trained" on the corpora that play the part of their web-scale data —
FLEURS, Common Voice, VoxPopuli and MLS — and never on Europarl-ST, which zst's own methods
(ZeroST, SAMU-XLS-R) train and are evaluated on. Every utterance is read through zst's corpus
readers (:mod:`zst.data.corpora`) and paired with the English sentence of its tuple (looked up
from ``text/tuples.jsonl`` by its transcript), which is the X→en translation target Whisper is
trained with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: corpus name -> root below the world folder (as ``zst prepare`` takes it)
CORPUS_ROOTS = {"fleurs": "fleurs", "commonvoice": "commonvoice", "voxpopuli": "voxpopuli", "mls": "mls"}


@dataclass
class Utterance:
    """One recording: language (ISO 639-1), 16 kHz mono float32 samples, transcript, English text."""

    lang: str
    audio: np.ndarray
    text: str
    en: str
    corpus: str


def sentences_of(world: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """``{(lang, transcript): (cased sentence, English sentence of the same tuple)}`` over every
    split, keyed by the sentence and by its MLS-normalised form (lower case, no punctuation: MLS
    ships only that, and the models are trained to write cased, punctuated text).

    zh and ja render a few meanings alike; the first tuple wins (the English then differs only in
    what those languages leave unmarked, e.g. number).
    """
    from zst.testing.layouts.mls import normalize_transcript

    table: dict[tuple[str, str], tuple[str, str]] = {}
    with open(world / "text" / "tuples.jsonl", encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            for lang, sent in text.items():
                table.setdefault((lang, sent), (sent, text["en"]))
                table.setdefault((lang, normalize_transcript(sent)), (sent, text["en"]))
    return table


def load_speech(world: Path, split: str, langs, corpora=tuple(CORPUS_ROOTS), *, per_corpus_limit: int | None = None,
                max_seconds: float = 30.0) -> list[Utterance]:
    """Every utterance of ``split`` in ``langs`` from ``corpora`` (a corpus lacking a language is skipped).

    Raises:
        KeyError: a transcript that is not a sentence of ``text/tuples.jsonl`` (the world is inconsistent).
    """
    from zst.data.corpora import ReadOptions, get_reader
    from zst.errors import ManifestError

    world = Path(world)
    sentences = sentences_of(world)
    out: list[Utterance] = []
    for corpus in corpora:
        root = world / CORPUS_ROOTS[corpus]
        for lang in langs:
            try:
                cuts, _ = get_reader(corpus)(root, ReadOptions(split=split, languages=(lang,), max_seconds=max_seconds))
            except ManifestError:  # the corpus does not have this language
                continue
            for i, cut in enumerate(cuts):
                if per_corpus_limit is not None and i >= per_corpus_limit:
                    break
                text, en = sentences[(lang, cut.supervisions[0].text)]
                audio = cut.load_audio()[0].astype(np.float32)
                out.append(Utterance(lang, audio, text, en, corpus))
    return out


def window_seconds(config) -> int:
    """A Whisper config's encoder window in whole seconds (``max_source_positions`` = 50 × window)."""
    return 2 * config.max_source_positions // 100


def load_train_test(world: Path, langs, window: int) -> tuple[list[Utterance], list[Utterance]]:
    """The Whisper trainers' data: every corpus's training utterances of ``langs`` that fit the
    encoder window (at most ``window`` s), and the FLEURS test split they report quality on. Prints
    the counts and the loading time."""
    import time

    t0 = time.time()
    train = [u for u in load_speech(world, "train", langs) if len(u.audio) <= window * 16000]
    test = load_speech(world, "test", langs, corpora=("fleurs",))
    print(f"loaded {len(train)} train / {len(test)} test utterances in {time.time() - t0:.0f}s", flush=True)
    return train, test
