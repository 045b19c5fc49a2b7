"""Language-independent sentence meanings ("frames") and the seeded sampler that draws them.

A :class:`Sentence` is what every language module renders (``grammar.<iso>.realize``); one frame
rendered in all languages is one parallel sentence tuple. Kinds:

* ``transitive``  — subject, verb, object:            *The black cat sees two small dogs.*
* ``attribute``   — subject + predicate adjective:     *The houses are big.*
* ``location``    — subject + preposition + place:     *The key is under the old table.*
* ``where``       — where-question about the subject:  *Where are the boys?*

``transitive``, ``attribute`` and ``location`` frames can be negated or turned into yes/no
questions (never both). Noun phrases carry number, definiteness, an optional attributive adjective
and an optional cardinal (2-10, with a plural indefinite noun). Subjects can be pronouns (1sg, 2sg,
3sg_m, 3sg_f, 1pl, 3pl); attribute frames use 3rd-person pronouns only, so that adjective agreement
is never ambiguous; ``3pl`` is rendered masculine where a language distinguishes gender (ils,
ellos, loro, eles, ei, oni, 他们).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace
from typing import NamedTuple

from grammar.lexicon import (
    ADJECTIVES,
    LOCATABLE,
    NOUNS,
    NUMBERS,
    PREPOSITIONS,
    PRONOUNS,
    VERBS,
    fits,
)

KINDS = ("transitive", "attribute", "location", "where")


@dataclass(frozen=True)
class NP:
    """A noun phrase (or a pronoun).

    Attributes:
        noun: concept id from :data:`grammar.lexicon.NOUNS`; ``None`` for a pronoun.
        pronoun: one of :data:`grammar.lexicon.PRONOUNS` (then ``noun`` is ``None``).
        number: ``"sg"`` or ``"pl"`` (pronouns: implied by the pronoun; mass nouns: always sg).
        definite: definite (*the cat*) or indefinite (*a cat*, *cats*, mass *water*).
        adjective: attributive adjective concept id, or ``None``.
        count: cardinal 2-10 (*three cats*): then ``number == "pl"`` and ``definite`` is False.
    """

    noun: str | None = None
    pronoun: str | None = None
    number: str = "sg"
    definite: bool = True
    adjective: str | None = None
    count: int | None = None

    @property
    def is_pronoun(self) -> bool:
        return self.pronoun is not None

    @property
    def plural(self) -> bool:
        if self.pronoun is not None:
            return self.pronoun in ("1pl", "3pl")
        return self.number == "pl"

    @property
    def mass(self) -> bool:
        return self.noun is not None and "drink" in NOUNS[self.noun]

    def key(self) -> str:
        if self.pronoun:
            return f"PRO:{self.pronoun}"
        parts = [self.noun, self.number, "def" if self.definite else "indef"]
        if self.adjective:
            parts.append(f"adj={self.adjective}")
        if self.count:
            parts.append(f"n={self.count}")
        return ":".join(parts)


@dataclass(frozen=True)
class Sentence:
    """One meaning, rendered by every language module.

    Attributes:
        kind: one of :data:`KINDS`.
        subject: the subject noun phrase (or pronoun).
        verb: transitive verb concept id (``kind == "transitive"``).
        object: its object noun phrase (never a pronoun).
        adjective: predicate adjective (``kind == "attribute"``).
        preposition: ``in``/``on``/``under``/``next_to`` (``kind == "location"``).
        place: the place noun phrase (definite, singular) after the preposition.
        negated: negative statement (*The cat does not see the dog.*).
        question: yes/no question for transitive/attribute/location; always True for ``where``.
    """

    kind: str
    subject: NP
    verb: str | None = None
    object: NP | None = None
    adjective: str | None = None
    preposition: str | None = None
    place: NP | None = None
    negated: bool = False
    question: bool = False

    def key(self) -> str:
        """A canonical string that identifies the meaning (equal frames, equal keys)."""
        parts = [self.kind, "S=" + self.subject.key()]
        if self.verb:
            parts += ["V=" + self.verb, "O=" + self.object.key()]
        if self.adjective:
            parts.append("A=" + self.adjective)
        if self.preposition:
            parts += ["P=" + self.preposition, "L=" + self.place.key()]
        if self.negated:
            parts.append("NEG")
        if self.question:
            parts.append("Q")
        return "|".join(parts)


class Realization(NamedTuple):
    """A sentence in one language: ``text`` as written, ``speech`` as given to espeak-ng (the same
    text for most languages; pinyin with tone numbers for zh, kana for ja)."""

    text: str
    speech: str


def sentence_case(text: str) -> str:
    """Upper-case the first letter (skipping leading punctuation such as Spanish ``¿``)."""
    for i, ch in enumerate(text):
        if ch.isalpha():
            return text[:i] + ch.upper() + text[i + 1:]
    return text


# ---------------------------------------------------------------------------------------------
# sampler


def _adjectives_for(noun: str) -> list[str]:
    return [a for a, allowed in ADJECTIVES.items() if fits(noun, allowed)]


def _np(rng: random.Random, noun: str, *, allow_count: bool, p_adj: float = 0.3, p_def: float = 0.6,
        p_pl: float = 0.3, p_count: float = 0.15) -> NP:
    if "drink" in NOUNS[noun]:
        return NP(noun=noun, number="sg", definite=rng.random() < 0.4)
    adjs = _adjectives_for(noun)
    adjective = rng.choice(adjs) if adjs and rng.random() < p_adj else None
    if allow_count and rng.random() < p_count:
        return NP(noun=noun, number="pl", definite=False, adjective=adjective, count=rng.choice(NUMBERS))
    number = "pl" if rng.random() < p_pl else "sg"
    return NP(noun=noun, number=number, definite=rng.random() < p_def, adjective=adjective)


def _nouns(allowed: frozenset[str]) -> list[str]:
    return [n for n in NOUNS if fits(n, allowed)]


def _subject(rng: random.Random, allowed: frozenset[str], pronouns: tuple[str, ...], p_pro: float,
             definite: bool = False) -> NP:
    if pronouns and rng.random() < p_pro:
        return NP(pronoun=rng.choice(pronouns))
    if definite:  # topics of descriptions and where-questions: "the houses", never "a house"
        return _np(rng, rng.choice(_nouns(allowed)), allow_count=False, p_def=1.0)
    return _np(rng, rng.choice(_nouns(allowed)), allow_count=True, p_count=0.1)


def sample_sentence(rng: random.Random) -> Sentence:
    """Draw one frame. Restrictions: subjects and objects fit their verb, adjectives fit their noun,
    places fit their preposition; mass nouns only as objects; pronouns are human."""
    kind = rng.choices(KINDS, weights=(0.45, 0.15, 0.25, 0.15))[0]
    if kind == "transitive":
        verb = rng.choice(list(VERBS))
        subj_ok, obj_ok = VERBS[verb]
        pronouns = PRONOUNS if "human" in subj_ok else ()
        subject = _subject(rng, subj_ok, pronouns, 0.25)
        obj_noun = rng.choice(_nouns(obj_ok))
        obj = _np(rng, obj_noun, allow_count=True)
        s = Sentence(kind, subject, verb=verb, object=obj)
    elif kind == "attribute":
        adjective = rng.choice(list(ADJECTIVES))
        allowed = ADJECTIVES[adjective]
        human_ok = "human" in allowed
        subject = _subject(rng, frozenset(allowed), ("3sg_m", "3sg_f", "3pl") if human_ok else (), 0.2, definite=True)
        if subject.noun is not None:  # no attributive adjective next to the predicate one
            subject = replace(subject, adjective=None)
        s = Sentence(kind, subject, adjective=adjective)
    elif kind == "location":
        prep = rng.choice(list(PREPOSITIONS))
        place_noun = rng.choice(sorted(PREPOSITIONS[prep]))
        subject = _subject(rng, LOCATABLE, PRONOUNS, 0.2)
        while subject.noun == place_noun:
            subject = _subject(rng, LOCATABLE, PRONOUNS, 0.2)
        place = _np(rng, place_noun, allow_count=False, p_adj=0.25, p_def=1.0, p_pl=0.0)
        s = Sentence(kind, subject, preposition=prep, place=place)
    else:
        subject = _subject(rng, LOCATABLE, PRONOUNS, 0.1, definite=True)
        return Sentence("where", subject, question=True)
    r = rng.random()
    if r < 0.2:
        s = replace(s, question=True)
    elif r < 0.4:
        s = replace(s, negated=True)
    return s


def sample_sentences(n: int, seed: int = 0) -> list[Sentence]:
    """``n`` distinct frames, deterministic for a given seed (same seed, same list).

    Raises:
        ValueError: ``n`` larger than what the sampler can produce in a reasonable number of draws.
    """
    return list(_sample_sentences(n, seed))


@functools.lru_cache(maxsize=8)  # the per-language tests all draw the same large samples
def _sample_sentences(n: int, seed: int) -> tuple[Sentence, ...]:
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Sentence] = []
    draws = 0
    while len(out) < n:
        draws += 1
        if draws > 50 * n + 1000:
            raise ValueError(f"could only draw {len(out)} distinct sentences out of {n} requested")
        s = sample_sentence(rng)
        k = s.key()
        if k not in seen:
            seen.add(k)
            out.append(s)
    return tuple(out)
