"""French: gendered articles with elision (l') and contractions (du/des/au/aux), partitive du/de la/de
l' for drinks, ne ... pas with de/d' replacing indefinite and partitive articles, pre-nominal
beau/nouveau/vieux/petit/grand (bel/nouvel/vieil before a vowel, des -> de before them), post-nominal
colours, adjective agreement, est-ce que questions, inversion in où-questions with a pronoun
(Où est-il ?), il y a for indefinite located subjects. Word choice: big food is gros (une grosse
pomme); old boys/girls are âgés (vieux garçon / vieille fille are idioms).

Typography: French puts a space before ``?`` (written here as a plain space).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "fr"

#: noun -> (singular, plural, gender)
NOUNS = {
    "man": ("homme", "hommes", "m"), "woman": ("femme", "femmes", "f"),
    "boy": ("garçon", "garçons", "m"), "girl": ("fille", "filles", "f"),
    "child": ("enfant", "enfants", "m"), "cat": ("chat", "chats", "m"), "dog": ("chien", "chiens", "m"),
    "bird": ("oiseau", "oiseaux", "m"), "horse": ("cheval", "chevaux", "m"),
    "mouse": ("souris", "souris", "f"), "apple": ("pomme", "pommes", "f"),
    "cake": ("gâteau", "gâteaux", "m"), "egg": ("œuf", "œufs", "m"), "water": ("eau", "eaux", "f"),
    "milk": ("lait", "laits", "m"), "coffee": ("café", "cafés", "m"), "book": ("livre", "livres", "m"),
    "letter": ("lettre", "lettres", "f"), "key": ("clé", "clés", "f"), "cup": ("tasse", "tasses", "f"),
    "ball": ("ballon", "ballons", "m"), "chair": ("chaise", "chaises", "f"),
    "box": ("boîte", "boîtes", "f"), "car": ("voiture", "voitures", "f"),
    "table": ("table", "tables", "f"), "kitchen": ("cuisine", "cuisines", "f"),
    "garden": ("jardin", "jardins", "m"), "house": ("maison", "maisons", "f"),
    "school": ("école", "écoles", "f"), "bed": ("lit", "lits", "m"),
}

#: adjective -> (m.sg, f.sg, m.pl, f.pl, m.sg before a vowel, placed before the noun)
ADJECTIVES = {
    "big": ("grand", "grande", "grands", "grandes", "grand", True),
    "small": ("petit", "petite", "petits", "petites", "petit", True),
    "red": ("rouge", "rouge", "rouges", "rouges", "rouge", False),
    "black": ("noir", "noire", "noirs", "noires", "noir", False),
    "white": ("blanc", "blanche", "blancs", "blanches", "blanc", False),
    "green": ("vert", "verte", "verts", "vertes", "vert", False),
    "new": ("nouveau", "nouvelle", "nouveaux", "nouvelles", "nouvel", True),
    "old": ("vieux", "vieille", "vieux", "vieilles", "vieil", True),
    "beautiful": ("beau", "belle", "beaux", "belles", "bel", True),
}

#: "big" food is gros (une grosse pomme), not grand
_GROS = ("gros", "grosse", "gros", "grosses", "gros", True)
_GROS_NOUNS = frozenset({"apple", "cake", "egg"})
#: "old" boy/girl is âgé (un vieux garçon / une vieille fille mean a confirmed bachelor / spinster)
_AGE = ("âgé", "âgée", "âgés", "âgées", "âgé", False)
_AGE_NOUNS = frozenset({"boy", "girl"})

#: verb -> present tense (je, tu, il/elle, nous, ils)
VERBS = {
    "see": ("vois", "vois", "voit", "voyons", "voient"),
    "eat": ("mange", "manges", "mange", "mangeons", "mangent"),
    "drink": ("bois", "bois", "boit", "buvons", "boivent"),
    "want": ("veux", "veux", "veut", "voulons", "veulent"),
    "have": ("ai", "as", "a", "avons", "ont"),
    "buy": ("achète", "achètes", "achète", "achetons", "achètent"),
    "read": ("lis", "lis", "lit", "lisons", "lisent"),
    "write": ("écris", "écris", "écrit", "écrivons", "écrivent"),
    "find": ("trouve", "trouves", "trouve", "trouvons", "trouvent"),
    "open": ("ouvre", "ouvres", "ouvre", "ouvrons", "ouvrent"),
    "wash": ("lave", "laves", "lave", "lavons", "lavent"),
}
ETRE = ("suis", "es", "est", "sommes", "sont")

#: preposition -> words before the place's article (à côté de + le -> à côté du)
PREPOSITIONS = {"in": ("dans",), "on": ("sur",), "under": ("sous",), "next_to": ("à", "côté", "de")}

NUMBERS = {2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit", 9: "neuf",
           10: "dix"}

PRONOUNS = {"1sg": "je", "2sg": "tu", "3sg_m": "il", "3sg_f": "elle", "1pl": "nous", "3pl": "ils"}

_PERSON = {"1sg": 0, "2sg": 1, "3sg_m": 2, "3sg_f": 2, "1pl": 3, "3pl": 4}

_VOWELS = frozenset("aeiouyàâäéèêëîïôöûùüœæ")
_H_MUET = frozenset({"homme", "hommes"})
_ELIDE = {"le": "l'", "la": "l'", "de": "d'", "ne": "n'", "je": "j'", "que": "qu'"}
_CONTRACT = {("de", "le"): "du", ("de", "les"): "des", ("à", "le"): "au", ("à", "les"): "aux",
             ("de", "des"): "de"}


def _vowel_initial(word: str) -> bool:
    return word[0].lower() in _VOWELS or word.lower() in _H_MUET


def finish(words: list[str]) -> str:
    """Join words with French contractions (de le -> du, à les -> aux) and elisions (l', d', n', j',
    qu') applied."""
    merged: list[str] = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else None
        key = (merged[-1], w) if merged else None
        # no contraction where the article elides: de + l'eau, à + l'école
        if key in _CONTRACT and not (w == "le" and nxt is not None and _vowel_initial(nxt)):
            merged[-1] = _CONTRACT[key]
        else:
            merged.append(w)
    # right to left, so that each word sees the surface form of the next one
    text = ""
    for w in reversed(merged):
        if text and w in _ELIDE and _vowel_initial(text.split(" ")[0]):
            text = _ELIDE[w] + text
        else:
            text = w + (" " + text if text else "")
    return text


def _forms(adj: str, noun: str) -> tuple:
    if adj == "big" and noun in _GROS_NOUNS:
        return _GROS
    if adj == "old" and noun in _AGE_NOUNS:
        return _AGE
    return ADJECTIVES[adj]


def _adjective(adj: str, noun: str, gender: str, plural: bool, *, before: str | None = None) -> str:
    forms = _forms(adj, noun)
    if plural:
        return forms[3] if gender == "f" else forms[2]
    if gender == "f":
        return forms[1]
    return forms[4] if before is not None and _vowel_initial(before) else forms[0]


def _prenominal(adj: str, noun: str) -> bool:
    return _forms(adj, noun)[5]


def _core(np: NP) -> list[str]:
    """Noun with its attributive adjective in the right place and form."""
    sg, pl, gender = NOUNS[np.noun]
    noun = pl if np.plural else sg
    if not np.adjective:
        return [noun]
    if _prenominal(np.adjective, np.noun):
        return [_adjective(np.adjective, np.noun, gender, np.plural, before=noun), noun]
    return [noun, _adjective(np.adjective, np.noun, gender, np.plural)]


def noun_phrase(np: NP, *, negated_object: bool = False) -> list[str]:
    """The noun phrase as words (contractions and elisions are applied by :func:`finish`).

    ``negated_object``: indefinite and partitive articles become ``de`` (je ne vois pas de chat).
    """
    if np.pronoun:
        return [PRONOUNS[np.pronoun]]
    gender = NOUNS[np.noun][2]
    core = _core(np)
    if np.count:
        return [NUMBERS[np.count], *core]
    if np.definite:
        return ["les" if np.plural else ("la" if gender == "f" else "le"), *core]
    if negated_object:
        return ["de", *core]
    if np.mass:  # partitive: du lait, de la bière, de l'eau
        return ["de", "la" if gender == "f" else "le", *core]
    if np.plural:  # des chats, but de petits chats
        return ["de" if np.adjective and _prenominal(np.adjective, np.noun) else "des", *core]
    return ["une" if gender == "f" else "un", *core]


def _person(np: NP) -> int:
    if np.pronoun:
        return _PERSON[np.pronoun]
    return 4 if np.plural else 2


def _gender(np: NP) -> str:
    if np.pronoun:
        return "f" if np.pronoun == "3sg_f" else "m"
    return NOUNS[np.noun][2]


def _predicate_adjective(s: Sentence) -> str:
    noun = s.subject.noun or ""
    return _adjective(s.adjective, noun, _gender(s.subject), s.subject.plural)


def _clause(subject: list[str], verb: str, rest: list[str], s: Sentence) -> list[str]:
    if s.negated:
        return [*subject, "ne", verb, "pas", *rest]
    words = [*subject, verb, *rest]
    return ["est-ce", "que", *words] if s.question else words


def realize(s: Sentence) -> Realization:
    subj = s.subject
    person = _person(subj)
    if s.kind == "where":
        if subj.pronoun:  # Où est-il ? Où suis-je ?
            words = ["où", f"{ETRE[person]}-{PRONOUNS[subj.pronoun]}"]
        else:
            words = ["où", ETRE[person], *noun_phrase(subj)]
        question = True
    elif s.kind == "transitive":
        obj_neg = s.negated and not s.object.definite and not s.object.count
        obj = noun_phrase(s.object, negated_object=obj_neg)
        words = _clause(noun_phrase(subj), VERBS[s.verb][person], obj, s)
        question = s.question
    elif s.kind == "attribute":
        words = _clause(noun_phrase(subj), ETRE[person], [_predicate_adjective(s)], s)
        question = s.question
    else:  # location
        place = [*PREPOSITIONS[s.preposition], *noun_phrase(s.place)]
        if not subj.pronoun and not subj.definite:  # Il y a un chat dans la cuisine.
            rest = [*noun_phrase(subj, negated_object=s.negated and not subj.count), *place]
            if s.negated:
                words = ["il", "ne", "y", "a", "pas", *rest]
            else:
                words = _clause(["il", "y"], "a", rest, s)
        else:
            words = _clause(noun_phrase(subj), ETRE[person], place, s)
        question = s.question
    text = sentence_case(finish(words)) + (" ?" if question else ".")
    return Realization(text, text)
