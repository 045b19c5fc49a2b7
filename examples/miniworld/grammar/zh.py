"""Mandarin Chinese (simplified characters): measure words, 们 for human plurals, 在 + place + localizer,
existential 有 for indefinite located subjects, 不/没有 negation, 吗 questions, 很 / 是…的 adjective
predicates.

Every word carries its Hanyu Pinyin reading (tone numbers, one syllable per character), so that
:attr:`Realization.speech` is a pinyin string for espeak-ng's ``cmn-latn-pinyin`` voice
(``猫在厨房里。`` -> ``mao1 zai4 chu2 fang2 li3.``). Tone sandhi is applied only to 一 and 不
(the two sandhi rules written in dictionaries); third-tone sandhi is left to the synthesizer.

Chinese has no articles and no number inflection, so several meanings share a sentence:
definite nouns are bare (*the cat*, *the cats*: 猫); indefinite singulars take 一 + measure word
(一只猫), indefinite plurals 一些 (一些猫), definite human plurals 们 (孩子们).
"""

from __future__ import annotations

from grammar.frames import NP, Realization, Sentence, sentence_case

LANG = "zh"

#: a word: (characters, pinyin syllables separated by spaces; one syllable per character)
Word = tuple[str, str]

#: measure word -> pinyin
MEASURE_WORDS = {"个": "ge4", "只": "zhi1", "匹": "pi3", "本": "ben3", "封": "feng1", "把": "ba3",
                 "辆": "liang4", "张": "zhang1", "栋": "dong4", "所": "suo3"}

#: noun -> (characters, pinyin, measure word)
NOUNS = {
    "man": ("男人", "nan2 ren2", "个"), "woman": ("女人", "nü3 ren2", "个"),
    "boy": ("男孩", "nan2 hai2", "个"), "girl": ("女孩", "nü3 hai2", "个"),
    "child": ("孩子", "hai2 zi5", "个"),
    "cat": ("猫", "mao1", "只"), "dog": ("狗", "gou3", "只"), "bird": ("鸟", "niao3", "只"),
    "horse": ("马", "ma3", "匹"), "mouse": ("老鼠", "lao3 shu3", "只"),
    "apple": ("苹果", "ping2 guo3", "个"), "cake": ("蛋糕", "dan4 gao1", "个"), "egg": ("鸡蛋", "ji1 dan4", "个"),
    "water": ("水", "shui3", None), "milk": ("牛奶", "niu2 nai3", None), "coffee": ("咖啡", "ka1 fei1", None),
    "book": ("书", "shu1", "本"), "letter": ("信", "xin4", "封"), "key": ("钥匙", "yao4 shi5", "把"),
    "cup": ("杯子", "bei1 zi5", "个"), "ball": ("球", "qiu2", "个"), "chair": ("椅子", "yi3 zi5", "把"),
    "box": ("盒子", "he2 zi5", "个"), "car": ("车", "che1", "辆"), "table": ("桌子", "zhuo1 zi5", "张"),
    "kitchen": ("厨房", "chu2 fang2", "个"), "garden": ("花园", "hua1 yuan2", "个"),
    "house": ("房子", "fang2 zi5", "栋"), "school": ("学校", "xue2 xiao4", "所"), "bed": ("床", "chuang2", "张"),
}

HUMANS = frozenset({"man", "woman", "boy", "girl", "child"})
ANIMALS = frozenset({"cat", "dog", "bird", "horse", "mouse"})

#: adjective -> base form. Colours are predicated with 是…的 and take 的 attributively (红色的苹果);
#: one-syllable adjectives attach directly (大猫, 新书); 漂亮 takes 的 (漂亮的花园).
ADJECTIVES = {"big": ("大", "da4"), "small": ("小", "xiao3"), "red": ("红色", "hong2 se4"),
              "black": ("黑色", "hei1 se4"), "white": ("白色", "bai2 se4"), "green": ("绿色", "lü4 se4"),
              "new": ("新", "xin1"), "old": ("旧", "jiu4"), "beautiful": ("漂亮", "piao4 liang5")}
COLOURS = frozenset({"red", "black", "white", "green"})
#: *old* of animals and of long-standing places is 老 (老狗, 老房子), of things 旧 (旧书); of people
#: 年纪大 ("advanced in years": 年纪大的男人, 他年纪很大), which is neither rude nor a fixed compound.
OLD_ANIMAL = ("老", "lao3")
OLD_PLACES = frozenset({"house", "school", "garden"})
#: body size of adults: 矮小的女人 attributively, 她个子很小 predicatively; children are simply 小.
TOPIC_ADJ = {("old", "human"): (("年纪", "nian2 ji4"), ("大", "da4")),
             ("small", "adult"): (("个子", "ge4 zi5"), ("小", "xiao3"))}
ADULTS = frozenset({"man", "woman"})
SMALL_ADULT = ("矮小", "ai3 xiao3")

#: verb -> (affirmative, negated, in a yes/no question). Resultative verbs (看见 see, 找到 find) use
#: the potential forms in the present: 看不见 "does not see", 看得见…吗 "does … see".
VERBS = {
    "see": (("看见", "kan4 jian4"), ("看不见", "kan4 bu5 jian4"), ("看得见", "kan4 de5 jian4")),
    "eat": (("吃", "chi1"), ("不吃", "bu4 chi1"), ("吃", "chi1")),
    "drink": (("喝", "he1"), ("不喝", "bu4 he1"), ("喝", "he1")),
    "want": (("想要", "xiang3 yao4"), ("不想要", "bu4 xiang3 yao4"), ("想要", "xiang3 yao4")),
    "have": (("有", "you3"), ("没有", "mei2 you3"), ("有", "you3")),
    "buy": (("买", "mai3"), ("不买", "bu4 mai3"), ("买", "mai3")),
    "read": (("读", "du2"), ("不读", "bu4 du2"), ("读", "du2")),
    "write": (("写", "xie3"), ("不写", "bu4 xie3"), ("写", "xie3")),
    "find": (("找到", "zhao3 dao4"), ("找不到", "zhao3 bu5 dao4"), ("找得到", "zhao3 de5 dao4")),
    "open": (("打开", "da3 kai1"), ("不打开", "bu4 da3 kai1"), ("打开", "da3 kai1")),
    "wash": (("洗", "xi3"), ("不洗", "bu4 xi3"), ("洗", "xi3")),
}

#: preposition -> localizer after the place noun (在桌子上, 在床下面, 在房子旁边)
PREPOSITIONS = {"in": ("里", "li3"), "on": ("上", "shang4"), "under": ("下面", "xia4 mian5"),
                "next_to": ("旁边", "pang2 bian1")}

#: numerals before a measure word (两, not 二)
NUMBERS = {2: ("两", "liang3"), 3: ("三", "san1"), 4: ("四", "si4"), 5: ("五", "wu3"), 6: ("六", "liu4"),
           7: ("七", "qi1"), 8: ("八", "ba1"), 9: ("九", "jiu3"), 10: ("十", "shi2")}
ONE: Word = ("一", "yi1")
SOME: Word = ("一些", "yi1 xie1")

#: 3pl is 他们 (masculine / mixed)
PRONOUNS = {"1sg": ("我", "wo3"), "2sg": ("你", "ni3"), "3sg_m": ("他", "ta1"), "3sg_f": ("她", "ta1"),
            "1pl": ("我们", "wo3 men5"), "3pl": ("他们", "ta1 men5")}

DE: Word = ("的", "de5")
MEN: Word = ("们", "men5")
ZAI: Word = ("在", "zai4")
YOU: Word = ("有", "you3")
MEIYOU: Word = ("没有", "mei2 you3")
BU: Word = ("不", "bu4")
HEN: Word = ("很", "hen3")
SHI: Word = ("是", "shi4")
MA: Word = ("吗", "ma5")
NALI: Word = ("哪里", "na3 li3")


def _attributive(adjective: str, noun: str) -> list[Word]:
    """The adjective as it stands before the noun (after any numeral + measure word)."""
    if adjective == "old" and noun in HUMANS:
        topic, adj = TOPIC_ADJ[("old", "human")]
        return [topic, adj, DE]
    if adjective == "small" and noun in ADULTS:
        return [SMALL_ADULT, DE]
    if adjective == "old" and (noun in ANIMALS or noun in OLD_PLACES):
        return [OLD_ANIMAL]
    word = ADJECTIVES[adjective]
    if adjective in COLOURS or adjective == "beautiful":
        return [word, DE]
    return [word]


def noun_phrase(np: NP, *, negated: bool = False) -> list[Word]:
    """Words of a noun phrase. ``negated``: the phrase is under 不/没有, where 一 + measure word and
    一些 would mean "not a single" / "not some", so the indefinite is bare (没有球)."""
    if np.pronoun:
        return [PRONOUNS[np.pronoun]]
    chars, pinyin, mw = NOUNS[np.noun]
    words = _attributive(np.adjective, np.noun) if np.adjective else []
    words.append((chars, pinyin))
    if np.count:
        return [NUMBERS[np.count], (mw, MEASURE_WORDS[mw]), *words]
    if np.definite:
        if np.plural and np.noun in HUMANS:
            words.append(MEN)
        return words
    if np.mass or negated:
        return words
    if np.plural:
        return [SOME, *words]
    return [ONE, (mw, MEASURE_WORDS[mw]), *words]


def _syllables(words: list[Word]) -> list[tuple[str, str]]:
    out = []
    for chars, pinyin in words:
        syl = pinyin.split()
        assert len(syl) == len(chars), (chars, pinyin)
        out.extend(zip(chars, syl))
    return out


def _tone(syllable: str) -> str:
    return syllable[-1] if syllable[-1].isdigit() else "5"


def _sandhi(syl: list[tuple[str, str]]) -> list[str]:
    """一 and 不 sandhi: 不 bu2 and 一 yi2 before a 4th tone, 一 yi4 before other tones (一 is only
    ever a numeral or part of 一些 here, never sentence-final or an ordinal)."""
    out = []
    for i, (ch, s) in enumerate(syl):
        nxt = _tone(syl[i + 1][1]) if i + 1 < len(syl) else None
        if ch == "不" and s == "bu4" and nxt == "4":
            s = "bu2"
        elif ch == "一" and s == "yi1" and nxt is not None:
            s = "yi2" if nxt == "4" else "yi4"
        out.append(s)
    return out


def _predicate_adjective(adjective: str, subject: NP, negated: bool, question: bool) -> list[Word]:
    noun = subject.noun
    if adjective in COLOURS:  # 苹果是红色的 / 不是红色的 / 是红色的吗
        core = [SHI, ADJECTIVES[adjective], DE]
        return [BU, *core] if negated else core
    if adjective == "old" and (noun in HUMANS or subject.pronoun):
        topic, adj = TOPIC_ADJ[("old", "human")]
    elif adjective == "small" and noun in ADULTS:
        topic, adj = TOPIC_ADJ[("small", "adult")]
    else:
        topic = None
        if adjective == "old" and (noun in ANIMALS or noun in OLD_PLACES):
            adj = OLD_ANIMAL
        else:
            adj = ADJECTIVES[adjective]
    pre = [topic] if topic else []
    if negated:
        return [*pre, BU, adj]
    if question:  # 猫大吗？ (很 is the neutral degree marker of statements only)
        return [*pre, adj]
    return [*pre, HEN, adj]


def realize(s: Sentence) -> Realization:
    subj = s.subject
    if s.kind == "where":
        words = [*noun_phrase(subj), ZAI, NALI]
    elif s.kind == "transitive":
        affirmative, negative, interrogative = VERBS[s.verb]
        verb = negative if s.negated else interrogative if s.question else affirmative
        words = [*noun_phrase(subj), verb, *noun_phrase(s.object, negated=s.negated)]
    elif s.kind == "attribute":
        words = [*noun_phrase(subj), *_predicate_adjective(s.adjective, subj, s.negated, s.question)]
    else:
        place = [*noun_phrase(s.place), PREPOSITIONS[s.preposition]]
        if subj.pronoun or subj.definite:  # 猫在厨房里 / 猫不在厨房里
            words = [*noun_phrase(subj), *([BU] if s.negated else []), ZAI, *place]
        else:  # indefinite: existential 厨房里有一只猫 / 厨房里没有猫
            words = [*place, MEIYOU if s.negated else YOU, *noun_phrase(subj, negated=s.negated)]
    if s.question:
        if s.kind != "where":
            words.append(MA)
        text_end, speech_end = "？", "?"
    else:
        text_end, speech_end = "。", "."
    text = sentence_case("".join(chars for chars, _ in words) + text_end)
    speech = " ".join(_sandhi(_syllables(words))) + speech_end
    return Realization(text, speech)
