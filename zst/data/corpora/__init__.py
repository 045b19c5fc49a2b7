"""Readers of speech corpora on disk → zst manifests (Lhotse CutSets, see :mod:`zst.data.manifests`).

Every reader has the signature ``read(root, opts) -> (CutSet, list[BadRow])``: it reads one split
of the corpus under ``root`` for the languages ``opts`` selects, validates every row (audio present
and decodable, non-empty text, positive duration, segment inside its audio, not longer than
``opts.max_seconds``) and returns the valid cuts plus the skipped rows with their reasons. A
corpus is never aborted for a bad row; only an unusable corpus root (missing, or no file of the
expected layout for any requested language) raises :class:`~zst.errors.ManifestError`.

Cuts carry the transcript, its language (ISO 639-1), translations by language in
``custom["translations"]`` where the corpus has them, and ``custom["parallel_id"]`` where the
corpus is n-way parallel (FLEURS sentence ids, Europarl-ST segments), so that retrieval and the
72-direction evaluation can join utterances across languages.

Why not Lhotse's recipes: checked against lhotse 1.33. ``prepare_fleurs`` reads its own download
layout (``metadata/{lang}/{split}.tsv``), not FLEURS' ``{lang}/{split}.tsv``; ``prepare_voxpopuli``
downloads its annotations; ``prepare_commonvoice`` needs the ``accents``/``variant`` columns of
recent releases (CoVoST 2 uses Common Voice 4) and, like ``prepare_mls``, aborts the whole corpus
on one undecodable file (``Recording.from_file`` raises) and drops missing files silently. zst's
readers keep Lhotse's data model (Recording, SupervisionSegment, CutSet) and are tested for
equality with ``prepare_mls``/``prepare_commonvoice`` on clean fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["ReadOptions", "CORPUS_MODULES", "get_reader"]


@dataclass(frozen=True)
class ReadOptions:
    """What to read from a corpus.

    Attributes:
        split: ``train``, ``dev`` or ``test`` (corpus-specific aliases such as CoVoST's
            ``train_covost`` are mapped by the reader).
        languages: source languages to keep (ISO 639-1 codes); empty = every language found.
        exclude: source languages to leave out (applied after ``languages``), e.g. ``("ca", "af")``.
        tgt_languages: for corpora with translations, the target languages to attach (empty = all).
        max_seconds: utterances longer than this are bad rows.
        audio_dir: where readers of containers that are slow to seek (Europarl-ST m4a speeches)
            write one 16 kHz FLAC per valid segment after decoding each speech once; ``None`` keeps
            cuts pointing into the original files.
    """

    split: str = "train"
    languages: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    tgt_languages: tuple[str, ...] = ()
    max_seconds: float = 60.0
    audio_dir: Path | None = None

    def wants(self, lang: str) -> bool:
        """Whether source language ``lang`` (ISO 639-1) is selected."""
        return (not self.languages or lang in self.languages) and lang not in self.exclude


#: corpus name (as on the command line) -> module of this package defining ``read(root, opts)``.
CORPUS_MODULES: dict[str, str] = {
    "europarl-st": "europarl_st",
    "covost2": "covost2",
    "commonvoice": "commonvoice",
    "fleurs": "fleurs",
    "voxpopuli": "voxpopuli",
    "mls": "mls",
}


def get_reader(name: str) -> Callable:
    """The reader ``read(root, opts) -> (CutSet, list[BadRow])`` of corpus ``name``.

    Raises:
        ZstError: unknown corpus name.
    """
    import importlib

    from zst.errors import ZstError

    if name not in CORPUS_MODULES:
        raise ZstError(f"unknown corpus '{name}' (available: {', '.join(CORPUS_MODULES)}, folder)")
    return importlib.import_module(f"zst.data.corpora.{CORPUS_MODULES[name]}").read
