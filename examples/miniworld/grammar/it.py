"""Italian: articles chosen by the next word's sound (il/lo/l'/la/i/gli/le, un/uno/una/un'),
articulated prepositions (nel, sulla, accanto al ...), partitive del/dello/dell'/della for
indefinite drinks and dei/degli/delle for indefinite plural subjects, adjectives agreeing in gender
and number (le uova bianche), prenominal *bello* with its article-like forms (bel, bell', bei,
begli), essere, *c'è / ci sono* for indefinite things somewhere, *non* + verb, questions by
intonation, and pro-drop of 1st/2nd person subjects (lui/lei/loro are kept: they carry gender, and
*sono* alone would be ambiguous between "I am" and "they are")."""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "it"

#: noun -> (singular, plural, gender sg, gender pl)   (l'uovo -> le uova)
NOUNS = {
    "man": ("uomo", "uomini", "m", "m"), "woman": ("donna", "donne", "f", "f"),
    "boy": ("ragazzo", "ragazzi", "m", "m"), "girl": ("ragazza", "ragazze", "f", "f"),
    "child": ("bambino", "bambini", "m", "m"), "cat": ("gatto", "gatti", "m", "m"),
    "dog": ("cane", "cani", "m", "m"), "bird": ("uccello", "uccelli", "m", "m"),
    "horse": ("cavallo", "cavalli", "m", "m"), "mouse": ("topo", "topi", "m", "m"),
    "apple": ("mela", "mele", "f", "f"), "cake": ("torta", "torte", "f", "f"), "egg": ("uovo", "uova", "m", "f"),
    "water": ("acqua", None, "f", "f"), "milk": ("latte", None, "m", "m"), "coffee": ("caffè", None, "m", "m"),
    "book": ("libro", "libri", "m", "m"), "letter": ("lettera", "lettere", "f", "f"),
    "key": ("chiave", "chiavi", "f", "f"), "cup": ("tazza", "tazze", "f", "f"), "ball": ("palla", "palle", "f", "f"),
    "chair": ("sedia", "sedie", "f", "f"), "box": ("scatola", "scatole", "f", "f"),
    "car": ("macchina", "macchine", "f", "f"), "table": ("tavolo", "tavoli", "m", "m"),
    "kitchen": ("cucina", "cucine", "f", "f"), "garden": ("giardino", "giardini", "m", "m"),
    "house": ("casa", "case", "f", "f"), "school": ("scuola", "scuole", "f", "f"), "bed": ("letto", "letti", "m", "m"),
}

#: adjective -> (masc. sg, fem. sg, masc. pl, fem. pl); all follow the noun except bello
ADJECTIVES = {
    "big": ("grande", "grande", "grandi", "grandi"),
    "small": ("piccolo", "piccola", "piccoli", "piccole"),
    "red": ("rosso", "rossa", "rossi", "rosse"),
    "black": ("nero", "nera", "neri", "nere"),
    "white": ("bianco", "bianca", "bianchi", "bianche"),
    "green": ("verde", "verde", "verdi", "verdi"),
    "new": ("nuovo", "nuova", "nuovi", "nuove"),
    "old": ("vecchio", "vecchia", "vecchi", "vecchie"),
    "beautiful": ("bello", "bella", "belli", "belle"),
}

#: adjectives placed before the noun (they then take the article-like forms: un bel cane)
PRENOMINAL = frozenset({"beautiful"})

#: verb -> present tense (1sg, 2sg, 3sg, 1pl, 3pl)
VERBS = {
    "see": ("vedo", "vedi", "vede", "vediamo", "vedono"),
    "eat": ("mangio", "mangi", "mangia", "mangiamo", "mangiano"),
    "drink": ("bevo", "bevi", "beve", "beviamo", "bevono"),
    "want": ("voglio", "vuoi", "vuole", "vogliamo", "vogliono"),
    "have": ("ho", "hai", "ha", "abbiamo", "hanno"),
    "buy": ("compro", "compri", "compra", "compriamo", "comprano"),
    "read": ("leggo", "leggi", "legge", "leggiamo", "leggono"),
    "write": ("scrivo", "scrivi", "scrive", "scriviamo", "scrivono"),
    "find": ("trovo", "trovi", "trova", "troviamo", "trovano"),
    "open": ("apro", "apri", "apre", "apriamo", "aprono"),
    "wash": ("lavo", "lavi", "lava", "laviamo", "lavano"),
}

ESSERE = ("sono", "sei", "è", "siamo", "sono")

#: preposition -> (word before the article, preposition that fuses with the article)
PREPOSITIONS = {"in": ("", "in"), "on": ("", "su"), "under": ("sotto", ""), "next_to": ("accanto", "a")}

#: "in" + a bare place noun where Italian drops the article (il gatto è in cucina, a scuola)
BARE_PLACES = {"kitchen": "in cucina", "garden": "in giardino", "house": "in casa", "car": "in macchina",
               "school": "a scuola"}

NUMBERS = {2: "due", 3: "tre", 4: "quattro", 5: "cinque", 6: "sei", 7: "sette", 8: "otto", 9: "nove", 10: "dieci"}

PRONOUNS = {"1sg": "io", "2sg": "tu", "3sg_m": "lui", "3sg_f": "lei", "1pl": "noi", "3pl": "loro"}

DROPPED = frozenset({"1sg", "2sg", "1pl"})

_PERSON = {"1sg": 0, "2sg": 1, "3sg_m": 2, "3sg_f": 2, "1pl": 3, "3pl": 4}

_FUSED = {"di": "de", "a": "a", "in": "ne", "su": "su", "da": "da"}


def _person(np: NP) -> int:
    if np.pronoun:
        return _PERSON[np.pronoun]
    return 4 if np.plural else 2


def _gender(np: NP) -> str:
    if np.pronoun:
        return "f" if np.pronoun == "3sg_f" else "m"
    _, _, g_sg, g_pl = NOUNS[np.noun]
    return g_pl if np.plural else g_sg


def _onset(word: str) -> str:
    """``vowel``, ``special`` (s + consonant, z, gn, ps, pn, x, y: lo/uno/gli) or ``plain``."""
    w = word.lower()
    if w[0] in "aeiouàèéìòù":
        return "vowel"
    if w[0] in "zxy" or w.startswith(("gn", "ps", "pn")) or (w[0] == "s" and len(w) > 1 and w[1] not in "aeiou"):
        return "special"
    return "plain"


def definite_article(word: str, gender: str, plural: bool) -> str:
    onset = _onset(word)
    if gender == "m":
        if plural:
            return "i" if onset == "plain" else "gli"
        return {"vowel": "l'", "special": "lo", "plain": "il"}[onset]
    if plural:
        return "le"
    return "l'" if onset == "vowel" else "la"


def indefinite_article(word: str, gender: str) -> str:
    onset = _onset(word)
    if gender == "m":
        return "uno" if onset == "special" else "un"
    return "un'" if onset == "vowel" else "una"


def fuse(prep: str, article: str) -> str:
    """di/a/in/su + article: del, dello, dell', della, dei, degli, delle, al, nel, sul, ..."""
    tail = {"il": "l", "i": "i", "gli": "gli"}.get(article, "l" + article)
    return _FUSED[prep] + tail


def _bello(noun: str, gender: str, plural: bool) -> str:
    """bello before its noun declines like the definite article: bel cane, bell'uomo, bei cani,
    begli uomini, bella casa, belle case."""
    onset = _onset(noun)
    if gender == "m":
        if plural:
            return "bei" if onset == "plain" else "begli"
        return {"vowel": "bell'", "special": "bello", "plain": "bel"}[onset]
    if plural:
        return "belle"
    return "bell'" if onset == "vowel" else "bella"


def adjective(adj: str, np: NP) -> str:
    """The (postnominal or predicative) adjective agreeing with ``np``."""
    return ADJECTIVES[adj][(2 if np.plural else 0) + (1 if _gender(np) == "f" else 0)]


def _join(words: list[str]) -> str:
    """Join words with spaces, except after an elided form (l', dell', un', bell')."""
    out = ""
    for w in words:
        if not w:
            continue
        out += w if (not out or out.endswith("'")) else " " + w
    return out


def _np_words(np: NP, *, partitive: bool = False, fuse_with: str = "") -> list[str]:
    """Words of a noun phrase. ``partitive``: indefinite mass nouns and bare plurals get
    del/dello/dell'/della/dei/degli/delle. ``fuse_with``: a preposition merged into the article."""
    if np.pronoun:
        return [PRONOUNS[np.pronoun]]
    sg, pl, _, _ = NOUNS[np.noun]
    noun = pl if np.plural else sg
    gender = _gender(np)
    if np.adjective in PRENOMINAL:
        core = [_bello(noun, gender, np.plural), noun]
    elif np.adjective:
        core = [noun, adjective(np.adjective, np)]
    else:
        core = [noun]
    if np.count:
        return [NUMBERS[np.count], *core]
    if np.definite:
        article = definite_article(core[0], gender, np.plural)
        return [fuse(fuse_with, article) if fuse_with else article, *core]
    if np.mass or np.plural:
        return [fuse("di", definite_article(core[0], gender, np.plural)), *core] if partitive else core
    return [indefinite_article(core[0], gender), *core]


def noun_phrase(np: NP, *, partitive: bool = False) -> str:
    return _join(_np_words(np, partitive=partitive))


def _place(s: Sentence) -> str:
    place = s.place
    if s.preposition == "in" and not place.adjective and place.noun in BARE_PLACES:
        return BARE_PLACES[place.noun]
    before, fused = PREPOSITIONS[s.preposition]
    return _join([before, *_np_words(place, fuse_with=fused)])


def realize(s: Sentence) -> Realization:
    subj_np = s.subject
    person = _person(subj_np)
    # preverbal indefinite plural subjects need "dei/delle" (dei ragazzi leggono ...)
    subj = "" if subj_np.pronoun in DROPPED else noun_phrase(subj_np, partitive=True)
    neg = "non" if s.negated else ""
    end = "?" if s.question else "."
    if s.kind == "where":
        verb = ESSERE[person]
        text = _join(["dov'è" if verb == "è" else "dove " + verb, subj]) + "?"
    elif s.kind == "transitive":
        # partitive object (beve del latte) but not under negation (non beve latte)
        obj = noun_phrase(s.object, partitive=s.object.mass and not s.negated)
        text = _join([subj, neg, VERBS[s.verb][person], obj]) + end
    elif s.kind == "location" and subj_np.noun is not None and not subj_np.definite:
        # indefinite things somewhere: "c'è un gatto in cucina", "ci sono dei gatti sul letto"
        there = "ci sono" if subj_np.plural else "c'è"
        text = _join([neg, there, noun_phrase(subj_np, partitive=not s.negated), _place(s)]) + end
    else:
        rest = adjective(s.adjective, subj_np) if s.kind == "attribute" else _place(s)
        text = _join([subj, neg, ESSERE[person], rest]) + end
    text = sentence_case(text)
    return Realization(text, text)
