"""German, Dutch and Afrikaans: exact sentences, then the shared lexicon-coverage and all-frames
checks."""

import pytest

from grammar_checks import attr, loc, n, pro, tr, where  # (puts grammar on sys.path)
from grammar_checks import check_lexicon_coverage, check_renders_cleanly

from grammar import af, de, nl


# ---------------------------------------------------------------------------------------------
# German

DE_CASES = [
    # articles, accusative, adjective declension (weak / mixed / strong)
    (tr(n("dog"), "see", n("cat")), "Der Hund sieht die Katze."),
    (tr(n("man"), "see", n("dog")), "Der Mann sieht den Hund."),
    (tr(n("man"), "buy", n("dog", definite=False)), "Der Mann kauft einen Hund."),
    (tr(n("woman"), "see", n("dog", adjective="big")), "Die Frau sieht den großen Hund."),
    (tr(n("woman"), "buy", n("dog", definite=False, adjective="black")),
     "Die Frau kauft einen schwarzen Hund."),
    (tr(n("dog", adjective="big"), "see", n("horse", definite=False, adjective="small")),
     "Der große Hund sieht ein kleines Pferd."),
    (tr(n("dog", definite=False, adjective="big"), "see", n("cat", definite=False)),
     "Ein großer Hund sieht eine Katze."),
    (tr(n("dog", "pl", definite=False, adjective="big"), "see", n("house", "pl")),
     "Große Hunde sehen die Häuser."),
    (tr(n("cat", "pl", adjective="black"), "see", n("mouse", "pl", definite=False)),
     "Die schwarzen Katzen sehen Mäuse."),
    # numerals with strong plural adjectives, plural forms
    (tr(pro("1sg"), "have", n("apple", adjective="big", count=3)), "Ich habe drei große Äpfel."),
    (tr(n("child", "pl"), "eat", n("egg", count=2)), "Die Kinder essen zwei Eier."),
    # weak masculine noun
    (tr(n("girl"), "see", n("boy")), "Das Mädchen sieht den Jungen."),
    # animals fressen
    (tr(n("mouse", "pl"), "eat", n("cake")), "Die Mäuse fressen den Kuchen."),
    # negation: kein vs nicht
    (tr(n("man"), "see", n("dog"), negated=True), "Der Mann sieht den Hund nicht."),
    (tr(n("man"), "buy", n("dog", definite=False), negated=True), "Der Mann kauft keinen Hund."),
    (tr(n("woman"), "buy", n("cup", "pl", definite=False, adjective="red"), negated=True),
     "Die Frau kauft keine roten Tassen."),
    (tr(pro("1pl"), "buy", n("book", definite=False, adjective="new"), negated=True),
     "Wir kaufen kein neues Buch."),
    (tr(pro("3pl"), "have", n("apple", adjective="green", count=4), negated=True),
     "Sie haben keine vier grünen Äpfel."),
    # mass nouns
    (tr(n("child"), "drink", n("water", definite=False)), "Das Kind trinkt Wasser."),
    (tr(n("child"), "drink", n("water", definite=False), negated=True), "Das Kind trinkt kein Wasser."),
    (tr(n("man"), "drink", n("coffee", definite=False), negated=True), "Der Mann trinkt keinen Kaffee."),
    (tr(n("cat"), "drink", n("milk"), negated=True), "Die Katze trinkt die Milch nicht."),
    # verb-first questions, pronoun agreement
    (tr(n("dog"), "see", n("cat"), question=True), "Sieht der Hund die Katze?"),
    (tr(pro("2sg"), "wash", n("car"), question=True), "Wäschst du das Auto?"),
    (tr(pro("2sg"), "want", n("apple", definite=False)), "Du willst einen Apfel."),
    (tr(pro("3sg_m"), "read", n("letter", "pl", definite=False)), "Er liest Briefe."),
    (tr(pro("3sg_f"), "open", n("box")), "Sie öffnet die Kiste."),
    # attribute (predicative adjective uninflected)
    (attr(n("house", "pl"), "big"), "Die Häuser sind groß."),
    (attr(n("dog"), "black", negated=True), "Der Hund ist nicht schwarz."),
    (attr(pro("3sg_f"), "old", question=True), "Ist sie alt?"),
    # location: dative after prepositions, im contraction
    (loc(n("cat"), "in", n("kitchen")), "Die Katze ist in der Küche."),
    (loc(n("key"), "on", n("table")), "Der Schlüssel ist auf dem Tisch."),
    (loc(n("dog"), "in", n("garden")), "Der Hund ist im Garten."),
    (loc(pro("1sg"), "in", n("house", adjective="big")), "Ich bin im großen Haus."),
    (loc(n("ball"), "under", n("bed", adjective="old"), negated=True),
     "Der Ball ist nicht unter dem alten Bett."),
    (loc(n("boy", "pl"), "next_to", n("house"), question=True), "Sind die Jungen neben dem Haus?"),
    (loc(n("cup"), "next_to", n("box")), "Die Tasse ist neben der Kiste."),
    # indefinite location subject: place first
    (loc(n("dog", definite=False), "in", n("garden")), "Im Garten ist ein Hund."),
    (loc(n("apple", count=3), "on", n("table")), "Auf dem Tisch sind drei Äpfel."),
    (loc(n("cat", definite=False), "in", n("kitchen"), negated=True), "In der Küche ist keine Katze."),
    # where-questions
    (where(n("cat", "pl")), "Wo sind die Katzen?"),
    (where(pro("2sg")), "Wo bist du?"),
]


@pytest.mark.parametrize("frame, expected", DE_CASES)
def test_de(frame, expected):
    assert de.realize(frame).text == expected
    assert de.realize(frame).speech == expected


# ---------------------------------------------------------------------------------------------
# Dutch

NL_CASES = [
    (tr(n("dog"), "see", n("cat")), "De hond ziet de kat."),
    (tr(n("man"), "buy", n("house", definite=False, adjective="big")), "De man koopt een groot huis."),
    (tr(n("man"), "see", n("house", adjective="big")), "De man ziet het grote huis."),
    (tr(n("man"), "see", n("dog", adjective="big")), "De man ziet de grote hond."),
    (tr(n("woman"), "buy", n("dog", definite=False, adjective="white")), "De vrouw koopt een witte hond."),
    (tr(n("child", "pl"), "see", n("house", "pl", definite=False, adjective="big")),
     "De kinderen zien grote huizen."),
    (tr(n("girl"), "eat", n("egg", count=3)), "Het meisje eet drie eieren."),
    # negation: geen vs niet
    (tr(n("dog"), "see", n("cat"), negated=True), "De hond ziet de kat niet."),
    (tr(n("man"), "buy", n("house", definite=False, adjective="new"), negated=True),
     "De man koopt geen nieuw huis."),
    (tr(n("man"), "read", n("book", "pl", definite=False), negated=True), "De man leest geen boeken."),
    (tr(n("child"), "drink", n("milk", definite=False), negated=True), "Het kind drinkt geen melk."),
    (tr(n("child"), "drink", n("water", definite=False)), "Het kind drinkt water."),
    (tr(n("child"), "drink", n("water"), negated=True), "Het kind drinkt het water niet."),
    # questions: verb-first, jij loses -t under inversion
    (tr(n("dog"), "see", n("cat"), question=True), "Ziet de hond de kat?"),
    (tr(pro("2sg"), "see", n("dog"), question=True), "Zie jij de hond?"),
    (tr(pro("2sg"), "see", n("dog")), "Jij ziet de hond."),
    (tr(pro("2sg"), "have", n("key", definite=False), question=True), "Heb jij een sleutel?"),
    (tr(pro("2sg"), "find", n("key")), "Jij vindt de sleutel."),
    (tr(pro("3sg_m"), "have", n("horse", definite=False)), "Hij heeft een paard."),
    (tr(pro("1pl"), "write", n("letter", "pl", definite=False)), "Wij schrijven brieven."),
    (tr(pro("3pl"), "want", n("cake", definite=False, adjective="small")), "Zij willen een kleine taart."),
    # attribute
    (attr(n("house", "pl"), "big"), "De huizen zijn groot."),
    (attr(n("horse"), "beautiful", question=True), "Is het paard mooi?"),
    (attr(pro("3sg_f"), "old", negated=True), "Zij is niet oud."),
    # location: in/op/onder/naast
    (loc(n("cat"), "in", n("kitchen")), "De kat is in de keuken."),
    (loc(n("book"), "on", n("table", adjective="old")), "Het boek is op de oude tafel."),
    (loc(n("ball"), "under", n("bed"), negated=True), "De bal is niet onder het bed."),
    (loc(n("child"), "next_to", n("house", adjective="new"), question=True),
     "Is het kind naast het nieuwe huis?"),
    (loc(pro("2sg"), "in", n("garden"), question=True), "Ben jij in de tuin?"),
    (loc(pro("2sg"), "in", n("garden")), "Jij bent in de tuin."),
    # existential er with indefinite subjects
    (loc(n("cat", definite=False), "in", n("kitchen")), "Er is een kat in de keuken."),
    (loc(n("apple", count=4), "on", n("table")), "Er zijn vier appels op de tafel."),
    (loc(n("dog", "pl", definite=False), "in", n("garden"), negated=True), "Er zijn geen honden in de tuin."),
    (loc(n("dog", definite=False), "in", n("car"), question=True), "Is er een hond in de auto?"),
    # where
    (where(n("car", "pl", adjective="red")), "Waar zijn de rode auto's?"),
    (where(pro("2sg")), "Waar ben jij?"),
]


@pytest.mark.parametrize("frame, expected", NL_CASES)
def test_nl(frame, expected):
    assert nl.realize(frame).text == expected


# ---------------------------------------------------------------------------------------------
# Afrikaans

AF_CASES = [
    (tr(n("cat"), "see", n("dog")), "Die kat sien die hond."),
    (tr(n("man"), "buy", n("house", definite=False, adjective="big")), "Die man koop 'n groot huis."),
    (tr(n("man"), "see", n("house", adjective="big")), "Die man sien die groot huis."),
    (tr(n("woman"), "see", n("dog", adjective="black")), "Die vrou sien die swart hond."),
    (tr(n("woman"), "have", n("car", definite=False, adjective="new")), "Die vrou het 'n nuwe motor."),
    (tr(n("child", "pl", adjective="small"), "see", n("horse", adjective="old")),
     "Die klein kinders sien die ou perd."),
    # sentence-initial 'n
    (tr(n("dog", definite=False), "find", n("ball")), "'n Hond vind die bal."),
    # plurals, numerals
    (tr(n("child", "pl"), "eat", n("egg", count=5)), "Die kinders eet vyf eiers."),
    (tr(pro("1pl"), "read", n("letter", "pl", definite=False)), "Ons lees briewe."),
    # invariant verbs, pronouns
    (tr(pro("1sg"), "have", n("dog", definite=False)), "Ek het 'n hond."),
    (tr(pro("3sg_f"), "have", n("dog", definite=False)), "Sy het 'n hond."),
    (tr(pro("3pl"), "write", n("book")), "Hulle skryf die boek."),
    # split verbs
    (tr(pro("2sg"), "want", n("apple", definite=False)), "Jy wil 'n appel hê."),
    (tr(n("woman"), "open", n("box")), "Die vrou maak die boks oop."),
    # double negation
    (tr(n("cat"), "see", n("dog"), negated=True), "Die kat sien nie die hond nie."),
    (tr(n("man"), "buy", n("car", definite=False), negated=True), "Die man koop nie 'n motor nie."),
    (tr(n("child"), "drink", n("milk", definite=False), negated=True), "Die kind drink nie melk nie."),
    (tr(pro("1sg"), "want", n("coffee", definite=False), negated=True), "Ek wil nie koffie hê nie."),
    # questions
    (tr(n("cat"), "see", n("dog"), question=True), "Sien die kat die hond?"),
    (tr(pro("2sg"), "drink", n("water"), question=True), "Drink jy die water?"),
    (tr(n("man"), "open", n("letter", "pl"), question=True), "Maak die man die briewe oop?"),
    # attribute: 'is' for every person, predicative nuut/oud
    (attr(n("house", "pl"), "new"), "Die huise is nuut."),
    (attr(pro("3pl"), "old", negated=True), "Hulle is nie oud nie."),
    (attr(n("dog"), "big", question=True), "Is die hond groot?"),
    # location: in/op/onder/langs
    (loc(pro("1sg"), "in", n("kitchen")), "Ek is in die kombuis."),
    (loc(n("key"), "on", n("table", adjective="new")), "Die sleutel is op die nuwe tafel."),
    (loc(n("cat"), "under", n("bed"), negated=True), "Die kat is nie onder die bed nie."),
    (loc(n("boy", "pl"), "next_to", n("school"), question=True), "Is die seuns langs die skool?"),
    (loc(n("cat", definite=False), "in", n("kitchen")), "Daar is 'n kat in die kombuis."),
    (loc(n("mouse", count=2), "in", n("box"), negated=True), "Daar is nie twee muise in die boks nie."),
    # where
    (where(pro("2sg")), "Waar is jy?"),
    (where(n("bed", "pl")), "Waar is die beddens?"),
]


@pytest.mark.parametrize("frame, expected", AF_CASES)
def test_af(frame, expected):
    assert af.realize(frame).text == expected


# ---------------------------------------------------------------------------------------------
# coverage and smoke tests

@pytest.mark.parametrize("mod", [de, nl, af], ids=["de", "nl", "af"])
def test_tables_cover_lexicon(mod):
    check_lexicon_coverage(mod)


@pytest.mark.parametrize("mod", [de, nl, af], ids=["de", "nl", "af"])
def test_smoke_20000(mod):
    # a sentence-initial Afrikaans 'n stays lower case: "'n Kat sien die hond."
    check_renders_cleanly(mod.realize, mod.LANG, capital_after="'n " if mod is af else "")
