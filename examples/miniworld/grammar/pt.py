"""European Portuguese: o/a/os/as + um/uma/uns/umas, contractions of em/de/a with the article
(no, na, nos, nas, do, da, ao), postnominal adjectives agreeing in gender and number, dois/duas,
ser (attribute) vs estar (location), *há* for indefinite things somewhere, *não* + verb, yes/no
questions by intonation only, and pro-drop of 1st/2nd person subjects (ele/ela/eles are kept: they
carry the gender the verb lacks). European vocabulary: cão, rato, chávena, menino/menina."""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "pt"

#: noun -> (singular, plural, gender)   (a criança is feminine whatever the child's sex)
NOUNS = {
    "man": ("homem", "homens", "m"), "woman": ("mulher", "mulheres", "f"), "boy": ("menino", "meninos", "m"),
    "girl": ("menina", "meninas", "f"), "child": ("criança", "crianças", "f"), "cat": ("gato", "gatos", "m"),
    "dog": ("cão", "cães", "m"), "bird": ("pássaro", "pássaros", "m"), "horse": ("cavalo", "cavalos", "m"),
    "mouse": ("rato", "ratos", "m"), "apple": ("maçã", "maçãs", "f"), "cake": ("bolo", "bolos", "m"),
    "egg": ("ovo", "ovos", "m"), "water": ("água", None, "f"), "milk": ("leite", None, "m"),
    "coffee": ("café", None, "m"), "book": ("livro", "livros", "m"), "letter": ("carta", "cartas", "f"),
    "key": ("chave", "chaves", "f"), "cup": ("chávena", "chávenas", "f"), "ball": ("bola", "bolas", "f"),
    "chair": ("cadeira", "cadeiras", "f"), "box": ("caixa", "caixas", "f"), "car": ("carro", "carros", "m"),
    "table": ("mesa", "mesas", "f"), "kitchen": ("cozinha", "cozinhas", "f"),
    "garden": ("jardim", "jardins", "m"), "house": ("casa", "casas", "f"), "school": ("escola", "escolas", "f"),
    "bed": ("cama", "camas", "f"),
}

#: adjective -> (masc. sg, fem. sg, masc. pl, fem. pl); all follow the noun
ADJECTIVES = {
    "big": ("grande", "grande", "grandes", "grandes"),
    "small": ("pequeno", "pequena", "pequenos", "pequenas"),
    "red": ("vermelho", "vermelha", "vermelhos", "vermelhas"),
    "black": ("preto", "preta", "pretos", "pretas"),
    "white": ("branco", "branca", "brancos", "brancas"),
    "green": ("verde", "verde", "verdes", "verdes"),
    "new": ("novo", "nova", "novos", "novas"),
    "old": ("velho", "velha", "velhos", "velhas"),
    "beautiful": ("bonito", "bonita", "bonitos", "bonitas"),
}

#: verb -> present tense (1sg, 2sg, 3sg, 1pl, 3pl)
VERBS = {
    "see": ("vejo", "vês", "vê", "vemos", "veem"),
    "eat": ("como", "comes", "come", "comemos", "comem"),
    "drink": ("bebo", "bebes", "bebe", "bebemos", "bebem"),
    "want": ("quero", "queres", "quer", "queremos", "querem"),
    "have": ("tenho", "tens", "tem", "temos", "têm"),
    "buy": ("compro", "compras", "compra", "compramos", "compram"),
    "read": ("leio", "lês", "lê", "lemos", "leem"),
    "write": ("escrevo", "escreves", "escreve", "escrevemos", "escrevem"),
    "find": ("encontro", "encontras", "encontra", "encontramos", "encontram"),
    "open": ("abro", "abres", "abre", "abrimos", "abrem"),
    "wash": ("lavo", "lavas", "lava", "lavamos", "lavam"),
}

SER = ("sou", "és", "é", "somos", "são")
ESTAR = ("estou", "estás", "está", "estamos", "estão")

PREPOSITIONS = {"in": "em", "on": "em cima de", "under": "debaixo de", "next_to": "ao lado de"}

#: numbers; 2 agrees in gender (dois cães, duas maçãs)
NUMBERS = {2: ("dois", "duas"), 3: "três", 4: "quatro", 5: "cinco", 6: "seis", 7: "sete", 8: "oito", 9: "nove",
           10: "dez"}

PRONOUNS = {"1sg": "eu", "2sg": "tu", "3sg_m": "ele", "3sg_f": "ela", "1pl": "nós", "3pl": "eles"}

DROPPED = frozenset({"1sg", "2sg", "1pl"})

_PERSON = {"1sg": 0, "2sg": 1, "3sg_m": 2, "3sg_f": 2, "1pl": 3, "3pl": 4}

#: preposition + article -> contraction
_CONTRACTIONS = {
    ("em", "o"): "no", ("em", "a"): "na", ("em", "os"): "nos", ("em", "as"): "nas",
    ("em", "um"): "num", ("em", "uma"): "numa",
    ("de", "o"): "do", ("de", "a"): "da", ("de", "os"): "dos", ("de", "as"): "das",
    ("a", "o"): "ao", ("a", "a"): "à", ("a", "os"): "aos", ("a", "as"): "às",
}


def _person(np: NP) -> int:
    if np.pronoun:
        return _PERSON[np.pronoun]
    return 4 if np.plural else 2


def _gender(np: NP) -> str:
    if np.pronoun:
        return "f" if np.pronoun == "3sg_f" else "m"
    return NOUNS[np.noun][2]


def adjective(adj: str, np: NP) -> str:
    return ADJECTIVES[adj][(2 if np.plural else 0) + (1 if _gender(np) == "f" else 0)]


def number(n: int, gender: str) -> str:
    word = NUMBERS[n]
    return word[gender == "f"] if isinstance(word, tuple) else word


def noun_phrase(np: NP, *, subject: bool = False) -> str:
    """Indefinite plurals are bare (*lavamos bolas*) except as preverbal subjects (*uns meninos*)."""
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    sg, pl, gender = NOUNS[np.noun]
    words = [pl if np.plural else sg]
    if np.adjective:
        words.append(adjective(np.adjective, np))
    fem = gender == "f"
    if np.count:
        return " ".join([number(np.count, gender), *words])
    if np.definite:
        article = ("as" if fem else "os") if np.plural else ("a" if fem else "o")
    elif np.mass:
        return " ".join(words)
    elif np.plural:
        if not subject:
            return " ".join(words)
        article = "umas" if fem else "uns"
    else:
        article = "uma" if fem else "um"
    return " ".join([article, *words])


def _contract(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        if out and (out[-1], w) in _CONTRACTIONS:
            out[-1] = _CONTRACTIONS[out[-1], w]
        else:
            out.append(w)
    return out


def _place(s: Sentence) -> str:
    return " ".join(_contract([*PREPOSITIONS[s.preposition].split(), *noun_phrase(s.place).split()]))


def _join(*words: str) -> str:
    return " ".join(w for w in words if w)


def realize(s: Sentence) -> Realization:
    subj_np = s.subject
    person = _person(subj_np)
    subj = "" if subj_np.pronoun in DROPPED else noun_phrase(subj_np, subject=True)
    neg = "não" if s.negated else ""
    end = "?" if s.question else "."
    if s.kind == "where":
        text = _join("onde", ESTAR[person], subj) + "?"
    elif s.kind == "transitive":
        text = _join(subj, neg, VERBS[s.verb][person], noun_phrase(s.object)) + end
    elif s.kind == "location" and subj_np.noun is not None and not subj_np.definite:
        # indefinite things somewhere: "há um gato na cozinha"
        text = _join(neg, "há", noun_phrase(subj_np), _place(s)) + end
    else:
        rest = adjective(s.adjective, subj_np) if s.kind == "attribute" else _place(s)
        verb = SER[person] if s.kind == "attribute" else ESTAR[person]
        text = _join(subj, neg, verb, rest) + end
    text = sentence_case(text)
    return Realization(text, text)
