"""French and Catalan: exact sentences, then the shared lexicon-coverage and all-frames checks."""

import re

import pytest

from grammar_checks import attr as A, loc as L, n as N, pro as P, tr as T, where as W  # (puts grammar on sys.path)
from grammar_checks import check_lexicon_coverage, check_renders_cleanly, render_problems

from grammar import ca, fr
from grammar.frames import Realization


# --------------------------------------------------------------------------------------------
# French

FR_CASES = [
    # articles le/la/l'/les, un/une/des
    (T(N("cat"), "see", N("mouse")), "Le chat voit la souris."),
    (T(N("man"), "wash", N("cup")), "L'homme lave la tasse."),
    (T(N("girl", "pl"), "read", N("letter", "pl")), "Les filles lisent les lettres."),
    (T(N("boy", definite=False), "have", N("key", definite=False)), "Un garçon a une clé."),
    (T(N("dog", "pl", False), "eat", N("cake", "pl", False)), "Des chiens mangent des gâteaux."),
    (T(N("child"), "find", N("egg", definite=False)), "L'enfant trouve un œuf."),
    # negation: ne ... pas de / d', definite and numerals kept
    (T(N("boy"), "eat", N("apple", definite=False), negated=True), "Le garçon ne mange pas de pomme."),
    (T(P("1sg"), "have", N("egg", definite=False), negated=True), "Je n'ai pas d'œuf."),
    (T(N("woman", "pl"), "buy", N("book", "pl", False), negated=True), "Les femmes n'achètent pas de livres."),
    (T(P("3sg_m"), "read", N("book", count=3), negated=True), "Il ne lit pas trois livres."),
    (T(P("3sg_f"), "see", N("dog"), negated=True), "Elle ne voit pas le chien."),
    # partitive for drinks
    (T(N("child"), "drink", N("milk", definite=False)), "L'enfant boit du lait."),
    (T(P("1pl"), "drink", N("water", definite=False)), "Nous buvons de l'eau."),
    (T(P("2sg"), "want", N("coffee", definite=False)), "Tu veux du café."),
    (T(P("2sg"), "drink", N("coffee", definite=False), negated=True), "Tu ne bois pas de café."),
    (T(P("1sg"), "want", N("water", definite=False), negated=True), "Je ne veux pas d'eau."),
    (T(P("3sg_f"), "drink", N("water")), "Elle boit l'eau."),
    # adjective position, bel/vieil/nouvel, des -> de, colours after the noun
    (T(N("man", adjective="old"), "see", N("bird", definite=False, adjective="beautiful")),
     "Le vieil homme voit un bel oiseau."),
    (T(N("child"), "find", N("egg", definite=False, adjective="new")), "L'enfant trouve un nouvel œuf."),
    (T(P("1sg"), "wash", N("car", adjective="new")), "Je lave la nouvelle voiture."),
    (T(P("1pl"), "read", N("letter", "pl", False, adjective="old")), "Nous lisons de vieilles lettres."),
    (T(N("cat", "pl", False, adjective="small"), "see", N("horse", "pl", adjective="beautiful")),
     "De petits chats voient les beaux chevaux."),
    (T(N("woman", adjective="beautiful"), "have", N("cup", definite=False, adjective="white")),
     "La belle femme a une tasse blanche."),
    (T(N("boy"), "buy", N("apple", count=2, adjective="big")), "Le garçon achète deux grosses pommes."),
    (T(N("girl"), "wash", N("car", count=5, adjective="red")), "La fille lave cinq voitures rouges."),
    (T(P("3pl"), "find", N("ball", "pl", adjective="big")), "Ils trouvent les grands ballons."),
    # predicative agreement
    (A(N("house", "pl"), "big"), "Les maisons sont grandes."),
    (A(N("cup"), "white"), "La tasse est blanche."),
    (A(P("3sg_f"), "old"), "Elle est vieille."),
    (A(P("3pl"), "old"), "Ils sont vieux."),
    (A(N("car", "pl"), "beautiful"), "Les voitures sont belles."),
    (A(N("school"), "new", negated=True), "L'école n'est pas nouvelle."),
    (A(N("bird"), "green", question=True), "Est-ce que l'oiseau est vert ?"),
    # prepositions + place, à côté du / de la / de l'
    (L(N("cat"), "next_to", N("bed")), "Le chat est à côté du lit."),
    (L(N("dog"), "next_to", N("house")), "Le chien est à côté de la maison."),
    (L(P("1pl"), "next_to", N("school")), "Nous sommes à côté de l'école."),
    (L(N("key"), "next_to", N("bed", adjective="small")), "La clé est à côté du petit lit."),
    (L(N("cup", "pl"), "on", N("table", adjective="old")), "Les tasses sont sur la vieille table."),
    (L(P("2sg"), "in", N("garden"), negated=True), "Tu n'es pas dans le jardin."),
    (L(N("ball"), "under", N("car", adjective="black")), "Le ballon est sous la voiture noire."),
    # indefinite located subjects: il y a
    (L(N("cat", definite=False), "in", N("kitchen")), "Il y a un chat dans la cuisine."),
    (L(N("cat", definite=False), "under", N("table"), negated=True), "Il n'y a pas de chat sous la table."),
    (L(N("mouse", "pl", False), "in", N("box"), question=True), "Est-ce qu'il y a des souris dans la boîte ?"),
    # questions (est-ce que) and where-questions (inversion with pronouns)
    (T(N("cat"), "see", N("dog"), question=True), "Est-ce que le chat voit le chien ?"),
    (T(N("bird", definite=False), "eat", N("egg"), question=True), "Est-ce qu'un oiseau mange l'œuf ?"),
    (L(P("3sg_m"), "in", N("kitchen"), question=True), "Est-ce qu'il est dans la cuisine ?"),
    (L(P("1sg"), "on", N("chair"), question=True), "Est-ce que je suis sur la chaise ?"),
    (W(N("girl", "pl")), "Où sont les filles ?"),
    (W(N("man", adjective="old")), "Où est le vieil homme ?"),
    (W(P("3sg_f")), "Où est-elle ?"),
    (W(P("1sg")), "Où suis-je ?"),
    (W(P("1pl")), "Où sommes-nous ?"),
    # word choice: old boy/girl (not vieille fille)
    (A(N("girl"), "old"), "La fille est âgée."),
]

FR_PRONOUNS = {"1sg": "Je vois le chat.", "2sg": "Tu vois le chat.", "3sg_m": "Il voit le chat.",
               "3sg_f": "Elle voit le chat.", "1pl": "Nous voyons le chat.", "3pl": "Ils voient le chat."}


@pytest.mark.parametrize("frame,expected", FR_CASES)
def test_french(frame, expected):
    assert fr.realize(frame).text == expected
    assert fr.realize(frame).speech == expected


@pytest.mark.parametrize("pronoun", list(FR_PRONOUNS))
def test_french_pronoun_agreement(pronoun):
    assert fr.realize(T(P(pronoun), "see", N("cat"))).text == FR_PRONOUNS[pronoun]


def test_french_contractions():
    assert fr.finish(["à", "le", "jardin"]) == "au jardin"
    assert fr.finish(["à", "les", "écoles"]) == "aux écoles"
    assert fr.finish(["de", "les", "chats"]) == "des chats"
    assert fr.finish(["de", "le", "lit"]) == "du lit"
    assert fr.finish(["à", "le", "homme"]) == "à l'homme"
    assert fr.finish(["de", "le", "œuf"]) == "de l'œuf"
    assert fr.finish(["il", "ne", "y", "a", "pas", "de", "eau"]) == "il n'y a pas d'eau"


# --------------------------------------------------------------------------------------------
# Catalan

CA_CASES = [
    # articles el/la/l'/els/les, un/una/uns/unes
    (T(N("cat"), "see", N("girl")), "El gat veu la noia."),
    (T(N("man"), "wash", N("cup")), "L'home renta la tassa."),
    (T(N("child"), "eat", N("egg")), "L'infant menja l'ou."),
    (T(N("dog", "pl"), "eat", N("apple", "pl")), "Els gossos mengen les pomes."),
    (T(N("boy", definite=False), "have", N("key", definite=False)), "Un noi té una clau."),
    (T(N("boy", "pl", False), "buy", N("cake", "pl", False)), "Uns nois compren pastissos."),
    (T(N("girl", "pl", False), "see", N("horse")), "Unes noies veuen el cavall."),
    # contractions al/del, blocked by elision
    (L(N("cat"), "in", N("garden")), "El gat és al jardí."),
    (L(N("cat"), "next_to", N("bed")), "El gat és al costat del llit."),
    (L(N("dog"), "next_to", N("school")), "El gos és al costat de l'escola."),
    (L(N("dog"), "next_to", N("house", adjective="old")), "El gos és al costat de la casa vella."),
    (L(P("1sg"), "in", N("school")), "Soc a l'escola."),
    (L(N("key", "pl"), "in", N("box")), "Les claus són dins de la caixa."),
    (L(N("ball"), "on", N("car", adjective="new")), "La pilota és sobre el cotxe nou."),
    (L(N("mouse"), "under", N("table")), "El ratolí és sota la taula."),
    # adjective agreement (attributive, after the noun; predicative)
    (A(N("house"), "new"), "La casa és nova."),
    (A(N("car", "pl"), "new"), "Els cotxes són nous."),
    (A(N("apple", "pl"), "red"), "Les pomes són vermelles."),
    (A(N("key", "pl"), "new"), "Les claus són noves."),
    (A(P("3sg_f"), "old"), "És vella."),
    (A(P("3sg_m"), "old"), "És vell."),
    (A(P("3pl"), "beautiful"), "Són bonics."),
    (T(N("woman"), "have", N("cup", definite=False, adjective="white")), "La dona té una tassa blanca."),
    (T(N("woman"), "buy", N("cup", "pl", adjective="white")), "La dona compra les tasses blanques."),
    (T(N("cat", adjective="black"), "see", N("ball", adjective="black")), "El gat negre veu la pilota negra."),
    (T(N("man", adjective="old"), "read", N("book", adjective="old")), "L'home vell llegeix el llibre vell."),
    (T(N("child"), "find", N("ball", "pl", False, adjective="small")), "L'infant troba pilotes petites."),
    # numerals dos/dues
    (T(N("girl", count=2), "have", N("dog", count=2)), "Dues noies tenen dos gossos."),
    (T(P("1pl"), "have", N("box", count=2, adjective="big")), "Tenim dues caixes grans."),
    (T(P("2sg"), "write", N("letter", count=10)), "Escrius deu cartes."),
    # negation with no (cap for a negated indefinite singular), pro-drop
    (T(N("boy"), "eat", N("apple", definite=False), negated=True), "El noi no menja cap poma."),
    (T(P("1sg"), "drink", N("water", definite=False), negated=True), "No bec aigua."),
    (T(P("3sg_m"), "see", N("dog"), negated=True), "Ell no veu el gos."),
    (L(N("cat"), "under", N("bed"), negated=True), "El gat no és sota el llit."),
    (A(N("car"), "red", negated=True), "El cotxe no és vermell."),
    # drinks: bare noun
    (T(N("child"), "drink", N("milk", definite=False)), "L'infant beu llet."),
    (T(P("2sg"), "want", N("coffee", definite=False)), "Vols cafè."),
    (T(P("1sg"), "drink", N("water")), "Bec l'aigua."),
    # hi ha for indefinite located subjects
    (L(N("cat", definite=False), "in", N("kitchen")), "Hi ha un gat a la cuina."),
    (L(N("cat", definite=False), "under", N("table"), negated=True), "No hi ha cap gat sota la taula."),
    (L(N("mouse", "pl", False), "in", N("box"), question=True), "Hi ha ratolins dins de la caixa?"),
    # questions (intonation) and where-questions
    (T(N("cat"), "see", N("dog"), question=True), "El gat veu el gos?"),
    (L(P("2sg"), "in", N("kitchen"), question=True), "Ets a la cuina?"),
    (A(N("egg"), "white", question=True), "L'ou és blanc?"),
    (W(N("girl", "pl")), "On són les noies?"),
    (W(P("3sg_f")), "On és ella?"),
    (W(P("1sg")), "On soc?"),
]

CA_PRONOUNS = {"1sg": "Veig el gat.", "2sg": "Veus el gat.", "3sg_m": "Ell veu el gat.",
               "3sg_f": "Ella veu el gat.", "1pl": "Veiem el gat.", "3pl": "Veuen el gat."}


@pytest.mark.parametrize("frame,expected", CA_CASES)
def test_catalan(frame, expected):
    assert ca.realize(frame).text == expected
    assert ca.realize(frame).speech == expected


@pytest.mark.parametrize("pronoun", list(CA_PRONOUNS))
def test_catalan_pronoun_agreement(pronoun):
    assert ca.realize(T(P(pronoun), "see", N("cat"))).text == CA_PRONOUNS[pronoun]


def test_catalan_contractions():
    assert ca.finish(["per", "el", "jardí"]) == "pel jardí"
    assert ca.finish(["per", "els", "jardins"]) == "pels jardins"
    assert ca.finish(["de", "els", "nois"]) == "dels nois"
    assert ca.finish(["a", "els", "homes"]) == "als homes"
    assert ca.finish(["a", "el", "home"]) == "a l'home"
    assert ca.finish(["de", "el", "ocell"]) == "de l'ocell"
    assert ca.finish(["al", "costat", "de", "un", "cotxe"]) == "al costat d'un cotxe"


# --------------------------------------------------------------------------------------------
# coverage and every sampled frame


@pytest.mark.parametrize("mod", [fr, ca], ids=["fr", "ca"])
def test_tables_cover_lexicon(mod):
    check_lexicon_coverage(mod)


def latin1_capital(frame, r):
    """The sentence opens with A-Z or a Latin-1 capital (À-Ý)."""
    return re.match(r"[A-ZÀ-Ý]", r.text)


#: French writes a space before "?"; "Il n'y a pas de souris sous la voiture." is one text for
#: one mouse and for mice, so French texts are all but distinct.
RULES = {"fr": dict(ends=(".", " ?"), distinct=0.999, extra_checks=[latin1_capital]),
         "ca": dict(ends=(".", "?"), distinct=True, extra_checks=[latin1_capital])}


@pytest.mark.parametrize("mod", [fr, ca], ids=["fr", "ca"])
def test_smoke_all_frames(mod):
    check_renders_cleanly(mod.realize, mod.LANG, **RULES[mod.LANG])


CAT_SEES_DOG = T(N("cat"), "see", N("dog"))

BROKEN = [  # frame, text, speech (None: the text), the check that must fail
    (CAT_SEES_DOG, "Le  chat voit le chien.", None, "bad characters or spaces"),
    (CAT_SEES_DOG, "Le chat voit 2 chiens.", None, "bad characters or spaces"),
    (CAT_SEES_DOG, "Le {chat} voit le chien.", None, "bad characters or spaces"),
    (CAT_SEES_DOG, "Le chat voit None.", None, "bad characters or spaces"),
    (CAT_SEES_DOG, "Le chat voit le chien. ", None, "bad characters or spaces"),
    (CAT_SEES_DOG, "Le chat voit le chien", None, "final '.'"),
    (T(N("cat"), "see", N("dog"), question=True), "Est-ce que le chat voit le chien?", None, "final ' ?'"),
    (CAT_SEES_DOG, "Le chat voit le chien ?", None, "final '.'"),
    (CAT_SEES_DOG, "Le chat voit le chien .", None, "words"),
    (CAT_SEES_DOG, "Le chat voit. Le chien.", None, "words"),
    (CAT_SEES_DOG, "Le chat voit le chien, .", None, "words"),
    (CAT_SEES_DOG, "le chat voit le chien.", None, "capital"),
    (CAT_SEES_DOG, "Œ chat voit le chien.", None, "latin1_capital"),
    (CAT_SEES_DOG, "Le chat voit le chien.", "Le chat voit le chat.", "speech == text"),
]


@pytest.mark.parametrize("frame,text,speech,check", BROKEN, ids=[f"{c}: {t}" for _, t, _, c in BROKEN])
def test_smoke_check_catches_problems(frame, text, speech, check):
    def broken(_):
        return Realization(text, text if speech is None else speech)
    assert render_problems(fr.realize, [[frame]], **RULES["fr"]) == []
    assert check in {c for c, _, _ in render_problems(broken, [[frame]], **RULES["fr"])}


def test_smoke_check_catches_exceptions_nondeterminism_and_merged_meanings():
    frames = [CAT_SEES_DOG, T(N("dog"), "see", N("cat"))]

    def failing(frame):
        raise KeyError(frame.subject.noun)

    calls = []

    def flaky(frame):
        calls.append(frame)
        text = f"Le chat voit {'le' if len(calls) % 2 else 'un'} chien."
        return Realization(text, text)

    def constant(frame):
        return Realization("Le chat voit le chien.", "Le chat voit le chien.")

    assert {c for c, _, _ in render_problems(failing, [frames])} == {"exception"}
    assert {c for c, _, _ in render_problems(flaky, [frames], distinct=None)} == {"deterministic"}
    assert {c for c, _, _ in render_problems(constant, [frames])} == {"distinct"}
    assert {c for c, _, _ in render_problems(constant, [frames[:1], frames[1:]])} == {"distinct"}
    assert {c for c, _, _ in render_problems(constant, [frames], distinct=0.5)} == {"distinct"}
    assert render_problems(constant, [frames], distinct=0.4) == []
    assert render_problems(constant, [frames], distinct=None) == []
