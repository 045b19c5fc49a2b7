"""The mini-world's concepts: what sentences can talk about, independent of any language.

Every language module (``grammar/<iso>.py``) gives word forms for every concept listed here; the
sampler in :mod:`grammar.frames` combines concepts only where they make sense (selectional
restrictions: only animate things eat, only food is eaten, only readable things are read, ...).

Noun classes: ``human``, ``animal``, ``food`` (countable), ``drink`` (mass nouns, singular only),
``object`` (countable things), ``place`` (nouns used after a locative preposition).
"""

from __future__ import annotations

#: noun -> set of classes. A noun can be a thing and a place (``box``, ``table``, ``car``).
NOUNS: dict[str, frozenset[str]] = {
    # humans (natural gender fixed: no translation ambiguity)
    "man": frozenset({"human"}),
    "woman": frozenset({"human"}),
    "boy": frozenset({"human"}),
    "girl": frozenset({"human"}),
    "child": frozenset({"human"}),
    # animals
    "cat": frozenset({"animal"}),
    "dog": frozenset({"animal"}),
    "bird": frozenset({"animal"}),
    "horse": frozenset({"animal"}),
    "mouse": frozenset({"animal"}),
    # countable food
    "apple": frozenset({"food"}),
    "cake": frozenset({"food"}),
    "egg": frozenset({"food"}),
    # mass nouns (drinks): singular only, no numerals
    "water": frozenset({"drink"}),
    "milk": frozenset({"drink"}),
    "coffee": frozenset({"drink"}),
    # countable objects
    "book": frozenset({"object", "readable"}),
    "letter": frozenset({"object", "readable"}),
    "key": frozenset({"object"}),
    "cup": frozenset({"object"}),
    "ball": frozenset({"object"}),
    "chair": frozenset({"object", "place"}),
    "box": frozenset({"object", "place"}),
    "car": frozenset({"object", "place"}),
    "table": frozenset({"object", "place"}),
    # places only
    "kitchen": frozenset({"place"}),
    "garden": frozenset({"place"}),
    "house": frozenset({"place"}),
    "school": frozenset({"place"}),
    "bed": frozenset({"place"}),
}

ANIMATE = frozenset({"human", "animal"})

#: verb -> (allowed subject classes, allowed object classes)
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "see": (ANIMATE, frozenset({"human", "animal", "food", "object"})),
    "eat": (ANIMATE, frozenset({"food"})),
    "drink": (ANIMATE, frozenset({"drink"})),
    "want": (frozenset({"human"}), frozenset({"food", "drink", "object"})),
    "have": (frozenset({"human"}), frozenset({"food", "animal", "object"})),
    "buy": (frozenset({"human"}), frozenset({"food", "drink", "object", "animal"})),
    "read": (frozenset({"human"}), frozenset({"readable"})),
    "write": (frozenset({"human"}), frozenset({"readable"})),
    "find": (ANIMATE, frozenset({"object", "food", "animal"})),
    "open": (frozenset({"human"}), frozenset({"box", "book", "letter", "car"})),  # noun ids allowed too
    "wash": (frozenset({"human"}), frozenset({"cup", "car", "dog", "horse", "table", "chair", "ball"})),
}

#: adjective -> classes (or noun ids) it can describe
ADJECTIVES: dict[str, frozenset[str]] = {
    "big": frozenset({"animal", "object", "place", "food"}),
    "small": frozenset({"human", "animal", "object", "place", "food"}),
    "red": frozenset({"object", "food", "bird"}),
    "black": frozenset({"animal", "object"}),
    "white": frozenset({"animal", "object", "egg"}),
    "green": frozenset({"apple", "object", "bird", "garden"}),
    "new": frozenset({"object", "place"}),
    "old": frozenset({"human", "animal", "object", "place"}),
    "beautiful": frozenset({"human", "animal", "object", "place"}),
}

#: preposition -> place nouns it combines with (``the cat is in the kitchen``)
PREPOSITIONS: dict[str, frozenset[str]] = {
    "in": frozenset({"kitchen", "garden", "house", "school", "box", "car"}),
    "on": frozenset({"table", "bed", "chair", "box", "car"}),
    "under": frozenset({"table", "bed", "chair", "car"}),
    "next_to": frozenset({"house", "school", "table", "car", "box", "bed"}),
}

#: things that can be somewhere (subjects of location sentences and where-questions)
LOCATABLE = frozenset({"human", "animal", "food", "object"})

#: subject pronouns: person + number (+ gender in the 3rd person)
PRONOUNS = ("1sg", "2sg", "3sg_m", "3sg_f", "1pl", "3pl")

#: cardinal numbers used in noun phrases (always with a plural, indefinite noun)
NUMBERS = tuple(range(2, 11))


def classes(noun: str) -> frozenset[str]:
    """The noun's classes plus its own id (so restrictions can name single nouns)."""
    return NOUNS[noun] | {noun}


def fits(noun: str, allowed: frozenset[str]) -> bool:
    """Whether ``noun`` belongs to one of the ``allowed`` classes or is named in it."""
    return bool(classes(noun) & allowed)
