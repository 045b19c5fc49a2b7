"""German: three genders, four-way article paradigm (nominative, accusative, dative used here),
strong/weak/mixed adjective declension, weak masculine nouns (den Jungen), dative after locative
prepositions with the contraction in dem -> im, kein vs nicht negation, V2 statements and
verb-first yes/no questions, capitalised nouns, fressen for animals eating.

Location sentences with an indefinite subject put the place first, the natural German order for
introducing something new (*Im Garten ist ein Hund.*, *Auf dem Tisch sind drei Äpfel.*).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case
from grammar.lexicon import NOUNS as CLASSES

LANG = "de"

#: noun -> (gender m/f/n, singular, plural or None for mass nouns, weak-noun oblique singular or None)
NOUNS: dict[str, tuple[str, str, str | None, str | None]] = {
    "man": ("m", "Mann", "Männer", None),
    "woman": ("f", "Frau", "Frauen", None),
    "boy": ("m", "Junge", "Jungen", "Jungen"),
    "girl": ("n", "Mädchen", "Mädchen", None),
    "child": ("n", "Kind", "Kinder", None),
    "cat": ("f", "Katze", "Katzen", None),
    "dog": ("m", "Hund", "Hunde", None),
    "bird": ("m", "Vogel", "Vögel", None),
    "horse": ("n", "Pferd", "Pferde", None),
    "mouse": ("f", "Maus", "Mäuse", None),
    "apple": ("m", "Apfel", "Äpfel", None),
    "cake": ("m", "Kuchen", "Kuchen", None),
    "egg": ("n", "Ei", "Eier", None),
    "water": ("n", "Wasser", None, None),
    "milk": ("f", "Milch", None, None),
    "coffee": ("m", "Kaffee", None, None),
    "book": ("n", "Buch", "Bücher", None),
    "letter": ("m", "Brief", "Briefe", None),
    "key": ("m", "Schlüssel", "Schlüssel", None),
    "cup": ("f", "Tasse", "Tassen", None),
    "ball": ("m", "Ball", "Bälle", None),
    "chair": ("m", "Stuhl", "Stühle", None),
    "box": ("f", "Kiste", "Kisten", None),
    "car": ("n", "Auto", "Autos", None),
    "table": ("m", "Tisch", "Tische", None),
    "kitchen": ("f", "Küche", "Küchen", None),
    "garden": ("m", "Garten", "Gärten", None),
    "house": ("n", "Haus", "Häuser", None),
    "school": ("f", "Schule", "Schulen", None),
    "bed": ("n", "Bett", "Betten", None),
}

#: adjective -> stem (the predicative form; attributive forms add -e/-en/-er/-es/-em)
ADJECTIVES = {"big": "groß", "small": "klein", "red": "rot", "black": "schwarz", "white": "weiß",
              "green": "grün", "new": "neu", "old": "alt", "beautiful": "schön"}

#: verb -> (1sg, 2sg, 3sg, plural) present-tense forms
VERBS = {
    "see": ("sehe", "siehst", "sieht", "sehen"),
    "eat": ("esse", "isst", "isst", "essen"),
    "drink": ("trinke", "trinkst", "trinkt", "trinken"),
    "want": ("will", "willst", "will", "wollen"),
    "have": ("habe", "hast", "hat", "haben"),
    "buy": ("kaufe", "kaufst", "kauft", "kaufen"),
    "read": ("lese", "liest", "liest", "lesen"),
    "write": ("schreibe", "schreibst", "schreibt", "schreiben"),
    "find": ("finde", "findest", "findet", "finden"),
    "open": ("öffne", "öffnest", "öffnet", "öffnen"),
    "wash": ("wasche", "wäschst", "wäscht", "waschen"),
}
#: animals do not "essen", they "fressen"
ANIMAL_EAT = ("fresse", "frisst", "frisst", "fressen")
BE = ("bin", "bist", "ist", "sind")

PREPOSITIONS = {"in": "in", "on": "auf", "under": "unter", "next_to": "neben"}

NUMBERS = {2: "zwei", 3: "drei", 4: "vier", 5: "fünf", 6: "sechs", 7: "sieben", 8: "acht", 9: "neun",
           10: "zehn"}

PRONOUNS = {"1sg": "ich", "2sg": "du", "3sg_m": "er", "3sg_f": "sie", "1pl": "wir", "3pl": "sie"}

# --- declension tables: key (gender or "pl", case) ---------------------------------------------
_DEF = {("m", "nom"): "der", ("m", "acc"): "den", ("m", "dat"): "dem",
        ("f", "nom"): "die", ("f", "acc"): "die", ("f", "dat"): "der",
        ("n", "nom"): "das", ("n", "acc"): "das", ("n", "dat"): "dem",
        ("pl", "nom"): "die", ("pl", "acc"): "die", ("pl", "dat"): "den"}
#: endings of ein/kein (plural only for kein)
_EIN = {("m", "nom"): "", ("m", "acc"): "en", ("m", "dat"): "em",
        ("f", "nom"): "e", ("f", "acc"): "e", ("f", "dat"): "er",
        ("n", "nom"): "", ("n", "acc"): "", ("n", "dat"): "em",
        ("pl", "nom"): "e", ("pl", "acc"): "e", ("pl", "dat"): "en"}
#: adjective endings after der/die/das (weak declension)
_WEAK = {("m", "nom"): "e", ("m", "acc"): "en", ("m", "dat"): "en",
         ("f", "nom"): "e", ("f", "acc"): "e", ("f", "dat"): "en",
         ("n", "nom"): "e", ("n", "acc"): "e", ("n", "dat"): "en",
         ("pl", "nom"): "en", ("pl", "acc"): "en", ("pl", "dat"): "en"}
#: adjective endings after ein/kein (mixed declension)
_MIXED = {**_WEAK, ("m", "nom"): "er", ("n", "nom"): "es", ("n", "acc"): "es"}
#: adjective endings without a determiner (strong declension; also after numerals)
_STRONG = {("m", "nom"): "er", ("m", "acc"): "en", ("m", "dat"): "em",
           ("f", "nom"): "e", ("f", "acc"): "e", ("f", "dat"): "er",
           ("n", "nom"): "es", ("n", "acc"): "es", ("n", "dat"): "em",
           ("pl", "nom"): "e", ("pl", "acc"): "e", ("pl", "dat"): "en"}


def _noun_form(np: NP, case: str) -> str:
    _, sg, pl, weak = NOUNS[np.noun]
    if np.plural:
        if case == "dat" and not pl.endswith(("n", "s")):
            return pl + "n"  # dative plural -n: den Kindern
        return pl
    if weak and case != "nom":
        return weak  # weak masculine: den/dem Jungen
    return sg


def noun_phrase(np: NP, case: str = "nom", negative: bool = False) -> str:
    """The noun phrase in ``case`` (nom/acc/dat); ``negative`` turns an indefinite NP into its
    kein-form (kein Hund, keine Äpfel, keine drei Äpfel, kein Wasser)."""
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    gender = NOUNS[np.noun][0]
    key = ("pl" if np.plural else gender, case)
    noun = _noun_form(np, case)
    if np.definite:
        det, endings = _DEF[key], _WEAK
    elif negative:
        det, endings = "kein" + _EIN[key], (_WEAK if np.plural else _MIXED)
    elif np.plural or np.mass:
        det, endings = "", _STRONG
    else:
        det, endings = "ein" + _EIN[key], _MIXED
    words = [det] if det else []
    if np.count:
        words.append(NUMBERS[np.count])
    if np.adjective:
        words.append(ADJECTIVES[np.adjective] + endings[key])
    words.append(noun)
    return " ".join(words)


def _slot(np: NP) -> int:
    """Index into the (1sg, 2sg, 3sg, plural) verb tables."""
    if np.pronoun == "1sg":
        return 0
    if np.pronoun == "2sg":
        return 1
    return 3 if np.plural else 2


def _verb(s: Sentence) -> str:
    forms = VERBS[s.verb]
    if s.verb == "eat" and s.subject.noun is not None and "animal" in CLASSES[s.subject.noun]:
        forms = ANIMAL_EAT
    return forms[_slot(s.subject)]


def _place(s: Sentence) -> str:
    prep = PREPOSITIONS[s.preposition]
    place = noun_phrase(s.place, "dat")
    if prep == "in" and place.startswith("dem "):
        return "im " + place[4:]  # in dem Haus -> im Haus
    return f"{prep} {place}"


def realize(s: Sentence) -> Realization:
    subj = noun_phrase(s.subject, "nom")
    be = BE[_slot(s.subject)]
    if s.kind == "where":
        text = f"wo {be} {subj}?"
    elif s.kind == "transitive":
        verb = _verb(s)
        obj = s.object
        if s.question:
            text = f"{verb} {subj} {noun_phrase(obj, 'acc')}?"
        elif s.negated and not obj.definite:
            text = f"{subj} {verb} {noun_phrase(obj, 'acc', negative=True)}."
        elif s.negated:
            text = f"{subj} {verb} {noun_phrase(obj, 'acc')} nicht."
        else:
            text = f"{subj} {verb} {noun_phrase(obj, 'acc')}."
    elif s.kind == "attribute":
        adj = ADJECTIVES[s.adjective]
        if s.question:
            text = f"{be} {subj} {adj}?"
        elif s.negated:
            text = f"{subj} {be} nicht {adj}."
        else:
            text = f"{subj} {be} {adj}."
    else:  # location
        place = _place(s)
        indefinite = s.subject.noun is not None and not s.subject.definite
        if s.question:
            text = f"{be} {subj} {place}?"
        elif indefinite:  # new information last: "Im Garten ist (k)ein Hund."
            text = f"{place} {be} {noun_phrase(s.subject, 'nom', negative=s.negated)}."
        elif s.negated:
            text = f"{subj} {be} nicht {place}."
        else:
            text = f"{subj} {be} {place}."
    text = sentence_case(text)
    return Realization(text, text)
