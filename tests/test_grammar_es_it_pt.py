"""Spanish, Italian and Portuguese: exact sentences, then the shared lexicon-coverage and
all-frames checks."""

import pytest

from grammar_checks import attr, loc, pro, tr, where, words  # (puts grammar on sys.path)
from grammar_checks import check_lexicon_coverage, check_renders_cleanly

from grammar import es, it, pt
from grammar.frames import NP


def indef(noun, number="sg", **kw):
    return NP(noun, number=number, definite=False, **kw)


def count(noun, n, **kw):
    return NP(noun, number="pl", definite=False, count=n, **kw)


# ---------------------------------------------------------------------------------------------
# Spanish

ES_CASES = [
    # articles el/la/los/las/un/una, postnominal adjective agreement
    (tr(NP("girl"), "wash", NP("ball", number="pl", adjective="big")), "La chica lava las pelotas grandes."),
    (tr(indef("woman"), "read", indef("letter", adjective="white")), "Una mujer lee una carta blanca."),
    # unos/unas for preverbal indefinite plural subjects; bare indefinite plural objects
    (tr(indef("boy", "pl", adjective="old"), "open", count("book", 4), negated=True),
     "Unos chicos viejos no abren cuatro libros."),
    (tr(indef("girl", "pl"), "buy", indef("apple", "pl", adjective="red")), "Unas chicas compran manzanas rojas."),
    # personal a + contraction al; a before definite animals and humans, not with tener/comprar
    (tr(NP("child"), "see", NP("dog")), "El niño ve al perro."),
    (tr(NP("child"), "see", NP("girl", number="pl")), "El niño ve a las chicas."),
    (tr(NP("man"), "see", indef("woman")), "El hombre ve a una mujer."),
    (tr(NP("man"), "see", indef("cat")), "El hombre ve un gato."),
    (tr(NP("man"), "have", NP("dog")), "El hombre tiene el perro."),
    # pro-drop of 1st/2nd person, 3rd person pronouns kept; subject-verb agreement
    (tr(pro("1sg"), "find", count("key", 2)), "Encuentro dos llaves."),
    (tr(pro("2sg"), "eat", NP("cake")), "Comes el pastel."),
    (tr(pro("1pl"), "write", indef("letter", "pl")), "Escribimos cartas."),
    (tr(pro("3sg_f"), "have", NP("key", adjective="green")), "Ella tiene la llave verde."),
    (tr(pro("3pl"), "want", NP("book", number="pl")), "Ellos quieren los libros."),
    # mass nouns: bare when indefinite, "el agua" when definite
    (tr(NP("man"), "drink", indef("coffee")), "El hombre bebe café."),
    (tr(NP("cat", number="pl"), "drink", NP("water")), "Los gatos beben el agua."),
    (tr(NP("cat", number="pl"), "drink", indef("milk"), negated=True), "Los gatos no beben leche."),
    # questions ¿…?
    (tr(NP("girl"), "see", NP("dog", number="pl"), question=True), "¿La chica ve a los perros?"),
    (attr(NP("dog"), "small", question=True), "¿Es pequeño el perro?"),
    # ser for attributes with agreement; guapo for people
    (attr(NP("house", number="pl"), "new"), "Las casas son nuevas."),
    (attr(NP("woman"), "beautiful"), "La mujer es guapa."),
    (attr(NP("car"), "beautiful", negated=True), "El coche no es bonito."),
    (attr(pro("3sg_f"), "old"), "Ella es vieja."),
    # estar for location, del, al lado de, debajo de, sobre
    (loc(NP("key"), "under", NP("table", adjective="old")), "La llave está debajo de la mesa vieja."),
    (loc(NP("cat", adjective="black"), "next_to", NP("car")), "El gato negro está al lado del coche."),
    (loc(pro("1pl"), "in", NP("garden"), negated=True), "No estamos en el jardín."),
    (loc(NP("letter"), "on", NP("box"), question=True), "¿Está la carta sobre la caja?"),
    # hay for indefinite things somewhere
    (loc(indef("cat"), "in", NP("kitchen")), "Hay un gato en la cocina."),
    (loc(count("apple", 2), "next_to", NP("bed"), question=True), "¿Hay dos manzanas al lado de la cama?"),
    # where-questions
    (where(NP("boy", number="pl", adjective="beautiful")), "¿Dónde están los chicos guapos?"),
    (where(pro("1sg")), "¿Dónde estoy?"),
    (where(pro("3sg_m")), "¿Dónde está él?"),
]

# ---------------------------------------------------------------------------------------------
# Italian

IT_CASES = [
    # il/lo/l'/la/i/gli/le, un/una, adjective agreement
    (tr(NP("man"), "open", indef("car")), "L'uomo apre una macchina."),
    (tr(NP("bird", number="pl"), "see", NP("mouse", number="pl")), "Gli uccelli vedono i topi."),
    (tr(NP("girl"), "wash", NP("ball", number="pl", adjective="white")), "La ragazza lava le palle bianche."),
    (tr(indef("child"), "write", count("letter", 10, adjective="black")), "Un bambino scrive dieci lettere nere."),
    # uovo -> uova (feminine plural)
    (tr(NP("cat", number="pl"), "eat", NP("egg", number="pl", adjective="white")), "I gatti mangiano le uova bianche."),
    (attr(NP("egg"), "small"), "L'uovo è piccolo."),
    # dei/degli/delle for preverbal indefinite plural subjects
    (tr(indef("boy", "pl", adjective="old"), "open", count("book", 4), negated=True),
     "Dei ragazzi vecchi non aprono quattro libri."),
    # partitive for indefinite drinks (dropped under negation)
    (tr(NP("child"), "drink", indef("coffee")), "Il bambino beve del caffè."),
    (tr(pro("1sg"), "want", indef("water")), "Voglio dell'acqua."),
    (tr(NP("woman"), "drink", indef("water"), negated=True), "La donna non beve acqua."),
    (tr(NP("woman"), "drink", NP("water")), "La donna beve l'acqua."),
    # prenominal bello: bel, bell', bei, begli, bella
    (tr(indef("dog", adjective="beautiful"), "find", NP("bird", adjective="beautiful")),
     "Un bel cane trova il bell'uccello."),
    (where(NP("man", number="pl", adjective="beautiful")), "Dove sono i begli uomini?"),
    (tr(pro("1pl"), "buy", count("horse", 3, adjective="beautiful")), "Compriamo tre bei cavalli."),
    (attr(NP("house"), "beautiful"), "La casa è bella."),
    (attr(pro("3pl"), "beautiful", negated=True), "Loro non sono belli."),
    # pro-drop, agreement, non + verb, questions by intonation
    (tr(pro("2sg"), "have", count("chair", 7)), "Hai sette sedie."),
    (tr(pro("3sg_f"), "read", NP("book"), negated=True), "Lei non legge il libro."),
    (tr(NP("girl"), "see", NP("dog", number="pl"), question=True), "La ragazza vede i cani?"),
    (attr(NP("dog"), "small", question=True), "Il cane è piccolo?"),
    (attr(NP("bed", number="pl"), "red"), "I letti sono rossi."),
    # articulated prepositions, bare "in cucina"
    (loc(NP("cat", adjective="black"), "on", NP("chair", adjective="small"), negated=True),
     "Il gatto nero non è sulla sedia piccola."),
    (loc(NP("letter"), "on", NP("table")), "La lettera è sul tavolo."),
    (loc(NP("key"), "under", NP("bed")), "La chiave è sotto il letto."),
    (loc(NP("child"), "next_to", NP("house")), "Il bambino è accanto alla casa."),
    (loc(NP("child"), "next_to", NP("table")), "Il bambino è accanto al tavolo."),
    (loc(NP("ball"), "in", NP("box")), "La palla è nella scatola."),
    (loc(NP("bird", number="pl"), "in", NP("garden", adjective="green"), question=True), "Gli uccelli sono nel giardino verde?"),
    (loc(pro("1sg"), "in", NP("kitchen"), question=True), "Sono in cucina?"),
    (loc(pro("3pl"), "in", NP("school")), "Loro sono a scuola."),
    # c'è / ci sono
    (loc(indef("cat"), "in", NP("kitchen")), "C'è un gatto in cucina."),
    (loc(indef("egg", "pl"), "on", NP("table"), question=True), "Ci sono delle uova sul tavolo?"),
    (loc(indef("egg", "pl"), "on", NP("table", adjective="beautiful"), negated=True),
     "Non ci sono uova sul bel tavolo."),
    # where
    (where(NP("cat")), "Dov'è il gatto?"),
    (where(pro("3sg_m")), "Dov'è lui?"),
    (where(pro("1pl")), "Dove siamo?"),
]

# ---------------------------------------------------------------------------------------------
# Portuguese (European)

PT_CASES = [
    # o/a/os/as/um/uma, adjective agreement, feminine "criança"
    (tr(NP("girl"), "wash", NP("ball", number="pl", adjective="big")), "A menina lava as bolas grandes."),
    (tr(indef("child"), "see", indef("book")), "Uma criança vê um livro."),
    (tr(NP("child", adjective="old"), "read", NP("book")), "A criança velha lê o livro."),
    (tr(NP("dog", number="pl"), "find", indef("mouse", adjective="white")), "Os cães encontram um rato branco."),
    # uns/umas for preverbal indefinite plural subjects, bare plural objects
    (tr(indef("boy", "pl", adjective="old"), "open", count("book", 4), negated=True),
     "Uns meninos velhos não abrem quatro livros."),
    (tr(indef("woman", "pl"), "buy", indef("cup", "pl", adjective="red")), "Umas mulheres compram chávenas vermelhas."),
    # numerals: dois/duas
    (tr(count("girl", 2), "have", indef("ball")), "Duas meninas têm uma bola."),
    (tr(pro("1pl"), "find", count("car", 2)), "Encontramos dois carros."),
    # pro-drop and agreement
    (tr(pro("2sg"), "read", NP("book")), "Lês o livro."),
    (tr(pro("1sg"), "want", NP("apple", number="pl")), "Quero as maçãs."),
    (tr(pro("3pl"), "see", NP("horse")), "Eles veem o cavalo."),
    (tr(pro("3sg_f"), "have", NP("key", adjective="green")), "Ela tem a chave verde."),
    # mass nouns
    (tr(NP("man"), "drink", indef("coffee")), "O homem bebe café."),
    (tr(NP("woman"), "drink", NP("water"), negated=True), "A mulher não bebe a água."),
    # questions by intonation
    (tr(NP("girl"), "see", NP("dog", number="pl"), question=True), "A menina vê os cães?"),
    (attr(NP("dog"), "small", question=True), "O cão é pequeno?"),
    # ser + agreement
    (attr(NP("bed", number="pl"), "new"), "As camas são novas."),
    (attr(pro("3sg_m"), "old", negated=True), "Ele não é velho."),
    (attr(NP("egg", number="pl"), "white"), "Os ovos são brancos."),
    # estar + contractions no/na/do/da/ao
    (loc(NP("cat"), "in", NP("kitchen")), "O gato está na cozinha."),
    (loc(pro("1sg"), "in", NP("garden"), question=True), "Estou no jardim?"),
    (loc(NP("bird", number="pl"), "in", NP("car", adjective="red")), "Os pássaros estão no carro vermelho."),
    (loc(NP("cup"), "on", NP("table")), "A chávena está em cima da mesa."),
    (loc(pro("1pl"), "under", NP("car"), negated=True), "Não estamos debaixo do carro."),
    (loc(pro("3sg_m"), "next_to", NP("house", adjective="new")), "Ele está ao lado da casa nova."),
    # há for indefinite things somewhere
    (loc(indef("cat"), "in", NP("kitchen")), "Há um gato na cozinha."),
    (loc(count("apple", 2), "next_to", NP("bed"), negated=True), "Não há duas maçãs ao lado da cama."),
    # where
    (where(NP("cat", number="pl")), "Onde estão os gatos?"),
    (where(pro("2sg")), "Onde estás?"),
]


@pytest.mark.parametrize("frame,expected", ES_CASES, ids=[e for _, e in ES_CASES])
def test_spanish(frame, expected):
    assert es.realize(frame).text == expected
    assert es.realize(frame).speech == expected


@pytest.mark.parametrize("frame,expected", IT_CASES, ids=[e for _, e in IT_CASES])
def test_italian(frame, expected):
    assert it.realize(frame).text == expected


@pytest.mark.parametrize("frame,expected", PT_CASES, ids=[e for _, e in PT_CASES])
def test_portuguese(frame, expected):
    assert pt.realize(frame).text == expected


@pytest.mark.parametrize("mod", [es, it, pt], ids=lambda m: m.LANG)
def test_tables_cover_lexicon(mod):
    check_lexicon_coverage(mod)


def inverted_question_mark(frame, r):
    """A Spanish sentence opens with ¿ exactly when it is a question."""
    return r.text.startswith("¿") == frame.question


RULES = {"es": dict(body="¿?" + words(), capital_after="¿", extra_checks=[inverted_question_mark])}


@pytest.mark.parametrize("mod", [es, it, pt], ids=lambda m: m.LANG)
def test_smoke_all_sampled_frames(mod):
    """Every frame the sampler can draw renders, deterministically and cleanly, and distinct meanings
    stay distinct."""
    check_renders_cleanly(mod.realize, mod.LANG, **RULES.get(mod.LANG, {}))
