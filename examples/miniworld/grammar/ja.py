"""Japanese: SOV order, particles は/が/を/に/の, polite -masu verbs, counters with their sound changes,
i-/na-adjective inflection, いる (animate) vs ある (inanimate), か questions.

Every word carries its kana reading, so that :attr:`Realization.speech` is kana with a space between
bunsetsu (``猫が魚を食べます。`` -> ``ねこが さかなを たべます。``) for espeak-ng's ``ja`` voice.

Japanese has no articles and no number inflection; definiteness shows in the subject particle
(definite subjects are topics with は, indefinite ones take が, and indefinite located subjects
are introduced existentially: 台所に猫がいます "there is a cat in the kitchen"). Human plurals
take たち (子供たち); other plurals are bare. Cardinals are numeral + counter: before the noun with
の for subjects (三人の女の子が), floating after the particle for objects and existential subjects
(本を三冊読みます, 猫が三匹います).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "ja"

#: a bunsetsu: (written text, kana reading; the reading may itself contain bunsetsu spaces)
Chunk = tuple[str, str]

#: noun -> (written, reading, counter)
NOUNS = {
    "man": ("男の人", "おとこのひと", "人"), "woman": ("女の人", "おんなのひと", "人"),
    "boy": ("男の子", "おとこのこ", "人"), "girl": ("女の子", "おんなのこ", "人"),
    "child": ("子供", "こども", "人"),
    "cat": ("猫", "ねこ", "匹"), "dog": ("犬", "いぬ", "匹"), "bird": ("鳥", "とり", "羽"),
    "horse": ("馬", "うま", "頭"), "mouse": ("ネズミ", "ネズミ", "匹"),
    "apple": ("りんご", "りんご", "つ"), "cake": ("ケーキ", "ケーキ", "つ"), "egg": ("卵", "たまご", "個"),
    "water": ("水", "みず", None), "milk": ("牛乳", "ぎゅうにゅう", None), "coffee": ("コーヒー", "コーヒー", None),
    "book": ("本", "ほん", "冊"), "letter": ("手紙", "てがみ", "通"), "key": ("鍵", "かぎ", "本"),
    "cup": ("カップ", "カップ", "つ"), "ball": ("ボール", "ボール", "個"), "chair": ("椅子", "いす", "脚"),
    "box": ("箱", "はこ", "つ"), "car": ("車", "くるま", "台"), "table": ("テーブル", "テーブル", "台"),
    "kitchen": ("台所", "だいどころ", "つ"), "garden": ("庭", "にわ", "つ"), "house": ("家", "いえ", "軒"),
    "school": ("学校", "がっこう", "校"), "bed": ("ベッド", "ベッド", "台"),
}

HUMANS = frozenset({"man", "woman", "boy", "girl", "child"})
ANIMALS = frozenset({"cat", "dog", "bird", "horse", "mouse"})

#: numerals 2-10 (written form; the reading of numeral + counter is in COUNTERS)
NUMBERS = {2: ("二", "に"), 3: ("三", "さん"), 4: ("四", "よん"), 5: ("五", "ご"), 6: ("六", "ろく"),
           7: ("七", "なな"), 8: ("八", "はち"), 9: ("九", "きゅう"), 10: ("十", "じゅう")}

#: counter -> readings of 2..10 + counter, with the rendaku / gemination sound changes
COUNTERS = {
    "人": ("ふたり", "さんにん", "よにん", "ごにん", "ろくにん", "ななにん", "はちにん", "きゅうにん", "じゅうにん"),
    "匹": ("にひき", "さんびき", "よんひき", "ごひき", "ろっぴき", "ななひき", "はっぴき", "きゅうひき", "じゅっぴき"),
    "羽": ("にわ", "さんわ", "よんわ", "ごわ", "ろくわ", "ななわ", "はちわ", "きゅうわ", "じゅうわ"),
    "頭": ("にとう", "さんとう", "よんとう", "ごとう", "ろくとう", "ななとう", "はっとう", "きゅうとう", "じゅっとう"),
    "つ": ("ふたつ", "みっつ", "よっつ", "いつつ", "むっつ", "ななつ", "やっつ", "ここのつ", "じゅっこ"),
    "個": ("にこ", "さんこ", "よんこ", "ごこ", "ろっこ", "ななこ", "はっこ", "きゅうこ", "じゅっこ"),
    "冊": ("にさつ", "さんさつ", "よんさつ", "ごさつ", "ろくさつ", "ななさつ", "はっさつ", "きゅうさつ", "じゅっさつ"),
    "通": ("につう", "さんつう", "よんつう", "ごつう", "ろくつう", "ななつう", "はっつう", "きゅうつう", "じゅっつう"),
    "本": ("にほん", "さんぼん", "よんほん", "ごほん", "ろっぽん", "ななほん", "はっぽん", "きゅうほん", "じゅっぽん"),
    "脚": ("にきゃく", "さんきゃく", "よんきゃく", "ごきゃく", "ろっきゃく", "ななきゃく", "はっきゃく", "きゅうきゃく",
          "じゅっきゃく"),
    "台": ("にだい", "さんだい", "よんだい", "ごだい", "ろくだい", "ななだい", "はちだい", "きゅうだい", "じゅうだい"),
    "軒": ("にけん", "さんげん", "よんけん", "ごけん", "ろっけん", "ななけん", "はっけん", "きゅうけん", "じゅっけん"),
    "校": ("にこう", "さんこう", "よんこう", "ごこう", "ろっこう", "ななこう", "はっこう", "きゅうこう", "じゅっこう"),
}


def counted(n: int, counter: str) -> Chunk:
    """Numeral + counter: 三匹 (さんびき), 二人 (ふたり), 六つ (むっつ). The native つ series ends at
    nine; ten things are 十個 (じゅっこ), as in everyday speech (not the rare bare 十 とお)."""
    reading = COUNTERS[counter][n - 2]
    if counter == "つ":
        return ("十個" if n == 10 else NUMBERS[n][0] + "つ", reading)
    return (NUMBERS[n][0] + counter, reading)


#: adjective -> (written, reading, class): ``i`` adjectives inflect (大きい, 大きくないです), ``na``
#: adjectives take な attributively and です / じゃありません predicatively, ``no`` nouns take の.
ADJECTIVES = {
    "big": ("大きい", "おおきい", "i"), "small": ("小さい", "ちいさい", "i"), "red": ("赤い", "あかい", "i"),
    "black": ("黒い", "くろい", "i"), "white": ("白い", "しろい", "i"), "green": ("緑", "みどり", "no"),
    "new": ("新しい", "あたらしい", "i"), "old": ("古い", "ふるい", "i"), "beautiful": ("きれい", "きれい", "na"),
}
#: *old* of people and animals is 年を取った / 年を取っています (古い is for things and places)
OLD_ANIMATE: tuple[Chunk, ...] = (("年を", "としを"), ("取った", "とった"))
OLD_ANIMATE_PRED = {"": ("取っています", "とって います"), "neg": ("取っていません", "とって いません"),
                    "q": ("取っていますか", "とって いますか")}
#: ... but of boys, girls and children it is 年上 "older" (年上の子供, 男の子は年上です)
OLD_YOUNG: Chunk = ("年上", "としうえ")
YOUNG = frozenset({"boy", "girl", "child"})

#: verb -> polite stem (+ます / ません / ますか). ``have`` is 持っています (飼っています for animals);
#: ``want`` is 〜が欲しいです for 1st/2nd person and 〜を欲しがっています for the 3rd.
VERBS = {
    "see": ("見", "み"), "eat": ("食べ", "たべ"), "drink": ("飲み", "のみ"), "want": ("欲しがってい", "ほしがって い"),
    "have": ("持ってい", "もって い"), "buy": ("買い", "かい"), "read": ("読み", "よみ"), "write": ("書き", "かき"),
    "find": ("見つけ", "みつけ"), "open": ("開け", "あけ"), "wash": ("洗い", "あらい"),
}
HAVE_ANIMAL: Chunk = ("飼ってい", "かって い")
WANT_SPEAKER = {"": ("欲しいです", "ほしいです"), "neg": ("欲しくないです", "ほしくないです"),
                "q": ("欲しいですか", "ほしいですか")}
#: pronouns whose wishes can be stated with 欲しい (a 3rd person's take 欲しがる)
SPEAKER_PRONOUNS = frozenset({"1sg", "2sg", "1pl"})

#: preposition -> localizer noun (〜の上に). ``in`` with open places is plain に (台所にいます); ``next_to``
#: is 隣 for buildings and 横 for furniture and things.
PREPOSITIONS = {"in": ("中", "なか"), "on": ("上", "うえ"), "under": ("下", "した"), "next_to": ("隣", "となり")}
PLAIN_NI = frozenset({"kitchen", "garden", "school"})
BESIDE: Chunk = ("横", "よこ")
BUILDINGS = frozenset({"house", "school"})

#: 3pl is 彼ら (masculine / mixed)
PRONOUNS = {"1sg": ("私", "わたし"), "2sg": ("あなた", "あなた"), "3sg_m": ("彼", "かれ"), "3sg_f": ("彼女", "かのじょ"),
            "1pl": ("私たち", "わたしたち"), "3pl": ("彼ら", "かれら")}

TACHI: Chunk = ("たち", "たち")
WHERE: Chunk = ("どこに", "どこに")


#: how espeak-ng must be given a particle: topic は is pronounced わ (を is already read "o")
PARTICLE_READINGS = {"は": "わ"}


def _with(chunks: list[Chunk], particle: str) -> list[Chunk]:
    """Attach a particle (written in kana) to the last bunsetsu; the reading spells it as spoken."""
    text, reading = chunks[-1]
    return [*chunks[:-1], (text + particle, reading + PARTICLE_READINGS.get(particle, particle))]


def _attributive(adjective: str, noun: str) -> list[Chunk]:
    if adjective == "old" and noun in YOUNG:
        return [_with([OLD_YOUNG], "の")[0]]
    if adjective == "old" and (noun in HUMANS or noun in ANIMALS):
        return list(OLD_ANIMATE)
    text, reading, cls = ADJECTIVES[adjective]
    suffix = {"i": "", "na": "な", "no": "の"}[cls]
    return [(text + suffix, reading + suffix)]


def noun_phrase(np: NP, *, floating: bool = False) -> tuple[list[Chunk], Chunk | None]:
    """Bunsetsu of a noun phrase, and its floating quantifier. With ``floating`` a cardinal is
    returned separately (to follow the case particle: 本を三冊); otherwise it precedes the noun
    with の (三冊の本) and the quantifier is None."""
    if np.pronoun:
        return [PRONOUNS[np.pronoun]], None
    text, reading, counter = NOUNS[np.noun]
    chunks = _attributive(np.adjective, np.noun) if np.adjective else []
    if np.plural and not np.count and np.noun in HUMANS:
        text, reading = text + TACHI[0], reading + TACHI[1]
    chunks.append((text, reading))
    if not np.count:
        return chunks, None
    quantity = counted(np.count, counter)
    if floating:
        return chunks, quantity
    return [_with([quantity], "の")[0], *chunks], None


def _form(negated: bool, question: bool) -> str:
    return "neg" if negated else "q" if question else ""


def _masu(stem: Chunk, form: str) -> Chunk:
    ending = {"": "ます", "neg": "ません", "q": "ますか"}[form]
    return (stem[0] + ending, stem[1] + ending)


def _animate(np: NP) -> bool:
    return np.pronoun is not None or np.noun in HUMANS or np.noun in ANIMALS


def _topic_particle(np: NP) -> str:
    return "は" if np.pronoun or np.definite else "が"


def _predicate_adjective(adjective: str, subject: NP, form: str) -> list[Chunk]:
    if adjective == "old" and subject.noun in YOUNG:
        text, reading, cls = (*OLD_YOUNG, "na")
    elif adjective == "old" and _animate(subject):
        return [OLD_ANIMATE[0], OLD_ANIMATE_PRED[form]]
    else:
        text, reading, cls = ADJECTIVES[adjective]
    if cls == "i" and form == "neg":  # 大きい -> 大きくないです
        return [(text[:-1] + "くないです", reading[:-1] + "くないです")]
    ending = {"": "です", "neg": "じゃありません", "q": "ですか"}[form]
    return [(text + ending, reading + ending)]


def _place(s: Sentence) -> list[Chunk]:
    """台所に / 箱の中に / テーブルの上に / 家の隣に / 車の横に"""
    chunks, _ = noun_phrase(s.place)
    noun = s.place.noun
    if s.preposition == "in" and noun in PLAIN_NI:
        return _with(chunks, "に")
    loc = PREPOSITIONS[s.preposition]
    if s.preposition == "next_to" and noun not in BUILDINGS:
        loc = BESIDE
    return [*_with(chunks, "の"), (loc[0] + "に", loc[1] + "に")]


def _transitive(s: Sentence, form: str) -> list[Chunk]:
    subj, _ = noun_phrase(s.subject)
    words = _with(subj, _topic_particle(s.subject))
    obj, quantity = noun_phrase(s.object, floating=True)
    if s.verb == "want" and s.subject.pronoun in SPEAKER_PRONOUNS:  # 私は水が欲しいです
        verb, particle = WANT_SPEAKER[form], "が"
    elif s.verb == "have" and s.object.noun in ANIMALS:  # 犬を飼っています
        verb, particle = _masu(HAVE_ANIMAL, form), "を"
    else:
        verb, particle = _masu(VERBS[s.verb], form), "を"
    words += _with(obj, particle)
    if quantity:
        words.append(quantity)
    return [*words, verb]


def realize(s: Sentence) -> Realization:
    form = _form(s.negated, s.question)
    subject = s.subject
    if s.kind == "where":
        chunks, _ = noun_phrase(subject)
        exist = ("い", "い") if _animate(subject) else ("あり", "あり")
        words = [*_with(chunks, "は"), WHERE, _masu(exist, "q")]
    elif s.kind == "transitive":
        words = _transitive(s, form)
    elif s.kind == "attribute":
        chunks, _ = noun_phrase(subject)
        words = [*_with(chunks, "は"), *_predicate_adjective(s.adjective, subject, form)]
    else:
        exist = _masu(("い", "い") if _animate(subject) else ("あり", "あり"), form)
        if subject.pronoun or subject.definite:  # 猫は台所にいます
            chunks, _ = noun_phrase(subject)
            words = [*_with(chunks, "は"), *_place(s), exist]
        else:  # existential: 台所に猫が三匹います / 台所に猫はいません
            chunks, quantity = noun_phrase(subject, floating=True)
            words = [*_place(s), *_with(chunks, "は" if s.negated else "が"), *([quantity] if quantity else []),
                     exist]
    end = "？" if s.question else "。"
    text = sentence_case("".join(t for t, _ in words) + end)
    speech = " ".join(r for _, r in words) + end
    return Realization(text, speech)
