"""Checks shared by the mini-world grammar tests (``tests/test_grammar_*.py``); not a test module.

The test files import it as ``grammar_checks``: pytest's default ("prepend") import mode puts the
directory of each test file and of ``conftest.py`` (``tests/``, which is not a package) on
``sys.path``. Importing it also puts ``examples/miniworld`` on ``sys.path``, so that ``import
grammar`` works afterwards.

* frame builders: :func:`n`, :func:`pro`, :func:`tr`, :func:`attr`, :func:`loc`, :func:`where`;
* :func:`check_lexicon_coverage`: a language module's word tables cover every lexicon concept;
* :func:`check_renders_cleanly`: every sampled frame renders, cleanly and deterministically
  (:func:`render_problems` lists what is wrong instead of asserting).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

MINIWORLD = Path(__file__).resolve().parents[1] / "examples" / "miniworld"


def add_miniworld_to_path() -> Path:
    """Put ``examples/miniworld`` (the ``grammar`` package) first on ``sys.path``, once."""
    if str(MINIWORLD) not in sys.path:
        sys.path.insert(0, str(MINIWORLD))
    return MINIWORLD


add_miniworld_to_path()

from grammar import lexicon  # noqa: E402
from grammar.frames import NP, Sentence, sample_sentences  # noqa: E402

# ---------------------------------------------------------------------------------------------
# frame builders


def n(noun: str, number: str = "sg", definite: bool = True, adjective: str | None = None,
      count: int | None = None) -> NP:
    """A noun phrase; a ``count`` makes it plural and indefinite (*three cats*)."""
    if count:
        number, definite = "pl", False
    return NP(noun=noun, number=number, definite=definite, adjective=adjective, count=count)


def pro(pronoun: str) -> NP:
    return NP(pronoun=pronoun)


def tr(subject: NP, verb: str, obj: NP, **kw) -> Sentence:
    return Sentence("transitive", subject, verb=verb, object=obj, **kw)


def attr(subject: NP, adjective: str, **kw) -> Sentence:
    return Sentence("attribute", subject, adjective=adjective, **kw)


def loc(subject: NP, preposition: str, place: NP, **kw) -> Sentence:
    return Sentence("location", subject, preposition=preposition, place=place, **kw)


def where(subject: NP) -> Sentence:
    return Sentence("where", subject, question=True)


# ---------------------------------------------------------------------------------------------
# lexicon coverage

TABLES = ("NOUNS", "VERBS", "ADJECTIVES", "PREPOSITIONS", "NUMBERS", "PRONOUNS")


def check_lexicon_coverage(module, *, extra_numbers: bool = False) -> None:
    """``module`` (``grammar.<lang>``) names its own language in ``LANG`` and has a word for every
    concept of :mod:`grammar.lexicon` and nothing else: the keys of each of its :data:`TABLES` are
    the lexicon's. ``extra_numbers``: ``NUMBERS`` may also hold numbers beyond the lexicon's."""
    assert module.LANG == module.__name__.rsplit(".", 1)[-1], module.__name__
    assert callable(module.realize), module.LANG
    for name in TABLES:
        have, want = set(getattr(module, name)), set(getattr(lexicon, name))
        assert want <= have, f"{module.LANG}.{name} lacks {sorted(want - have, key=str)}"
        if not (name == "NUMBERS" and extra_numbers):
            assert have <= want, f"{module.LANG}.{name} has extra {sorted(have - want, key=str)}"


# ---------------------------------------------------------------------------------------------
# every sampled frame renders cleanly

#: A written word: letters, joined by inner apostrophes or hyphens (l'homme, est-elle, auto's),
#: optionally after an apostrophe (Afrikaans 'n). No digits, underscores or other punctuation.
WORD = r"'?[^\W\d_]+(?:['-][^\W\d_]+)*"


def words(word: str = WORD) -> str:
    """A regex for ``word``s separated by single spaces (no empty words, no stray spaces)."""
    return rf"(?:{word})(?: (?:{word}))*"


#: Never in a text: doubled, leading or trailing whitespace, template placeholders, digits, None.
BAD = re.compile(r"\s\s|^\s|\s$|[{}\[\]<>_]|\d|None")


def render_problems(realize: Callable, frame_lists: Iterable[Sequence[Sentence]], *,
                    body: str = words(), ends: tuple[str, str] = (".", "?"),
                    speech: str | None = None, speech_ends: tuple[str, str] | None = None,
                    capital_after: str | None = "", distinct: bool | float | None = True,
                    extra_checks: Iterable[Callable] = ()) -> list[tuple[str, str, str]]:
    """What is wrong with ``realize`` on the frames: ``(check, frame key, text)`` triples.

    For every frame (``frame_lists``: one sequence of frames per seed):

    * ``realize`` returns without an exception;
    * the text has nothing :data:`BAD`, ends with ``ends[1]`` for a question and ``ends[0]``
      otherwise, and what comes before that final mark fully matches the regex ``body`` (by
      default space-separated :data:`WORD` s: no empty words, no punctuation inside);
    * ``speech`` is ``None``: the speech equals the text; otherwise what comes before its final mark
      (``speech_ends``, default ``ends``) fully matches the regex ``speech``;
    * ``capital_after`` is not ``None``: the text starts with an upper-case letter after an
      optional prefix matching ``capital_after`` (e.g. ``"¿"``);
    * every ``extra_checks`` callable ``(frame, realization)`` returns something true;
    * rendering again gives the same result (checked for the first 200 frames and every 10th).

    ``distinct``: ``True``, distinct meanings stay distinct (each text has one frame key, over all
    seeds together); a fraction, more than that fraction of each seed's texts are distinct
    (languages that neutralize meanings: no articles, invariable plurals); ``None``, not checked.
    """
    speech_ends = speech_ends or ends
    body_re = re.compile(body)
    speech_re = re.compile(speech) if speech is not None else None
    capital_re = re.compile(capital_after) if capital_after is not None else None
    extra_checks = tuple(extra_checks)
    problems: list[tuple[str, str, str]] = []
    first_meaning: dict[str, Sentence] = {}  # text -> the first frame rendered as that text
    merged: dict[str, set[str]] = {}  # text -> keys of the different frames rendered as that text
    for frames in frame_lists:
        texts = set()
        for i, frame in enumerate(frames):
            try:
                r = realize(frame)
            except Exception as e:  # noqa: BLE001 - reported as a problem
                problems.append(("exception", frame.key(), f"{type(e).__name__}: {e}"))
                continue
            text, said = r
            wrong = []  # (check, what to show)
            end = ends[frame.question]
            if BAD.search(text):
                wrong.append(("bad characters or spaces", text))
            if not text.endswith(end):
                wrong.append((f"final {end!r}", text))
            elif not body_re.fullmatch(text[: -len(end)]):
                wrong.append(("words", text))
            if speech_re is None:
                if said != text:
                    wrong.append(("speech == text", f"{text} / {said}"))
            else:
                said_end = speech_ends[frame.question]
                if not (said.endswith(said_end) and speech_re.fullmatch(said[: -len(said_end)])):
                    wrong.append(("speech", said))
            if capital_re is not None:
                prefix = capital_re.match(text)
                if not text[prefix.end() if prefix else 0:][:1].isupper():
                    wrong.append(("capital", text))
            for check in extra_checks:
                if not check(frame, r):
                    wrong.append((getattr(check, "__name__", repr(check)), f"{text} / {said}"))
            if (i < 200 or i % 10 == 0) and realize(frame) != r:
                wrong.append(("deterministic", text))
            if wrong:
                key = frame.key()
                problems += [(check, key, shown) for check, shown in wrong]
            texts.add(text)
            if distinct is True:
                other = first_meaning.setdefault(text, frame)
                if other != frame and other.key() != frame.key():
                    merged.setdefault(text, {other.key()}).add(frame.key())
        if isinstance(distinct, float) and not len(texts) > distinct * len(frames):
            problems.append(("distinct", f"{len(texts)} of {len(frames)}", f"not more than {distinct:g} of them distinct"))
    problems += [("distinct", " ~ ".join(sorted(keys)), text) for text, keys in merged.items()]
    return problems


def check_renders_cleanly(realize: Callable, lang: str, seeds: Sequence[int] = (0, 1), n: int = 20000,
                          **rules) -> None:
    """:func:`render_problems` finds nothing in the ``n`` frames of ``sample_sentences(n, seed)``
    for each seed (``rules``: its keyword arguments)."""
    problems = render_problems(realize, [sample_sentences(n, seed) for seed in seeds], **rules)
    shown = "\n".join(f"  {check}: {text}   [{key}]" for check, key, text in problems[:20])
    assert not problems, f"{lang}: {len(problems)} problems, e.g.\n{shown}"
