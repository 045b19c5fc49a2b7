"""Polish: no articles; five agreement genders (masculine personal, masculine animate, masculine
inanimate, feminine, neuter) with noun and adjective declension in the cases used here:
nominative subjects, accusative objects (masculine animate accusative = genitive: widzi psa;
inanimate = nominative: widzi stół), genitive of negation (nie widzi psa, nie pije wody), locative
after w/na (w kuchni, na stole), instrumental after pod (pod stołem), genitive after obok (obok
domu); adjectives before the noun agreeing in gender, number and case, with the virile plural
(mali chłopcy vs małe koty); numeral government (dwa/trzy/cztery + nominative plural and a
plural verb, pięć..dziesięć + genitive plural and a 3sg verb, dwie for feminine nouns,
masculine-personal dwóch/trzech/pięciu + genitive plural + 3sg verb, collective dwoje/troje dzieci);
być for location and attributes (jest/są); pro-drop of 1st/2nd person subjects; yes/no questions
with ``Czy``; ``Gdzie jest/są``.

Kept overt: 3rd-person pronouns (on, ona, oni), which cannot be recovered from the verb.
Negated location uses the idiomatic ``nie ma`` + genitive subject (*Kota nie ma w kuchni.*, *Nie
ma go w domu.*). Location sentences with an indefinite subject put the place first, the natural
Polish way of introducing something new (*W ogrodzie jest pies.*, *Czy w ogrodzie jest pies?*), so
the definite/indefinite distinction survives through word order there; elsewhere it collapses.
``chcieć`` takes the partitive genitive with an indefinite drink (*chce wody*), the accusative with
a definite one (*chce wodę*).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "pl"

#: noun -> (gender, nom sg, gen sg, acc sg, nom pl, gen pl); gender: mp (masculine personal),
#: ma (masculine animate), mi (masculine inanimate), f, n; mass nouns have no plural
NOUNS: dict[str, tuple[str, str, str, str, str | None, str | None]] = {
    "man": ("mp", "mężczyzna", "mężczyzny", "mężczyznę", "mężczyźni", "mężczyzn"),
    "woman": ("f", "kobieta", "kobiety", "kobietę", "kobiety", "kobiet"),
    "boy": ("mp", "chłopiec", "chłopca", "chłopca", "chłopcy", "chłopców"),
    "girl": ("f", "dziewczynka", "dziewczynki", "dziewczynkę", "dziewczynki", "dziewczynek"),
    "child": ("n", "dziecko", "dziecka", "dziecko", "dzieci", "dzieci"),
    "cat": ("ma", "kot", "kota", "kota", "koty", "kotów"),
    "dog": ("ma", "pies", "psa", "psa", "psy", "psów"),
    "bird": ("ma", "ptak", "ptaka", "ptaka", "ptaki", "ptaków"),
    "horse": ("ma", "koń", "konia", "konia", "konie", "koni"),
    "mouse": ("f", "mysz", "myszy", "mysz", "myszy", "myszy"),
    "apple": ("n", "jabłko", "jabłka", "jabłko", "jabłka", "jabłek"),
    "cake": ("n", "ciastko", "ciastka", "ciastko", "ciastka", "ciastek"),
    "egg": ("n", "jajko", "jajka", "jajko", "jajka", "jajek"),
    "water": ("f", "woda", "wody", "wodę", None, None),
    "milk": ("n", "mleko", "mleka", "mleko", None, None),
    "coffee": ("f", "kawa", "kawy", "kawę", None, None),
    "book": ("f", "książka", "książki", "książkę", "książki", "książek"),
    "letter": ("mi", "list", "listu", "list", "listy", "listów"),
    "key": ("mi", "klucz", "klucza", "klucz", "klucze", "kluczy"),
    "cup": ("f", "filiżanka", "filiżanki", "filiżankę", "filiżanki", "filiżanek"),
    "ball": ("f", "piłka", "piłki", "piłkę", "piłki", "piłek"),
    "chair": ("n", "krzesło", "krzesła", "krzesło", "krzesła", "krzeseł"),
    "box": ("n", "pudełko", "pudełka", "pudełko", "pudełka", "pudełek"),
    "car": ("mi", "samochód", "samochodu", "samochód", "samochody", "samochodów"),
    "table": ("mi", "stół", "stołu", "stół", "stoły", "stołów"),
    "kitchen": ("f", "kuchnia", "kuchni", "kuchnię", "kuchnie", "kuchni"),
    "garden": ("mi", "ogród", "ogrodu", "ogród", "ogrody", "ogrodów"),
    "house": ("mi", "dom", "domu", "dom", "domy", "domów"),
    "school": ("f", "szkoła", "szkoły", "szkołę", "szkoły", "szkół"),
    "bed": ("n", "łóżko", "łóżka", "łóżko", "łóżka", "łóżek"),
}

#: place noun -> (instrumental sg, locative sg), for the nouns used after prepositions
PLACE_FORMS: dict[str, tuple[str, str]] = {
    "kitchen": ("kuchnią", "kuchni"),
    "garden": ("ogrodem", "ogrodzie"),
    "house": ("domem", "domu"),
    "school": ("szkołą", "szkole"),
    "box": ("pudełkiem", "pudełku"),
    "car": ("samochodem", "samochodzie"),
    "table": ("stołem", "stole"),
    "bed": ("łóżkiem", "łóżku"),
    "chair": ("krzesłem", "krześle"),
}

#: adjective -> (masculine nominative singular, virile nominative plural); all are hard -y stems
ADJECTIVES: dict[str, tuple[str, str]] = {
    "big": ("duży", "duzi"),
    "small": ("mały", "mali"),
    "red": ("czerwony", "czerwoni"),
    "black": ("czarny", "czarni"),
    "white": ("biały", "biali"),
    "green": ("zielony", "zieloni"),
    "new": ("nowy", "nowi"),
    "old": ("stary", "starzy"),
    "beautiful": ("piękny", "piękni"),
}

#: verb -> (1sg, 2sg, 3sg, 1pl, 3pl) present tense (imperfective)
VERBS: dict[str, tuple[str, str, str, str, str]] = {
    "see": ("widzę", "widzisz", "widzi", "widzimy", "widzą"),
    "eat": ("jem", "jesz", "je", "jemy", "jedzą"),
    "drink": ("piję", "pijesz", "pije", "pijemy", "piją"),
    "want": ("chcę", "chcesz", "chce", "chcemy", "chcą"),
    "have": ("mam", "masz", "ma", "mamy", "mają"),
    "buy": ("kupuję", "kupujesz", "kupuje", "kupujemy", "kupują"),
    "read": ("czytam", "czytasz", "czyta", "czytamy", "czytają"),
    "write": ("piszę", "piszesz", "pisze", "piszemy", "piszą"),
    "find": ("znajduję", "znajdujesz", "znajduje", "znajdujemy", "znajdują"),
    "open": ("otwieram", "otwierasz", "otwiera", "otwieramy", "otwierają"),
    "wash": ("myję", "myjesz", "myje", "myjemy", "myją"),
}
BE = ("jestem", "jesteś", "jest", "jesteśmy", "są")

#: preposition -> (form, case it governs)
PREPOSITIONS: dict[str, tuple[str, str]] = {
    "in": ("w", "loc"), "on": ("na", "loc"), "under": ("pod", "ins"), "next_to": ("obok", "gen"),
}

#: cardinal -> nominative/accusative (non-virile; 2 has the feminine dwie)
NUMBERS: dict[int, str] = {2: "dwa", 3: "trzy", 4: "cztery", 5: "pięć", 6: "sześć", 7: "siedem",
                           8: "osiem", 9: "dziewięć", 10: "dziesięć"}
#: genitive of the cardinals; also the masculine-personal nominative/accusative (dwóch chłopców)
NUMBERS_GEN: dict[int, str] = {2: "dwóch", 3: "trzech", 4: "czterech", 5: "pięciu", 6: "sześciu",
                               7: "siedmiu", 8: "ośmiu", 9: "dziewięciu", 10: "dziesięciu"}
#: collective numerals used with dzieci: nominative/accusative, genitive
COLLECTIVE: dict[int, tuple[str, str]] = {
    2: ("dwoje", "dwojga"), 3: ("troje", "trojga"), 4: ("czworo", "czworga"),
    5: ("pięcioro", "pięciorga"), 6: ("sześcioro", "sześciorga"), 7: ("siedmioro", "siedmiorga"),
    8: ("ośmioro", "ośmiorga"), 9: ("dziewięcioro", "dziewięciorga"),
    10: ("dziesięcioro", "dziesięciorga"),
}
#: nouns counted with collective numerals
COLLECTIVE_NOUNS = frozenset({"child"})

PRONOUNS = {"1sg": "ja", "2sg": "ty", "3sg_m": "on", "3sg_f": "ona", "1pl": "my", "3pl": "oni"}
#: genitive pronouns (Nie ma go w domu.)
PRONOUNS_GEN = {"1sg": "mnie", "2sg": "cię", "3sg_m": "go", "3sg_f": "jej", "1pl": "nas", "3pl": "ich"}
DROPPED_PRONOUNS = frozenset({"1sg", "2sg", "1pl"})
#: pronoun -> (gender, plural) for predicate adjectives (3pl: masculine personal)
_PRONOUN_AGREEMENT = {"3sg_m": ("mp", False), "3sg_f": ("f", False), "3pl": ("mp", True),
                      "1sg": ("mp", False), "2sg": ("mp", False), "1pl": ("mp", True)}

_SLOTS = {"1sg": 0, "2sg": 1, "3sg_m": 2, "3sg_f": 2, "1pl": 3, "3pl": 4}
_SG3, _PL3 = 2, 4


def adjective_form(adjective: str, gender: str, plural: bool, case: str) -> str:
    """The adjective in ``case`` (nom/gen/acc/ins/loc) agreeing with ``gender`` and number."""
    base, virile = ADJECTIVES[adjective]
    stem = base[:-1]
    if plural:
        if case == "nom":
            return virile if gender == "mp" else stem + "e"
        if case == "acc":
            return stem + ("ych" if gender == "mp" else "e")
        if case in ("gen", "loc"):
            return stem + "ych"
        return stem + "ymi"  # ins
    if gender == "f":
        return stem + {"nom": "a", "gen": "ej", "acc": "ą", "ins": "ą", "loc": "ej"}[case]
    if case == "nom" or (case == "acc" and gender == "mi"):
        return base if gender != "n" else stem + "e"
    if case == "acc":
        return stem + ("e" if gender == "n" else "ego")
    if case == "gen":
        return stem + "ego"
    return stem + "ym"  # ins, loc


def noun_form(noun: str, plural: bool, case: str) -> str:
    gender, nom, gen, acc, nom_pl, gen_pl = NOUNS[noun]
    if plural:
        if case == "nom":
            return nom_pl
        if case == "acc":
            return gen_pl if gender == "mp" else nom_pl
        if case == "gen":
            return gen_pl
        raise ValueError(f"no plural {case} form needed for {noun!r}")
    if case in ("ins", "loc"):
        return PLACE_FORMS[noun][case == "loc"]
    return {"nom": nom, "gen": gen, "acc": acc}[case]


def noun_phrase(np: NP, case: str = "nom") -> tuple[str, int]:
    """The noun phrase in ``case`` and the verb slot it takes as a subject (0-4: 1sg..3pl).

    Numeral phrases: 2-4 with a non-virile noun agree in case (dwa koty, plural verb); 5-10, and
    every masculine-personal or collective phrase, take the genitive plural and a 3sg verb
    (pięć kotów, dwóch chłopców, dwoje dzieci); in the genitive the numeral declines itself.
    """
    if np.pronoun:
        return (PRONOUNS_GEN if case == "gen" else PRONOUNS)[np.pronoun], _SLOTS[np.pronoun]
    gender = NOUNS[np.noun][0]
    if np.count:
        n = np.count
        if np.noun in COLLECTIVE_NOUNS:
            numeral, inner, slot = COLLECTIVE[n][case == "gen"], "gen", _SG3
        elif case == "gen":
            numeral, inner, slot = NUMBERS_GEN[n], "gen", _SG3
        elif gender == "mp":
            numeral, inner, slot = NUMBERS_GEN[n], "gen", _SG3
        elif n <= 4:
            numeral = "dwie" if n == 2 and gender == "f" else NUMBERS[n]
            inner, slot = case, _PL3
        else:
            numeral, inner, slot = NUMBERS[n], "gen", _SG3
        words = [numeral]
        if np.adjective:
            words.append(adjective_form(np.adjective, gender, True, inner))
        words.append(noun_form(np.noun, True, inner))
        return " ".join(words), slot
    words = [adjective_form(np.adjective, gender, np.plural, case)] if np.adjective else []
    words.append(noun_form(np.noun, np.plural, case))
    return " ".join(words), (_PL3 if np.plural else _SG3)


def _subject_words(np: NP) -> list[str]:
    if np.pronoun in DROPPED_PRONOUNS:
        return []
    return [noun_phrase(np, "nom")[0]]


def _place(s: Sentence) -> str:
    prep, case = PREPOSITIONS[s.preposition]
    phrase, _ = noun_phrase(s.place, case)
    if prep == "w" and phrase[:1] in "wfWF" and phrase[1:2] not in "aeiouyąęó":
        prep = "we"  # we wsi, we Francji
    return f"{prep} {phrase}"


def _object_case(s: Sentence) -> str:
    if s.negated:
        return "gen"  # genitive of negation
    if s.verb == "want" and s.object.mass and not s.object.definite:
        return "gen"  # partitive: chce wody
    return "acc"


def realize(s: Sentence) -> Realization:
    subj = s.subject
    _, slot = noun_phrase(subj, "nom")
    be = BE[slot]
    neg = ["nie"] if s.negated else []
    if s.kind == "where":
        if subj.pronoun in DROPPED_PRONOUNS:
            text = f"gdzie {be}?"
        elif subj.pronoun:
            text = f"gdzie {PRONOUNS[subj.pronoun]} {be}?"  # Gdzie on jest?
        else:
            text = f"gdzie {be} {noun_phrase(subj, 'nom')[0]}?"
    elif s.kind == "transitive":
        obj, _ = noun_phrase(s.object, _object_case(s))
        words = [*_subject_words(subj), *neg, VERBS[s.verb][slot], obj]
        text = " ".join(words)
    elif s.kind == "attribute":
        if subj.pronoun:
            gender, plural = _PRONOUN_AGREEMENT[subj.pronoun]
        else:
            gender, plural = NOUNS[subj.noun][0], subj.plural
        adj = adjective_form(s.adjective, gender, plural, "nom")
        text = " ".join([*_subject_words(subj), *neg, be, adj])
    else:  # location
        place = _place(s)
        indefinite = subj.noun is not None and not subj.definite
        if s.negated:  # nie ma + genitive subject
            subj_gen, _ = noun_phrase(subj, "gen")
            if subj.pronoun:
                text = f"nie ma {subj_gen} {place}"
            elif indefinite:
                text = f"{place} nie ma {subj_gen}"
            else:
                text = f"{subj_gen} nie ma {place}"
        elif indefinite:  # new information last: W ogrodzie jest pies.
            text = f"{place} {be} {noun_phrase(subj, 'nom')[0]}"
        else:
            text = " ".join([*_subject_words(subj), be, place])
    if s.kind != "where":
        text = f"czy {text}?" if s.question else f"{text}."
    text = sentence_case(text)
    return Realization(text, text)
