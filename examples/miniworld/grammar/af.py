"""Afrikaans: one definite article *die*, indefinite *'n* (sentence-initial *'n* stays lower case
and the next word is capitalised), plurals in -e/-s/-ens/-ers and irregular ones (kinders,
briewe, skole), attributive adjective forms (nuut -> nuwe, oud -> ou; groot, klein, swart
unchanged), invariant verbs and *is* for every person, double negation *nie ... nie*, verb-first
yes/no questions, the split verbs *wil ... hê* (want) and *maak ... oop* (open), and existential
*daar is* for indefinite subjects of location sentences (*Daar is 'n kat in die kombuis.*).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "af"

#: noun -> (singular, plural or None for mass nouns)
NOUNS: dict[str, tuple[str, str | None]] = {
    "man": ("man", "mans"), "woman": ("vrou", "vroue"), "boy": ("seun", "seuns"),
    "girl": ("meisie", "meisies"), "child": ("kind", "kinders"), "cat": ("kat", "katte"),
    "dog": ("hond", "honde"), "bird": ("voël", "voëls"), "horse": ("perd", "perde"),
    "mouse": ("muis", "muise"), "apple": ("appel", "appels"), "cake": ("koek", "koeke"),
    "egg": ("eier", "eiers"), "water": ("water", None), "milk": ("melk", None),
    "coffee": ("koffie", None), "book": ("boek", "boeke"), "letter": ("brief", "briewe"),
    "key": ("sleutel", "sleutels"), "cup": ("koppie", "koppies"), "ball": ("bal", "balle"),
    "chair": ("stoel", "stoele"), "box": ("boks", "bokse"), "car": ("motor", "motors"),
    "table": ("tafel", "tafels"), "kitchen": ("kombuis", "kombuise"), "garden": ("tuin", "tuine"),
    "house": ("huis", "huise"), "school": ("skool", "skole"), "bed": ("bed", "beddens"),
}

#: adjective -> (predicative, attributive)
ADJECTIVES = {"big": ("groot", "groot"), "small": ("klein", "klein"), "red": ("rooi", "rooi"),
              "black": ("swart", "swart"), "white": ("wit", "wit"), "green": ("groen", "groen"),
              "new": ("nuut", "nuwe"), "old": ("oud", "ou"), "beautiful": ("mooi", "mooi")}

#: verb -> (finite form, clause-final part or None): invariant for all persons
VERBS = {"see": ("sien", None), "eat": ("eet", None), "drink": ("drink", None),
         "want": ("wil", "hê"), "have": ("het", None), "buy": ("koop", None),
         "read": ("lees", None), "write": ("skryf", None), "find": ("vind", None),
         "open": ("maak", "oop"), "wash": ("was", None)}

PREPOSITIONS = {"in": "in", "on": "op", "under": "onder", "next_to": "langs"}

NUMBERS = {2: "twee", 3: "drie", 4: "vier", 5: "vyf", 6: "ses", 7: "sewe", 8: "agt", 9: "nege",
           10: "tien"}

PRONOUNS = {"1sg": "ek", "2sg": "jy", "3sg_m": "hy", "3sg_f": "sy", "1pl": "ons", "3pl": "hulle"}


def noun_phrase(np: NP) -> str:
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    sg, pl = NOUNS[np.noun]
    words = []
    if np.count:
        words.append(NUMBERS[np.count])
    elif np.definite:
        words.append("die")
    elif not (np.plural or np.mass):
        words.append("'n")
    if np.adjective:
        words.append(ADJECTIVES[np.adjective][1])
    words.append(pl if np.plural else sg)
    return " ".join(words)


def _capitalise(text: str) -> str:
    if text.startswith("'n "):  # 'n Hond sien die kat.
        return "'n " + sentence_case(text[3:])
    return sentence_case(text)


def _join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def realize(s: Sentence) -> Realization:
    subj = noun_phrase(s.subject)
    if s.kind == "where":
        text = f"waar is {subj}?"
    else:
        if s.kind == "transitive":
            finite, final = VERBS[s.verb]
            rest = _join(noun_phrase(s.object), final)
        elif s.kind == "attribute":
            finite, rest = "is", ADJECTIVES[s.adjective][0]
        else:
            finite = "is"
            rest = f"{PREPOSITIONS[s.preposition]} {noun_phrase(s.place)}"
            if s.subject.noun is not None and not s.subject.definite:
                rest = f"{subj} {rest}"  # daar is 'n kat in die kombuis
                subj = "daar"
        if s.question:
            text = f"{finite} {subj} {rest}?"
        elif s.negated:
            text = f"{subj} {finite} nie {rest} nie."
        else:
            text = f"{subj} {finite} {rest}."
    text = _capitalise(text)
    return Realization(text, text)
