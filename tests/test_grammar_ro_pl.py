"""Romanian and Polish: exact sentences, then the shared lexicon-coverage and all-frames checks."""

import pytest

from grammar_checks import attr, loc, n, pro, tr, where, words  # (puts grammar on sys.path)
from grammar_checks import check_lexicon_coverage, check_renders_cleanly

from grammar import lexicon, pl, ro


RO_CASES = [
    # enclitic definite article, indefinite un/o, adjective after the noun with agreement
    (tr(n("cat", adjective="black"), "eat", n("apple", definite=False)), "Pisica neagră mănâncă un măr."),
    (tr(n("dog"), "find", n("ball", definite=False, adjective="red")), "Câinele găsește o minge roșie."),
    (tr(n("boy", "pl"), "eat", n("apple", "pl")), "Băieții mănâncă merele."),
    (tr(n("girl", "pl"), "read", n("letter", "pl", definite=False)), "Fetele citesc niște scrisori."),
    (tr(n("dog", "pl", definite=False, adjective="black"), "see", n("cake")),
     "Niște câini negri văd prăjitura."),
    # neuter: masculine agreement in the singular, feminine in the plural, două
    (tr(n("man"), "buy", n("egg", adjective="white")), "Bărbatul cumpără oul alb."),
    (tr(n("man"), "buy", n("egg", "pl", adjective="white")), "Bărbatul cumpără ouăle albe."),
    (tr(n("child", count=2), "eat", n("apple", count=2, adjective="red")),
     "Doi copii mănâncă două mere roșii."),
    (tr(n("woman", count=3), "wash", n("chair", count=10)), "Trei femei spală zece scaune."),
    # preposed adjective carries the article
    (tr(n("girl"), "open", n("car", adjective="new")), "Fata deschide noua mașină."),
    (where(n("chair", "pl", adjective="new")), "Unde sunt noile scaune?"),
    # pe + clitic doubling with definite human/animal objects, negation nu-l
    (tr(n("cat"), "see", n("boy")), "Pisica îl vede pe băiat."),
    (tr(pro("1sg"), "wash", n("dog", adjective="black")), "Îl spăl pe câinele negru."),
    (tr(n("girl"), "see", n("cat", "pl"), question=True), "Fata le vede pe pisici?"),
    (tr(n("girl"), "see", n("boy"), negated=True), "Fata nu-l vede pe băiat."),
    (tr(pro("2sg"), "find", n("mouse", "pl"), negated=True), "Nu-i găsești pe șoareci."),
    (tr(n("man"), "see", n("woman", definite=False)), "Bărbatul vede o femeie."),
    (tr(n("woman"), "buy", n("horse")), "Femeia cumpără calul."),
    # pro-drop (1st/2nd person), overt 3rd person, verb agreement
    (tr(pro("1pl"), "read", n("book")), "Citim cartea."),
    (tr(pro("3pl"), "want", n("cake", definite=False)), "Ei vor o prăjitură."),
    (tr(pro("3sg_f"), "write", n("letter", definite=False), negated=True), "Ea nu scrie nicio scrisoare."),
    # drinks: bare mass noun when indefinite, article when definite
    (tr(n("child"), "drink", n("water", definite=False)), "Copilul bea apă."),
    (tr(n("cat", "pl"), "drink", n("milk")), "Pisicile beau laptele."),
    (tr(pro("1sg"), "want", n("coffee", definite=False), question=True), "Vreau cafea?"),
    # attributes, negation, questions
    (attr(n("cat"), "black"), "Pisica este neagră."),
    (attr(n("dog", "pl"), "black", negated=True), "Câinii nu sunt negri."),
    (attr(n("house"), "old", question=True), "Casa este veche?"),
    (attr(pro("3sg_m"), "old"), "El este bătrân."),
    (attr(pro("3pl"), "beautiful"), "Ei sunt frumoși."),
    # prepositions: article dropped unless modified
    (loc(n("cat"), "in", n("kitchen")), "Pisica este în bucătărie."),
    (loc(n("key", "pl"), "on", n("table")), "Cheile sunt pe masă."),
    (loc(n("dog"), "under", n("table"), negated=True), "Câinele nu este sub masă."),
    (loc(pro("1sg"), "next_to", n("house")), "Sunt lângă casă."),
    (loc(n("book"), "on", n("table", adjective="old"), question=True), "Cartea este pe masa veche?"),
    (loc(n("girl"), "next_to", n("house", adjective="new")), "Fata este lângă noua casă."),
    # indefinite subject: place first
    (loc(n("dog", definite=False), "in", n("garden")), "În grădină este un câine."),
    (loc(n("cat", count=3), "under", n("bed")), "Sub pat sunt trei pisici."),
    (loc(n("dog", definite=False), "in", n("garden"), negated=True), "În grădină nu este niciun câine."),
    (loc(n("dog", definite=False), "in", n("garden"), question=True), "Este un câine în grădină?"),
    # where-questions
    (where(n("boy", "pl")), "Unde sunt băieții?"),
    (where(pro("1sg")), "Unde sunt?"),
    (where(pro("3pl")), "Unde sunt ei?"),
]

PL_CASES = [
    # nominative subject, accusative object: masculine animate acc = gen, inanimate acc = nom
    (tr(n("girl"), "see", n("dog")), "Dziewczynka widzi psa."),
    (tr(n("boy"), "see", n("man")), "Chłopiec widzi mężczyznę."),
    (tr(n("man"), "wash", n("table", adjective="big")), "Mężczyzna myje duży stół."),
    (tr(n("woman"), "find", n("cat", adjective="black")), "Kobieta znajduje czarnego kota."),
    (tr(n("girl"), "read", n("book", adjective="new")), "Dziewczynka czyta nową książkę."),
    (tr(n("cat", "pl"), "see", n("boy", "pl", adjective="small")), "Koty widzą małych chłopców."),
    # genitive of negation
    (tr(n("man"), "see", n("dog"), negated=True), "Mężczyzna nie widzi psa."),
    (tr(n("man"), "see", n("book", adjective="red"), negated=True), "Mężczyzna nie widzi czerwonej książki."),
    (tr(pro("3sg_m"), "drink", n("water", definite=False), negated=True), "On nie pije wody."),
    (tr(n("child"), "eat", n("apple", "pl", definite=False), negated=True), "Dziecko nie je jabłek."),
    # drinks
    (tr(n("child"), "drink", n("milk", definite=False)), "Dziecko pije mleko."),
    (tr(pro("3pl"), "want", n("coffee", definite=False)), "Oni chcą kawy."),
    # numerals: 2-4 + nom pl + plural verb, 5+ + gen pl + 3sg, dwie, virile, collective
    (tr(n("cat", count=2), "see", n("mouse")), "Dwa koty widzą mysz."),
    (tr(n("girl", count=2), "eat", n("cake", definite=False)), "Dwie dziewczynki jedzą ciastko."),
    (tr(n("dog", count=5, adjective="black"), "eat", n("egg", definite=False)),
     "Pięć czarnych psów je jajko."),
    (tr(n("boy", count=3, adjective="small"), "have", n("ball", definite=False)),
     "Trzech małych chłopców ma piłkę."),
    (tr(n("man", count=5), "buy", n("car", definite=False)), "Pięciu mężczyzn kupuje samochód."),
    (tr(n("child", count=2), "see", n("horse")), "Dwoje dzieci widzi konia."),
    (tr(n("woman"), "buy", n("apple", count=4, adjective="green")), "Kobieta kupuje cztery zielone jabłka."),
    (tr(n("woman"), "see", n("man", count=2)), "Kobieta widzi dwóch mężczyzn."),
    (tr(n("woman"), "see", n("cat", count=3), negated=True), "Kobieta nie widzi trzech kotów."),
    # pro-drop, questions with Czy
    (tr(pro("1sg"), "see", n("cat")), "Widzę kota."),
    (tr(pro("2sg"), "write", n("letter", definite=False), question=True), "Czy piszesz list?"),
    (tr(pro("1pl"), "open", n("box"), negated=True), "Nie otwieramy pudełka."),
    # attributes: virile plural vs non-virile
    (attr(n("boy", "pl"), "small"), "Chłopcy są mali."),
    (attr(n("cat", "pl"), "small"), "Koty są małe."),
    (attr(n("house"), "big", question=True), "Czy dom jest duży?"),
    (attr(n("book"), "old", negated=True), "Książka nie jest stara."),
    (attr(pro("3pl"), "old"), "Oni są starzy."),
    (attr(pro("3sg_f"), "beautiful"), "Ona jest piękna."),
    # location: locative after w/na, instrumental after pod, genitive after obok
    (loc(n("cat"), "in", n("kitchen")), "Kot jest w kuchni."),
    (loc(n("book"), "on", n("table")), "Książka jest na stole."),
    (loc(n("dog", "pl"), "under", n("table", adjective="old")), "Psy są pod starym stołem."),
    (loc(n("ball"), "next_to", n("house", adjective="new")), "Piłka jest obok nowego domu."),
    (loc(pro("1pl"), "in", n("garden", adjective="beautiful")), "Jesteśmy w pięknym ogrodzie."),
    (loc(n("boy", count=2), "in", n("school")), "W szkole jest dwóch chłopców."),
    # negated location: nie ma + genitive
    (loc(n("cat"), "in", n("kitchen"), negated=True), "Kota nie ma w kuchni."),
    (loc(pro("3sg_m"), "in", n("house"), negated=True), "Nie ma go w domu."),
    # indefinite subject: place first
    (loc(n("dog", definite=False), "in", n("garden")), "W ogrodzie jest pies."),
    (loc(n("cup", count=5), "on", n("bed")), "Na łóżku jest pięć filiżanek."),
    (loc(n("dog", definite=False), "in", n("car"), question=True), "Czy w samochodzie jest pies?"),
    (loc(n("mouse", "pl", definite=False), "under", n("bed"), negated=True), "Pod łóżkiem nie ma myszy."),
    # where-questions
    (where(n("cat")), "Gdzie jest kot?"),
    (where(n("child", "pl", adjective="small")), "Gdzie są małe dzieci?"),
    (where(pro("3sg_m")), "Gdzie on jest?"),
    (where(pro("2sg")), "Gdzie jesteś?"),
]


@pytest.mark.parametrize("frame,expected", RO_CASES, ids=[e for _, e in RO_CASES])
def test_romanian(frame, expected):
    r = ro.realize(frame)
    assert r.text == expected
    assert r.speech == r.text


@pytest.mark.parametrize("frame,expected", PL_CASES, ids=[e for _, e in PL_CASES])
def test_polish(frame, expected):
    r = pl.realize(frame)
    assert r.text == expected
    assert r.speech == r.text


@pytest.mark.parametrize("mod", [ro, pl], ids=["ro", "pl"])
def test_word_tables_cover_lexicon(mod):
    check_lexicon_coverage(mod, extra_numbers=mod is ro)  # Romanian also spells 11-19


def test_polish_place_forms_cover_prepositions():
    places = set().union(*lexicon.PREPOSITIONS.values())
    assert places <= set(pl.PLACE_FORMS)


#: Romanian and Polish words are letters, with at most one hyphen (nu-l), and no apostrophes.
RO_PL_WORDS = words(r"[^\W\d_]+(?:-[^\W\d_]+)?")


@pytest.mark.parametrize("mod", [ro, pl], ids=["ro", "pl"])
def test_smoke_20000_frames(mod):
    # distinct meanings stay distinct in Romanian; Polish has no articles, so definiteness merges
    check_renders_cleanly(mod.realize, mod.LANG, body=RO_PL_WORDS, distinct=True if mod is ro else 0.85)
