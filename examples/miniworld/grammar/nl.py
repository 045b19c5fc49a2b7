"""Dutch: de/het articles (het only for neuter singular), een, attributive adjective -e except
after een/geen/no article with a neuter singular noun (een groot huis, het grote huis), geen vs
niet negation, V2 statements, verb-first yes/no questions with the 2sg verb losing its -t after
jij (Zie jij ...?), existential *er* for indefinite subjects of location sentences
(*Er is een kat in de keuken.*).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "nl"

#: noun -> (gender c/n, singular, plural or None for mass nouns)
NOUNS: dict[str, tuple[str, str, str | None]] = {
    "man": ("c", "man", "mannen"),
    "woman": ("c", "vrouw", "vrouwen"),
    "boy": ("c", "jongen", "jongens"),
    "girl": ("n", "meisje", "meisjes"),
    "child": ("n", "kind", "kinderen"),
    "cat": ("c", "kat", "katten"),
    "dog": ("c", "hond", "honden"),
    "bird": ("c", "vogel", "vogels"),
    "horse": ("n", "paard", "paarden"),
    "mouse": ("c", "muis", "muizen"),
    "apple": ("c", "appel", "appels"),
    "cake": ("c", "taart", "taarten"),
    "egg": ("n", "ei", "eieren"),
    "water": ("n", "water", None),
    "milk": ("c", "melk", None),
    "coffee": ("c", "koffie", None),
    "book": ("n", "boek", "boeken"),
    "letter": ("c", "brief", "brieven"),
    "key": ("c", "sleutel", "sleutels"),
    "cup": ("n", "kopje", "kopjes"),
    "ball": ("c", "bal", "ballen"),
    "chair": ("c", "stoel", "stoelen"),
    "box": ("c", "doos", "dozen"),
    "car": ("c", "auto", "auto's"),
    "table": ("c", "tafel", "tafels"),
    "kitchen": ("c", "keuken", "keukens"),
    "garden": ("c", "tuin", "tuinen"),
    "house": ("n", "huis", "huizen"),
    "school": ("c", "school", "scholen"),
    "bed": ("n", "bed", "bedden"),
}

#: adjective -> (base/predicative form, inflected -e form)
ADJECTIVES = {"big": ("groot", "grote"), "small": ("klein", "kleine"), "red": ("rood", "rode"),
              "black": ("zwart", "zwarte"), "white": ("wit", "witte"), "green": ("groen", "groene"),
              "new": ("nieuw", "nieuwe"), "old": ("oud", "oude"), "beautiful": ("mooi", "mooie")}

#: verb -> (1sg = stem = 2sg after inverted jij, 2sg, 3sg, plural)
VERBS = {
    "see": ("zie", "ziet", "ziet", "zien"),
    "eat": ("eet", "eet", "eet", "eten"),
    "drink": ("drink", "drinkt", "drinkt", "drinken"),
    "want": ("wil", "wilt", "wil", "willen"),
    "have": ("heb", "hebt", "heeft", "hebben"),
    "buy": ("koop", "koopt", "koopt", "kopen"),
    "read": ("lees", "leest", "leest", "lezen"),
    "write": ("schrijf", "schrijft", "schrijft", "schrijven"),
    "find": ("vind", "vindt", "vindt", "vinden"),
    "open": ("open", "opent", "opent", "openen"),
    "wash": ("was", "wast", "wast", "wassen"),
}
BE = ("ben", "bent", "is", "zijn")

PREPOSITIONS = {"in": "in", "on": "op", "under": "onder", "next_to": "naast"}

NUMBERS = {2: "twee", 3: "drie", 4: "vier", 5: "vijf", 6: "zes", 7: "zeven", 8: "acht", 9: "negen",
           10: "tien"}

PRONOUNS = {"1sg": "ik", "2sg": "jij", "3sg_m": "hij", "3sg_f": "zij", "1pl": "wij", "3pl": "zij"}


def noun_phrase(np: NP, negative: bool = False) -> str:
    """The noun phrase; ``negative`` turns an indefinite NP into its geen-form (geen hond, geen
    appels, geen drie appels, geen water)."""
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    gender, sg, pl = NOUNS[np.noun]
    neuter_sg = gender == "n" and not np.plural
    if np.definite:
        det = "het" if neuter_sg else "de"
    elif negative:
        det = "geen"
    elif np.plural or np.mass:
        det = ""
    else:
        det = "een"
    words = [det] if det else []
    if np.count:
        words.append(NUMBERS[np.count])
    if np.adjective:
        base, inflected = ADJECTIVES[np.adjective]
        # no -e only with an indefinite neuter singular: een/geen groot huis, koud water
        words.append(base if neuter_sg and not np.definite else inflected)
    words.append(pl if np.plural else sg)
    return " ".join(words)


def _slot(np: NP) -> int:
    if np.pronoun == "1sg":
        return 0
    if np.pronoun == "2sg":
        return 1
    return 3 if np.plural else 2


def _finite(forms: tuple[str, str, str, str], subject: NP, inverted: bool) -> str:
    if inverted and subject.pronoun == "2sg":
        return forms[0]  # jij ziet -> zie jij
    return forms[_slot(subject)]


def realize(s: Sentence) -> Realization:
    subj = noun_phrase(s.subject)
    inv_be = _finite(BE, s.subject, inverted=True)
    be = _finite(BE, s.subject, inverted=False)
    if s.kind == "where":
        text = f"waar {inv_be} {subj}?"
    elif s.kind == "transitive":
        obj = s.object
        if s.question:
            text = f"{_finite(VERBS[s.verb], s.subject, True)} {subj} {noun_phrase(obj)}?"
        else:
            verb = _finite(VERBS[s.verb], s.subject, False)
            if s.negated and not obj.definite:
                text = f"{subj} {verb} {noun_phrase(obj, negative=True)}."
            elif s.negated:
                text = f"{subj} {verb} {noun_phrase(obj)} niet."
            else:
                text = f"{subj} {verb} {noun_phrase(obj)}."
    elif s.kind == "attribute":
        adj = ADJECTIVES[s.adjective][0]
        if s.question:
            text = f"{inv_be} {subj} {adj}?"
        elif s.negated:
            text = f"{subj} {be} niet {adj}."
        else:
            text = f"{subj} {be} {adj}."
    else:  # location
        place = f"{PREPOSITIONS[s.preposition]} {noun_phrase(s.place)}"
        if s.subject.noun is not None and not s.subject.definite:  # existential "er"
            if s.question:
                text = f"{be} er {subj} {place}?"
            else:
                text = f"er {be} {noun_phrase(s.subject, negative=s.negated)} {place}."
        elif s.question:
            text = f"{inv_be} {subj} {place}?"
        elif s.negated:
            text = f"{subj} {be} niet {place}."
        else:
            text = f"{subj} {be} {place}."
    text = sentence_case(text)
    return Realization(text, text)
