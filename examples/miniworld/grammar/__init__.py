"""The mini-world's hand-written multilingual grammar.

:mod:`grammar.lexicon` lists the concepts, :mod:`grammar.frames` samples language-independent
sentence meanings, and one module per language (``grammar.en``, ``grammar.fr``, ...) renders a
meaning with that language's own grammar (agreement, case, word order, articles, classifiers).
:mod:`grammar.corpus` turns sampled meanings into parallel sentence tuples with disjoint
train/dev/test splits.
"""

from __future__ import annotations

import importlib

#: Europarl-ST's nine languages, then zh and ja (Whisper-study languages), then the held-out
#: "unseen" source languages ca (close to es) and af (close to nl).
EUROPARL_LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "pl", "ro", "nl")
LANGUAGES = (*EUROPARL_LANGUAGES, "zh", "ja", "ca", "af")


def realizer(lang: str):
    """The ``realize(Sentence) -> Realization`` function of language ``lang`` (ISO 639-1)."""
    if lang not in LANGUAGES:
        raise KeyError(f"no grammar for language {lang!r} (have: {', '.join(LANGUAGES)})")
    return importlib.import_module(f"grammar.{lang}").realize
