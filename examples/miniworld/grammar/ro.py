"""Romanian: enclitic definite article (pisica, câinele, merele), indefinite un/o/niște, three genders
(neuter nouns take masculine agreement in the singular and feminine in the plural), adjectives
after the noun with gender/number agreement (pisica neagră, câini negri), the preposed adjective
``nou`` carrying the article instead of the noun (noua mașină, noile scaune), differential object
marking with ``pe`` plus clitic doubling for definite human and animal objects (îl vede pe băiat,
le spală pe pisici), numerals with the doi/două gender forms, the article dropped after a
preposition unless the noun is modified (în bucătărie, pe masă, but pe masa veche), negation
``nu`` (nu-l vede), niciun/nicio and bare plurals for indefinites under negation, bare mass nouns
for indefinite drinks (bea apă), yes/no questions by intonation only, pro-drop of 1st/2nd person
subjects.

Kept overt: 3rd-person pronouns (el, ea, ei). Dropping them would merge *he*/*she* and, since
``sunt``/``văd``/``citesc`` are both 1sg and 3pl, also *I*/*they*.

Location sentences with an indefinite subject put the place first, the natural Romanian order for
introducing something new (*În grădină este un câine.*, *Este un câine în grădină?*).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case
from grammar.lexicon import NOUNS as CLASSES

LANG = "ro"

#: noun -> (gender m/f/n, singular, singular definite, plural, plural definite); mass nouns have
#: no plural
NOUNS: dict[str, tuple[str, str, str, str | None, str | None]] = {
    "man": ("m", "bărbat", "bărbatul", "bărbați", "bărbații"),
    "woman": ("f", "femeie", "femeia", "femei", "femeile"),
    "boy": ("m", "băiat", "băiatul", "băieți", "băieții"),
    "girl": ("f", "fată", "fata", "fete", "fetele"),
    "child": ("m", "copil", "copilul", "copii", "copiii"),
    "cat": ("f", "pisică", "pisica", "pisici", "pisicile"),
    "dog": ("m", "câine", "câinele", "câini", "câinii"),
    "bird": ("f", "pasăre", "pasărea", "păsări", "păsările"),
    "horse": ("m", "cal", "calul", "cai", "caii"),
    "mouse": ("m", "șoarece", "șoarecele", "șoareci", "șoarecii"),
    "apple": ("n", "măr", "mărul", "mere", "merele"),
    "cake": ("f", "prăjitură", "prăjitura", "prăjituri", "prăjiturile"),
    "egg": ("n", "ou", "oul", "ouă", "ouăle"),
    "water": ("f", "apă", "apa", None, None),
    "milk": ("n", "lapte", "laptele", None, None),
    "coffee": ("f", "cafea", "cafeaua", None, None),
    "book": ("f", "carte", "cartea", "cărți", "cărțile"),
    "letter": ("f", "scrisoare", "scrisoarea", "scrisori", "scrisorile"),
    "key": ("f", "cheie", "cheia", "chei", "cheile"),
    "cup": ("f", "ceașcă", "ceașca", "cești", "ceștile"),
    "ball": ("f", "minge", "mingea", "mingi", "mingile"),
    "chair": ("n", "scaun", "scaunul", "scaune", "scaunele"),
    "box": ("f", "cutie", "cutia", "cutii", "cutiile"),
    "car": ("f", "mașină", "mașina", "mașini", "mașinile"),
    "table": ("f", "masă", "masa", "mese", "mesele"),
    "kitchen": ("f", "bucătărie", "bucătăria", "bucătării", "bucătăriile"),
    "garden": ("f", "grădină", "grădina", "grădini", "grădinile"),
    "house": ("f", "casă", "casa", "case", "casele"),
    "school": ("f", "școală", "școala", "școli", "școlile"),
    "bed": ("n", "pat", "patul", "paturi", "paturile"),
}

#: adjective -> (masculine sg, feminine sg, masculine pl, feminine pl); neuter = m sg / f pl
ADJECTIVES: dict[str, tuple[str, str, str, str]] = {
    "big": ("mare", "mare", "mari", "mari"),
    "small": ("mic", "mică", "mici", "mici"),
    "red": ("roșu", "roșie", "roșii", "roșii"),
    "black": ("negru", "neagră", "negri", "negre"),
    "white": ("alb", "albă", "albi", "albe"),
    "green": ("verde", "verde", "verzi", "verzi"),
    "new": ("nou", "nouă", "noi", "noi"),
    "old": ("vechi", "veche", "vechi", "vechi"),  # things and places
    "beautiful": ("frumos", "frumoasă", "frumoși", "frumoase"),
}
#: "old" of people and animals
OLD_ANIMATE = ("bătrân", "bătrână", "bătrâni", "bătrâne")
#: adjectives placed before a definite noun; the article then goes on the adjective (noua mașină)
PREPOSED_DEFINITE = {"new": ("noul", "noua", "noii", "noile")}

#: verb -> (1sg, 2sg, 3sg, 1pl, 3pl) present tense
VERBS: dict[str, tuple[str, str, str, str, str]] = {
    "see": ("văd", "vezi", "vede", "vedem", "văd"),
    "eat": ("mănânc", "mănânci", "mănâncă", "mâncăm", "mănâncă"),
    "drink": ("beau", "bei", "bea", "bem", "beau"),
    "want": ("vreau", "vrei", "vrea", "vrem", "vor"),
    "have": ("am", "ai", "are", "avem", "au"),
    "buy": ("cumpăr", "cumperi", "cumpără", "cumpărăm", "cumpără"),
    "read": ("citesc", "citești", "citește", "citim", "citesc"),
    "write": ("scriu", "scrii", "scrie", "scriem", "scriu"),
    "find": ("găsesc", "găsești", "găsește", "găsim", "găsesc"),
    "open": ("deschid", "deschizi", "deschide", "deschidem", "deschid"),
    "wash": ("spăl", "speli", "spală", "spălăm", "spală"),
}
BE = ("sunt", "ești", "este", "suntem", "sunt")

#: verbs whose definite animal objects are not marked with pe (owning/buying an animal treats
#: it like a thing: *are câinele*, *cumpără calul*); human objects are always marked
NO_DOM_FOR_ANIMALS = frozenset({"have", "buy"})

PREPOSITIONS = {"in": "în", "on": "pe", "under": "sub", "next_to": "lângă"}

#: cardinal -> (masculine, feminine/neuter)
NUMBERS: dict[int, tuple[str, str]] = {
    2: ("doi", "două"), 3: ("trei", "trei"), 4: ("patru", "patru"), 5: ("cinci", "cinci"),
    6: ("șase", "șase"), 7: ("șapte", "șapte"), 8: ("opt", "opt"), 9: ("nouă", "nouă"),
    10: ("zece", "zece"), 11: ("unsprezece", "unsprezece"), 12: ("doisprezece", "douăsprezece"),
    13: ("treisprezece", "treisprezece"), 14: ("paisprezece", "paisprezece"),
    15: ("cincisprezece", "cincisprezece"), 16: ("șaisprezece", "șaisprezece"),
    17: ("șaptesprezece", "șaptesprezece"), 18: ("optsprezece", "optsprezece"),
    19: ("nouăsprezece", "nouăsprezece"),
}

PRONOUNS = {"1sg": "eu", "2sg": "tu", "3sg_m": "el", "3sg_f": "ea", "1pl": "noi", "3pl": "ei"}
#: subject pronouns left out (the verb ending shows the person)
DROPPED_PRONOUNS = frozenset({"1sg", "2sg", "1pl"})
#: pronoun -> (gender, plural) for predicate adjective agreement
_PRONOUN_AGREEMENT = {"3sg_m": ("m", False), "3sg_f": ("f", False), "3pl": ("m", True),
                      "1sg": ("m", False), "2sg": ("m", False), "1pl": ("m", True)}

#: accusative clitics doubling a pe-object: (gender, plural) -> clitic
_CLITICS = {("m", False): "îl", ("f", False): "o", ("m", True): "îi", ("f", True): "le"}


def _animate(noun: str) -> bool:
    return bool(CLASSES[noun] & {"human", "animal"})


def _agreement(np: NP) -> tuple[str, bool]:
    """(agreement gender m/f, plural) of a noun phrase: neuter is m in the singular, f in the plural."""
    if np.pronoun:
        return _PRONOUN_AGREEMENT[np.pronoun]
    gender = NOUNS[np.noun][0]
    if gender == "n":
        gender = "f" if np.plural else "m"
    return gender, np.plural


def adjective_form(adjective: str, np: NP) -> str:
    gender, plural = _agreement(np)
    forms = ADJECTIVES[adjective]
    if adjective == "old" and (np.pronoun or _animate(np.noun)):
        forms = OLD_ANIMATE
    return forms[2 * plural + (gender == "f")]


def noun_phrase(np: NP, *, bare: bool = False, negative: bool = False) -> str:
    """The noun phrase (Romanian nouns have one form for nominative and accusative).

    ``bare``: after a preposition (incl. the object marker pe) an unmodified definite noun loses
    its article (pe masă, pe băiat). ``negative``: an indefinite under negation becomes
    niciun/nicio + singular, or a bare plural (nu vede nicio pisică, nu vede pisici).
    """
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    gender, sg, sg_def, pl, pl_def = NOUNS[np.noun]
    agr_gender, plural = _agreement(np)
    adj = [adjective_form(np.adjective, np)] if np.adjective else []
    if np.count:
        numeral = NUMBERS[np.count][0 if gender == "m" else 1]
        return " ".join([numeral, pl, *adj])
    if np.definite:
        if np.adjective in PREPOSED_DEFINITE:
            art_adj = PREPOSED_DEFINITE[np.adjective][2 * plural + (agr_gender == "f")]
            return f"{art_adj} {pl if plural else sg}"
        if bare and not adj:
            return pl if plural else sg
        return " ".join([pl_def if plural else sg_def, *adj])
    noun = pl if plural else sg
    if np.mass or (plural and negative):
        return " ".join([noun, *adj])
    if plural:
        return " ".join(["niște", noun, *adj])
    if negative:
        return " ".join(["niciun" if agr_gender == "m" else "nicio", noun, *adj])
    return " ".join(["un" if agr_gender == "m" else "o", noun, *adj])


def _slot(np: NP) -> int:
    """Index into the (1sg, 2sg, 3sg, 1pl, 3pl) verb tables."""
    if np.pronoun:
        return ("1sg", "2sg", "3sg_m", "1pl", "3pl").index(np.pronoun.replace("3sg_f", "3sg_m"))
    return 4 if np.plural else 2


def _subject(np: NP) -> list[str]:
    """The subject as a word list: empty for dropped pronouns."""
    if np.pronoun in DROPPED_PRONOUNS:
        return []
    return [noun_phrase(np)]


def _verb_group(verb: str, negated: bool, clitic: str | None) -> list[str]:
    if not negated:
        return [clitic, verb] if clitic else [verb]
    if clitic == "îl":
        return ["nu-l", verb]
    if clitic == "îi":
        return ["nu-i", verb]
    return ["nu", clitic, verb] if clitic else ["nu", verb]


def _object(s: Sentence) -> tuple[str, str | None]:
    """(object phrase, doubling clitic or None)."""
    obj = s.object
    dom = obj.definite and _animate(obj.noun) and not (
        s.verb in NO_DOM_FOR_ANIMALS and "human" not in CLASSES[obj.noun])
    if dom:
        return "pe " + noun_phrase(obj, bare=True), _CLITICS[_agreement(obj)]
    return noun_phrase(obj, negative=s.negated), None


def _place(s: Sentence) -> str:
    return f"{PREPOSITIONS[s.preposition]} {noun_phrase(s.place, bare=True)}"


def realize(s: Sentence) -> Realization:
    subj = s.subject
    be = BE[_slot(subj)]
    if s.kind == "where":
        if subj.pronoun:
            text = " ".join(["unde", be, *_subject(subj)]) + "?"
        else:
            text = f"unde {be} {noun_phrase(subj)}?"
    elif s.kind == "transitive":
        obj, clitic = _object(s)
        verb = VERBS[s.verb][_slot(subj)]
        words = [*_subject(subj), *_verb_group(verb, s.negated, clitic), obj]
        text = " ".join(words) + ("?" if s.question else ".")
    elif s.kind == "attribute":
        adj = adjective_form(s.adjective, subj)
        words = [*_subject(subj), *_verb_group(be, s.negated, None), adj]
        text = " ".join(words) + ("?" if s.question else ".")
    else:  # location
        place = _place(s)
        if subj.noun is not None and not subj.definite:  # new information last
            if s.question:
                text = f"{be} {noun_phrase(subj)} {place}?"
            else:
                neg = "nu " if s.negated else ""
                text = f"{place} {neg}{be} {noun_phrase(subj, negative=s.negated)}."
        else:
            words = [*_subject(subj), *_verb_group(be, s.negated, None), place]
            text = " ".join(words) + ("?" if s.question else ".")
    text = sentence_case(text)
    return Realization(text, text)
