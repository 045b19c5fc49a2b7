"""English: articles a/an/the, irregular plurals, 3sg -s, do-support in questions and negation."""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "en"

#: noun -> (singular, plural)
NOUNS = {
    "man": ("man", "men"), "woman": ("woman", "women"), "boy": ("boy", "boys"), "girl": ("girl", "girls"),
    "child": ("child", "children"), "cat": ("cat", "cats"), "dog": ("dog", "dogs"), "bird": ("bird", "birds"),
    "horse": ("horse", "horses"), "mouse": ("mouse", "mice"), "apple": ("apple", "apples"),
    "cake": ("cake", "cakes"), "egg": ("egg", "eggs"), "water": ("water", None), "milk": ("milk", None),
    "coffee": ("coffee", None), "book": ("book", "books"), "letter": ("letter", "letters"),
    "key": ("key", "keys"), "cup": ("cup", "cups"), "ball": ("ball", "balls"), "chair": ("chair", "chairs"),
    "box": ("box", "boxes"), "car": ("car", "cars"), "table": ("table", "tables"),
    "kitchen": ("kitchen", "kitchens"), "garden": ("garden", "gardens"), "house": ("house", "houses"),
    "school": ("school", "schools"), "bed": ("bed", "beds"),
}

ADJECTIVES = {"big": "big", "small": "small", "red": "red", "black": "black", "white": "white",
              "green": "green", "new": "new", "old": "old", "beautiful": "beautiful"}

#: verb -> (base form, 3rd person singular)
VERBS = {"see": ("see", "sees"), "eat": ("eat", "eats"), "drink": ("drink", "drinks"),
         "want": ("want", "wants"), "have": ("have", "has"), "buy": ("buy", "buys"),
         "read": ("read", "reads"), "write": ("write", "writes"), "find": ("find", "finds"),
         "open": ("open", "opens"), "wash": ("wash", "washes")}

PREPOSITIONS = {"in": "in", "on": "on", "under": "under", "next_to": "next to"}

NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}

PRONOUNS = {"1sg": "I", "2sg": "you", "3sg_m": "he", "3sg_f": "she", "1pl": "we", "3pl": "they"}


def noun_phrase(np: NP) -> str:
    if np.pronoun:
        return PRONOUNS[np.pronoun]
    sg, pl = NOUNS[np.noun]
    words = [ADJECTIVES[np.adjective]] if np.adjective else []
    words.append(pl if np.plural else sg)
    if np.count:
        return " ".join([NUMBERS[np.count], *words])
    if np.definite:
        return " ".join(["the", *words])
    if np.plural or np.mass:
        return " ".join(words)
    return " ".join(["an" if words[0][0] in "aeiou" else "a", *words])


def _third_singular(np: NP) -> bool:
    return not np.plural and np.pronoun not in ("1sg", "2sg")


def _be(np: NP) -> str:
    if np.pronoun == "1sg":
        return "am"
    return "is" if _third_singular(np) else "are"


def realize(s: Sentence) -> Realization:
    subj = noun_phrase(s.subject)
    if s.kind == "where":
        text = f"where {_be(s.subject)} {subj}?"
    elif s.kind == "transitive":
        base, third = VERBS[s.verb]
        obj = noun_phrase(s.object)
        do = "does" if _third_singular(s.subject) else "do"
        if s.question:
            text = f"{do} {subj} {base} {obj}?"
        elif s.negated:
            text = f"{subj} {do} not {base} {obj}."
        else:
            text = f"{subj} {third if _third_singular(s.subject) else base} {obj}."
    else:
        rest = ADJECTIVES[s.adjective] if s.kind == "attribute" else \
            f"{PREPOSITIONS[s.preposition]} {noun_phrase(s.place)}"
        be = _be(s.subject)
        if s.question:
            text = f"{be} {subj} {rest}?"
        elif s.negated:
            text = f"{subj} {be} not {rest}."
        else:
            text = f"{subj} {be} {rest}."
    text = sentence_case(text)
    return Realization(text, text)
