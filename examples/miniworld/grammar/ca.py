"""Catalan: articles el/la/l'/els/les and un/una/uns/unes, contractions al/als/del/dels/pel/pels
(blocked by elision: a l'escola, de l'home), post-nominal adjectives agreeing in gender and number
(nou/nova/nous/noves, blanc/blanca/blancs/blanques), dos/dues, bare nouns for drinks and for
indefinite plural objects, negation with no (cap for a negated indefinite singular), pro-drop,
intonation questions (SV + ?), hi ha for indefinite located subjects, locative ser (és a la cuina).

Pro-drop: 1sg/2sg/1pl/3pl subjects are always dropped (the verb ending identifies them); ell/ella
stay overt (the verb does not show he/she) except with a predicate adjective, which shows the gender
(És vell. / És vella.).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "ca"

#: noun -> (singular, plural, gender)
NOUNS = {
    "man": ("home", "homes", "m"), "woman": ("dona", "dones", "f"), "boy": ("noi", "nois", "m"),
    "girl": ("noia", "noies", "f"), "child": ("infant", "infants", "m"), "cat": ("gat", "gats", "m"),
    "dog": ("gos", "gossos", "m"), "bird": ("ocell", "ocells", "m"),
    "horse": ("cavall", "cavalls", "m"), "mouse": ("ratolí", "ratolins", "m"),
    "apple": ("poma", "pomes", "f"), "cake": ("pastís", "pastissos", "m"), "egg": ("ou", "ous", "m"),
    "water": ("aigua", "aigües", "f"), "milk": ("llet", "llets", "f"), "coffee": ("cafè", "cafès", "m"),
    "book": ("llibre", "llibres", "m"), "letter": ("carta", "cartes", "f"),
    "key": ("clau", "claus", "f"), "cup": ("tassa", "tasses", "f"), "ball": ("pilota", "pilotes", "f"),
    "chair": ("cadira", "cadires", "f"), "box": ("caixa", "caixes", "f"),
    "car": ("cotxe", "cotxes", "m"), "table": ("taula", "taules", "f"),
    "kitchen": ("cuina", "cuines", "f"), "garden": ("jardí", "jardins", "m"),
    "house": ("casa", "cases", "f"), "school": ("escola", "escoles", "f"), "bed": ("llit", "llits", "m"),
}

#: adjective -> (m.sg, f.sg, m.pl, f.pl); always after the noun
ADJECTIVES = {
    "big": ("gran", "gran", "grans", "grans"),
    "small": ("petit", "petita", "petits", "petites"),
    "red": ("vermell", "vermella", "vermells", "vermelles"),
    "black": ("negre", "negra", "negres", "negres"),
    "white": ("blanc", "blanca", "blancs", "blanques"),
    "green": ("verd", "verda", "verds", "verdes"),
    "new": ("nou", "nova", "nous", "noves"),
    "old": ("vell", "vella", "vells", "velles"),
    "beautiful": ("bonic", "bonica", "bonics", "boniques"),
}

#: verb -> present tense (jo, tu, ell/ella, nosaltres, ells)
VERBS = {
    "see": ("veig", "veus", "veu", "veiem", "veuen"),
    "eat": ("menjo", "menges", "menja", "mengem", "mengen"),
    "drink": ("bec", "beus", "beu", "bevem", "beuen"),
    "want": ("vull", "vols", "vol", "volem", "volen"),
    "have": ("tinc", "tens", "té", "tenim", "tenen"),
    "buy": ("compro", "compres", "compra", "comprem", "compren"),
    "read": ("llegeixo", "llegeixes", "llegeix", "llegim", "llegeixen"),
    "write": ("escric", "escrius", "escriu", "escrivim", "escriuen"),
    "find": ("trobo", "trobes", "troba", "trobem", "troben"),
    "open": ("obro", "obres", "obre", "obrim", "obren"),
    "wash": ("rento", "rentes", "renta", "rentem", "renten"),
}
SER = ("soc", "ets", "és", "som", "són")

#: preposition -> words before the place's article; "in" a box is dins de (inside), elsewhere a
PREPOSITIONS = {"in": ("a",), "on": ("sobre",), "under": ("sota",), "next_to": ("al", "costat", "de")}
_IN_INSIDE = frozenset({"box"})

#: 2 has a feminine form (dues cases)
NUMBERS = {2: "dos", 3: "tres", 4: "quatre", 5: "cinc", 6: "sis", 7: "set", 8: "vuit", 9: "nou",
           10: "deu"}
NUMBERS_F = {**NUMBERS, 2: "dues"}

PRONOUNS = {"1sg": "jo", "2sg": "tu", "3sg_m": "ell", "3sg_f": "ella", "1pl": "nosaltres", "3pl": "ells"}
_DROPPED = frozenset({"1sg", "2sg", "1pl", "3pl"})

_PERSON = {"1sg": 0, "2sg": 1, "3sg_m": 2, "3sg_f": 2, "1pl": 3, "3pl": 4}

_VOWELS = frozenset("aeiouàèéíïòóúü")
#: feminine words where la does not elide (unstressed i-/u-/hi-/hu-); none in this lexicon so far
_NO_ELISION_F = frozenset()
_CONTRACT = {("a", "el"): "al", ("a", "els"): "als", ("de", "el"): "del", ("de", "els"): "dels",
             ("per", "el"): "pel", ("per", "els"): "pels"}


def _vowel_initial(word: str) -> bool:
    w = word.lower()
    return w[0] in _VOWELS or (w[0] == "h" and len(w) > 1 and w[1] in _VOWELS)


def finish(words: list[str]) -> str:
    """Join words with contractions (a el -> al, de els -> dels, per el -> pel) and elisions (l', d')
    applied; el/de elide before a vowel or h, so a + l'escola does not contract."""
    merged: list[str] = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        key = (merged[-1], w) if merged else None
        if key in _CONTRACT and not (w == "el" and nxt is not None and _vowel_initial(nxt)):
            merged[-1] = _CONTRACT[key]
        else:
            merged.append(w)
    # right to left, so that de sees the surface form of the next word (de + l'ocell, not d'l'ocell)
    text = ""
    for w in reversed(merged):
        if text and _vowel_initial(text.split(" ")[0]) and (
                w in ("el", "de") or (w == "la" and text.split(" ")[0].lower() not in _NO_ELISION_F)):
            text = ("d'" if w == "de" else "l'") + text
        else:
            text = w + (" " + text if text else "")
    return text


def _adjective(adj: str, gender: str, plural: bool) -> str:
    return ADJECTIVES[adj][(2 if plural else 0) + (1 if gender == "f" else 0)]


def noun_phrase(np: NP, *, negated_object: bool = False, preverbal: bool = False) -> list[str]:
    """The noun phrase as words (contractions and elisions are applied by :func:`finish`).

    ``negated_object``: a negated indefinite singular count noun takes ``cap`` (no veig cap gat).
    ``preverbal``: indefinite plurals take uns/unes before the verb (bare plurals elsewhere).
    """
    if np.pronoun:
        return [PRONOUNS[np.pronoun]]
    sg, pl, gender = NOUNS[np.noun]
    core = [pl if np.plural else sg]
    if np.adjective:
        core.append(_adjective(np.adjective, gender, np.plural))
    if np.count:
        return [(NUMBERS_F if gender == "f" else NUMBERS)[np.count], *core]
    if np.definite:
        if np.plural:
            return ["les" if gender == "f" else "els", *core]
        return ["la" if gender == "f" else "el", *core]
    if np.mass:  # bare: beu aigua
        return core
    if np.plural:
        return [("unes" if gender == "f" else "uns"), *core] if preverbal else core
    if negated_object:
        return ["cap", *core]
    return ["una" if gender == "f" else "un", *core]


def _person(np: NP) -> int:
    if np.pronoun:
        return _PERSON[np.pronoun]
    return 4 if np.plural else 2


def _gender(np: NP) -> str:
    if np.pronoun:
        return "f" if np.pronoun == "3sg_f" else "m"
    return NOUNS[np.noun][2]


def _subject(np: NP, *, drop_3sg: bool = False) -> list[str]:
    if np.pronoun and (np.pronoun in _DROPPED or drop_3sg):
        return []
    return noun_phrase(np, preverbal=True)


def _place(s: Sentence) -> list[str]:
    prep = ("dins", "de") if s.preposition == "in" and s.place.noun in _IN_INSIDE else \
        PREPOSITIONS[s.preposition]
    return [*prep, *noun_phrase(s.place)]


def _clause(subject: list[str], verb: list[str], rest: list[str], s: Sentence) -> list[str]:
    return [*subject, *(["no"] if s.negated else []), *verb, *rest]


def realize(s: Sentence) -> Realization:
    subj = s.subject
    person = _person(subj)
    question = s.question
    if s.kind == "where":  # On és el gat? On soc? On és ella?
        words = ["on", SER[person], *_subject(subj)]
        question = True
    elif s.kind == "transitive":
        obj = noun_phrase(s.object, negated_object=s.negated)
        words = _clause(_subject(subj), [VERBS[s.verb][person]], obj, s)
    elif s.kind == "attribute":
        adj = _adjective(s.adjective, _gender(subj), subj.plural)
        words = _clause(_subject(subj, drop_3sg=True), [SER[person]], [adj], s)
    elif not subj.pronoun and not subj.definite:  # Hi ha un gat a la cuina.
        words = _clause([], ["hi", "ha"], [*noun_phrase(subj, negated_object=s.negated), *_place(s)], s)
    else:
        words = _clause(_subject(subj), [SER[person]], _place(s), s)
    text = sentence_case(finish(words)) + ("?" if question else ".")
    return Realization(text, text)
