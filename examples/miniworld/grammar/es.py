"""Spanish: el/la/los/las + un/una/unos/unas (el agua), del/al, personal *a* before human and
definite animal objects, postnominal adjectives agreeing in gender and number, ser (attribute) vs
estar (location), *hay* for indefinite things somewhere, *no* + verb, ¿…? questions, and pro-drop
of 1st/2nd person subjects (3rd person pronouns are kept: they carry the gender the verb lacks)."""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case
from grammar.lexicon import NOUNS as CLASSES

LANG = "es"

#: noun -> (singular, plural, gender)
NOUNS = {
    "man": ("hombre", "hombres", "m"), "woman": ("mujer", "mujeres", "f"), "boy": ("chico", "chicos", "m"),
    "girl": ("chica", "chicas", "f"), "child": ("niño", "niños", "m"), "cat": ("gato", "gatos", "m"),
    "dog": ("perro", "perros", "m"), "bird": ("pájaro", "pájaros", "m"), "horse": ("caballo", "caballos", "m"),
    "mouse": ("ratón", "ratones", "m"), "apple": ("manzana", "manzanas", "f"),
    "cake": ("pastel", "pasteles", "m"), "egg": ("huevo", "huevos", "m"), "water": ("agua", None, "f"),
    "milk": ("leche", None, "f"), "coffee": ("café", None, "m"), "book": ("libro", "libros", "m"),
    "letter": ("carta", "cartas", "f"), "key": ("llave", "llaves", "f"), "cup": ("taza", "tazas", "f"),
    "ball": ("pelota", "pelotas", "f"), "chair": ("silla", "sillas", "f"), "box": ("caja", "cajas", "f"),
    "car": ("coche", "coches", "m"), "table": ("mesa", "mesas", "f"), "kitchen": ("cocina", "cocinas", "f"),
    "garden": ("jardín", "jardines", "m"), "house": ("casa", "casas", "f"), "school": ("escuela", "escuelas", "f"),
    "bed": ("cama", "camas", "f"),
}

#: feminine nouns starting with a stressed a- take "el"/"un" in the singular (el agua)
STRESSED_A = frozenset({"water"})

#: adjective -> (masc. sg, fem. sg, masc. pl, fem. pl); all follow the noun
ADJECTIVES = {
    "big": ("grande", "grande", "grandes", "grandes"),
    "small": ("pequeño", "pequeña", "pequeños", "pequeñas"),
    "red": ("rojo", "roja", "rojos", "rojas"),
    "black": ("negro", "negra", "negros", "negras"),
    "white": ("blanco", "blanca", "blancos", "blancas"),
    "green": ("verde", "verde", "verdes", "verdes"),
    "new": ("nuevo", "nueva", "nuevos", "nuevas"),
    "old": ("viejo", "vieja", "viejos", "viejas"),
    "beautiful": ("bonito", "bonita", "bonitos", "bonitas"),
}

#: people are "guapos", things and animals "bonitos"
HUMAN_ADJECTIVES = {"beautiful": ("guapo", "guapa", "guapos", "guapas")}

#: verb -> present tense (1sg, 2sg, 3sg, 1pl, 3pl)
VERBS = {
    "see": ("veo", "ves", "ve", "vemos", "ven"),
    "eat": ("como", "comes", "come", "comemos", "comen"),
    "drink": ("bebo", "bebes", "bebe", "bebemos", "beben"),
    "want": ("quiero", "quieres", "quiere", "queremos", "quieren"),
    "have": ("tengo", "tienes", "tiene", "tenemos", "tienen"),
    "buy": ("compro", "compras", "compra", "compramos", "compran"),
    "read": ("leo", "lees", "lee", "leemos", "leen"),
    "write": ("escribo", "escribes", "escribe", "escribimos", "escriben"),
    "find": ("encuentro", "encuentras", "encuentra", "encontramos", "encuentran"),
    "open": ("abro", "abres", "abre", "abrimos", "abren"),
    "wash": ("lavo", "lavas", "lava", "lavamos", "lavan"),
}

SER = ("soy", "eres", "es", "somos", "son")
ESTAR = ("estoy", "estás", "está", "estamos", "están")

#: verbs whose specific animate objects take the personal "a" (veo al perro); tener/comprar do not
PERSONAL_A_VERBS = frozenset({"see", "find", "wash"})

PREPOSITIONS = {"in": "en", "on": "sobre", "under": "debajo de", "next_to": "al lado de"}

NUMBERS = {2: "dos", 3: "tres", 4: "cuatro", 5: "cinco", 6: "seis", 7: "siete", 8: "ocho", 9: "nueve", 10: "diez"}

PRONOUNS = {"1sg": "yo", "2sg": "tú", "3sg_m": "él", "3sg_f": "ella", "1pl": "nosotros", "3pl": "ellos"}

#: subject pronouns left out (the verb ending says who it is)
DROPPED = frozenset({"1sg", "2sg", "1pl"})

_PERSON = {"1sg": 0, "2sg": 1, "3sg_m": 2, "3sg_f": 2, "1pl": 3, "3pl": 4}


def _person(np: NP) -> int:
    if np.pronoun:
        return _PERSON[np.pronoun]
    return 4 if np.plural else 2


def _gender(np: NP) -> str:
    if np.pronoun:
        return "f" if np.pronoun == "3sg_f" else "m"
    return NOUNS[np.noun][2]


def _is_human(np: NP) -> bool:
    return np.pronoun is not None or "human" in CLASSES[np.noun]


def adjective(adj: str, np: NP) -> str:
    """The adjective agreeing with ``np`` in gender and number."""
    table = HUMAN_ADJECTIVES.get(adj, ADJECTIVES[adj]) if _is_human(np) else ADJECTIVES[adj]
    return table[(2 if np.plural else 0) + (1 if _gender(np) == "f" else 0)]


def _contract(words: list[str]) -> list[str]:
    """a + el -> al, de + el -> del."""
    out: list[str] = []
    for w in words:
        if w == "el" and out and out[-1] in ("a", "de"):
            out[-1] = "al" if out[-1] == "a" else "del"
        else:
            out.append(w)
    return out


def noun_phrase(np: NP, *, subject: bool = False) -> str:
    """The noun phrase; indefinite plurals are bare (*bebe agua*, *lava pelotas*) except as
    preverbal subjects, where Spanish needs *unos/unas*."""
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    sg, pl, gender = NOUNS[np.noun]
    words = [pl if np.plural else sg]
    if np.adjective:
        words.append(adjective(np.adjective, np))
    if np.count:
        return " ".join([NUMBERS[np.count], *words])
    fem = gender == "f" and not (np.noun in STRESSED_A and not np.plural)
    if np.definite:
        article = ("las" if fem else "los") if np.plural else ("la" if fem else "el")
    elif np.mass:
        return " ".join(words)
    elif np.plural:
        if not subject:
            return " ".join(words)
        article = "unas" if fem else "unos"
    else:
        article = "una" if fem else "un"
    return " ".join([article, *words])


def _object(s: Sentence) -> str:
    o = s.object
    phrase = noun_phrase(o)
    if s.verb in PERSONAL_A_VERBS:
        bare = o.plural and not o.definite and not o.count
        if ("human" in CLASSES[o.noun] and not bare) or ("animal" in CLASSES[o.noun] and o.definite):
            phrase = " ".join(_contract(["a", *phrase.split()]))
    return phrase


def _place(s: Sentence) -> str:
    return " ".join(_contract([*PREPOSITIONS[s.preposition].split(), *noun_phrase(s.place).split()]))


def _join(*words: str) -> str:
    return " ".join(w for w in words if w)


def realize(s: Sentence) -> Realization:
    subj_np = s.subject
    person = _person(subj_np)
    subj = "" if subj_np.pronoun in DROPPED else noun_phrase(subj_np, subject=True)
    neg = "no" if s.negated else ""
    if s.kind == "where":
        text = "¿" + _join("dónde", ESTAR[person], subj) + "?"
    elif s.kind == "transitive":
        text = _join(subj, neg, VERBS[s.verb][person], _object(s))
        text = f"¿{text}?" if s.question else text + "."
    elif s.kind == "location" and subj_np.noun is not None and not subj_np.definite:
        # indefinite things somewhere: "hay un gato en la cocina" (not "un gato está ...")
        text = _join(neg, "hay", noun_phrase(subj_np), _place(s))
        text = f"¿{text}?" if s.question else text + "."
    else:
        if s.kind == "attribute":
            verb, rest = SER[person], adjective(s.adjective, subj_np)
        else:
            verb, rest = ESTAR[person], _place(s)
        if s.question and subj_np.noun is not None:  # ¿Es pequeño el perro? ¿Está el gato en la cocina?
            text = "¿" + (_join(verb, rest, subj) if s.kind == "attribute" else _join(verb, subj, rest)) + "?"
        elif s.question:
            text = "¿" + _join(subj, verb, rest) + "?"
        else:
            text = _join(subj, neg, verb, rest) + "."
    text = sentence_case(text)
    return Realization(text, text)
