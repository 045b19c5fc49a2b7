"""Writers of the real speech corpora's on-disk layouts, from utterances held in memory.

The mini-world builder (``examples/miniworld/``) and the corpus-reader tests write the same
layouts with these functions, so every reader in :mod:`zst.data.corpora` is tested on the exact
files the mini-world ships. Each ``write_<corpus>`` function writes one language's data (all the
splits in the utterances it gets) and can be called once per language, in parallel processes.

Layouts (see ``../shared/reference.md`` and each module's docstring):

* :mod:`.europarl_st` — Europarl-ST v1.1: ``{src}/audios/{speech_id}.m4a`` + ``{src}/{tgt}/{split}/``
* :mod:`.common_voice` — Common Voice (``{locale}/clips/*.mp3``, ``validated.tsv``, ``{split}.tsv``)
  and CoVoST 2 (``covost_v2.{src}_{tgt}.tsv``)
* :mod:`.fleurs` — FLEURS (``{lang}/audio/{split}/*.wav``, header-less ``{lang}/{split}.tsv``)
* :mod:`.voxpopuli` — VoxPopuli ASR (``transcribed_data/{lang}/asr_{split}.tsv`` + ogg)
* :mod:`.mls` — Multilingual LibriSpeech (``mls_{language}/{split}/transcripts.txt`` + flac)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Utterance", "SPLITS"]

SPLITS = ("train", "dev", "test")


@dataclass
class Utterance:
    """One spoken sentence, in memory, ready to be written in any layout.

    Attributes:
        uid: id unique within its language (e.g. ``"000123"``); writers derive file names from it.
        parallel_id: id of the sentence tuple, shared by every language's rendering of it (n-way
            parallel); ``translations[parallel_id][lang]`` gives the text in another language.
        lang: ISO 639-1 code (``"fr"``, ``"zh"``).
        split: ``"train"``, ``"dev"`` or ``"test"``.
        text: the transcript as written (what ASR should output).
        speaker: speaker id (unique across languages, e.g. ``"fr_s07"``).
        gender: ``"male"`` or ``"female"``.
        audio: float32 mono waveform at 16 kHz, shape ``(n_samples,)``, values in [-1, 1].
    """

    uid: str
    parallel_id: str
    lang: str
    split: str
    text: str
    speaker: str
    gender: str
    audio: np.ndarray

    @property
    def num_samples(self) -> int:
        return int(len(self.audio))

    @property
    def duration(self) -> float:
        """Seconds at 16 kHz."""
        return len(self.audio) / 16_000
