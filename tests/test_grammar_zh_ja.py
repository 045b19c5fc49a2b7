"""Mandarin and Japanese: exact sentences (text and speech), then the shared lexicon-coverage and
all-frames checks."""

import re

import pytest

from grammar_checks import attr, loc, pro, tr, where, words  # (puts grammar on sys.path)
from grammar_checks import check_lexicon_coverage, check_renders_cleanly

from grammar import ja, zh
from grammar.frames import NP


def the(noun, number="sg", adjective=None):
    return NP(noun=noun, number=number, definite=True, adjective=adjective)


def a(noun, number="sg", adjective=None):
    return NP(noun=noun, number=number, definite=False, adjective=adjective)


def num(count, noun, adjective=None):
    return NP(noun=noun, number="pl", definite=False, adjective=adjective, count=count)


# ---------------------------------------------------------------------------------------------
# lexicon coverage


@pytest.mark.parametrize("mod", [zh, ja], ids=["zh", "ja"])
def test_tables_cover_lexicon(mod):
    check_lexicon_coverage(mod)


def test_zh_every_character_has_one_pinyin_syllable():
    pairs = [(c, p) for c, p, _ in zh.NOUNS.values()] + list(zh.ADJECTIVES.values())
    pairs += [w for forms in zh.VERBS.values() for w in forms]
    pairs += [*zh.PREPOSITIONS.values(), *zh.NUMBERS.values(), *zh.PRONOUNS.values(), *zh.MEASURE_WORDS.items()]
    pairs += [w for pair in zh.TOPIC_ADJ.values() for w in pair]
    pairs += [zh.OLD_ANIMAL, zh.SMALL_ADULT, zh.ONE, zh.SOME, zh.DE, zh.MEN, zh.ZAI, zh.YOU, zh.MEIYOU, zh.BU, zh.HEN,
              zh.SHI, zh.MA, zh.NALI]
    for chars, pinyin in pairs:
        syllables = pinyin.split()
        assert len(syllables) == len(chars), chars
        assert all(re.fullmatch(r"[a-zü]+[1-5]", s) for s in syllables), pinyin


def test_ja_counters_cover_numbers():
    assert {counter for _, _, counter in ja.NOUNS.values()} - {None} <= set(ja.COUNTERS)
    assert all(len(readings) == 9 for readings in ja.COUNTERS.values())
    assert ja.counted(3, "匹") == ("三匹", "さんびき")
    assert ja.counted(6, "匹") == ("六匹", "ろっぴき")
    assert ja.counted(2, "人") == ("二人", "ふたり")
    assert ja.counted(10, "つ") == ("十個", "じゅっこ")
    assert ja.counted(4, "つ") == ("四つ", "よっつ")


# ---------------------------------------------------------------------------------------------
# Mandarin

ZH = [
    # location: 在 + place + localizer, reading in pinyin
    (loc(the("cat"), "in", the("kitchen")), "猫在厨房里。", "mao1 zai4 chu2 fang2 li3."),
    (loc(the("key"), "under", the("table", adjective="old")), "钥匙在旧桌子下面。",
     "yao4 shi5 zai4 jiu4 zhuo1 zi5 xia4 mian5."),
    (loc(pro("1pl"), "next_to", the("house"), negated=True), "我们不在房子旁边。",
     "wo3 men5 bu2 zai4 fang2 zi5 pang2 bian1."),
    (loc(pro("1sg"), "on", the("bed"), question=True), "我在床上吗？", "wo3 zai4 chuang2 shang4 ma5?"),
    # indefinite located subject: existential 有 / 没有
    (loc(a("cat"), "in", the("box")), "盒子里有一只猫。", "he2 zi5 li3 you3 yi4 zhi1 mao1."),
    (loc(num(3, "bird", "red"), "on", the("car")), "车上有三只红色的鸟。",
     "che1 shang4 you3 san1 zhi1 hong2 se4 de5 niao3."),
    (loc(a("key"), "next_to", the("bed"), negated=True), "床旁边没有钥匙。",
     "chuang2 pang2 bian1 mei2 you3 yao4 shi5."),
    # measure words, 两 not 二, 一 sandhi, 们 for definite human plurals only, 一些
    (tr(num(2, "girl"), "have", a("ball")), "两个女孩有一个球。", "liang3 ge4 nü3 hai2 you3 yi2 ge4 qiu2."),
    (tr(the("child", "pl"), "read", num(3, "book")), "孩子们读三本书。", "hai2 zi5 men5 du2 san1 ben3 shu1."),
    (tr(the("cat", "pl"), "see", num(10, "horse", "white")), "猫看见十匹白色的马。",
     "mao1 kan4 jian4 shi2 pi3 bai2 se4 de5 ma3."),
    (tr(a("boy", "pl"), "write", a("letter", "pl")), "一些男孩写一些信。",
     "yi4 xie1 nan2 hai2 xie3 yi4 xie1 xin4."),
    (tr(pro("3pl"), "buy", num(4, "car", "new")), "他们买四辆新车。", "ta1 men5 mai3 si4 liang4 xin1 che1."),
    # mass nouns are bare
    (tr(the("man"), "drink", a("coffee")), "男人喝咖啡。", "nan2 ren2 he1 ka1 fei1."),
    (tr(pro("2sg"), "want", the("milk"), question=True), "你想要牛奶吗？", "ni3 xiang3 yao4 niu2 nai3 ma5?"),
    # negation: 不 (bare indefinite object), 没有 for 有, potential forms of resultative verbs
    (tr(pro("3sg_f"), "eat", a("apple"), negated=True), "她不吃苹果。", "ta1 bu4 chi1 ping2 guo3."),
    (tr(pro("1sg"), "have", a("key", adjective="black"), negated=True), "我没有黑色的钥匙。",
     "wo3 mei2 you3 hei1 se4 de5 yao4 shi5."),
    (tr(the("dog"), "see", the("mouse"), negated=True), "狗看不见老鼠。", "gou3 kan4 bu5 jian4 lao3 shu3."),
    (tr(the("boy"), "find", the("key"), question=True), "男孩找得到钥匙吗？",
     "nan2 hai2 zhao3 de5 dao4 yao4 shi5 ma5?"),
    (tr(the("woman", "pl", "beautiful"), "wash", the("cup", "pl")), "漂亮的女人们洗杯子。",
     "piao4 liang5 de5 nü3 ren2 men5 xi3 bei1 zi5."),
    # adjective predicates: 很 / 不 / 吗; colours with 是…的; people's age with 年纪
    (attr(the("cat"), "big"), "猫很大。", "mao1 hen3 da4."),
    (attr(the("cat"), "big", negated=True), "猫不大。", "mao1 bu2 da4."),
    (attr(the("house", "pl"), "new", question=True), "房子新吗？", "fang2 zi5 xin1 ma5?"),
    (attr(the("apple"), "red"), "苹果是红色的。", "ping2 guo3 shi4 hong2 se4 de5."),
    (attr(the("bird"), "green", negated=True), "鸟不是绿色的。", "niao3 bu2 shi4 lü4 se4 de5."),
    (attr(pro("3sg_m"), "old"), "他年纪很大。", "ta1 nian2 ji4 hen3 da4."),
    (attr(the("book"), "old"), "书很旧。", "shu1 hen3 jiu4."),
    (attr(the("woman"), "small"), "女人个子很小。", "nü3 ren2 ge4 zi5 hen3 xiao3."),
    (tr(num(5, "man", "small"), "see", the("horse", adjective="old")), "五个矮小的男人看见老马。",
     "wu3 ge4 ai3 xiao3 de5 nan2 ren2 kan4 jian4 lao3 ma3."),
    # where-questions
    (where(the("girl", "pl")), "女孩们在哪里？", "nü3 hai2 men5 zai4 na3 li3?"),
    (where(pro("2sg")), "你在哪里？", "ni3 zai4 na3 li3?"),
]


@pytest.mark.parametrize("frame,text,speech", ZH, ids=[t for _, t, _ in ZH])
def test_zh_sentences(frame, text, speech):
    r = zh.realize(frame)
    assert r.text == text
    assert r.speech == speech


# ---------------------------------------------------------------------------------------------
# Japanese

JA = [
    # SOV, は for definite / pronoun subjects, が for indefinite ones, を objects; speech: は -> わ
    (tr(the("cat"), "eat", a("cake")), "猫はケーキを食べます。", "ねこわ ケーキを たべます。"),
    (tr(a("child"), "see", the("dog")), "子供が犬を見ます。", "こどもが いぬを みます。"),
    (tr(pro("1pl"), "drink", a("water")), "私たちは水を飲みます。", "わたしたちわ みずを のみます。"),
    # counters with sound changes; before the noun with の for subjects, floating for objects
    (tr(num(3, "boy"), "read", num(2, "letter")), "三人の男の子が手紙を二通読みます。",
     "さんにんの おとこのこが てがみを につう よみます。"),
    (tr(pro("3sg_f"), "find", num(6, "mouse", "black")), "彼女は黒いネズミを六匹見つけます。",
     "かのじょわ くろい ネズミを ろっぴき みつけます。"),
    (tr(the("man"), "buy", num(10, "apple", "green")), "男の人は緑のりんごを十個買います。",
     "おとこのひとわ みどりの りんごを じゅっこ かいます。"),
    (tr(num(2, "woman"), "write", num(8, "book")), "二人の女の人が本を八冊書きます。",
     "ふたりの おんなのひとが ほんを はっさつ かきます。"),
    # たち for human plurals
    (tr(the("girl", "pl", "beautiful"), "open", the("box")), "きれいな女の子たちは箱を開けます。",
     "きれいな おんなのこたちわ はこを あけます。"),
    # negation and questions (-ません, -ますか？)
    (tr(pro("1sg"), "wash", the("car"), negated=True), "私は車を洗いません。", "わたしわ くるまを あらいません。"),
    (tr(pro("2sg"), "read", the("book"), question=True), "あなたは本を読みますか？", "あなたわ ほんを よみますか？"),
    # have: 持っています / 飼っています; want: 欲しいです (1st/2nd person) / 欲しがっています (3rd)
    (tr(the("woman"), "have", num(2, "dog")), "女の人は犬を二匹飼っています。",
     "おんなのひとわ いぬを にひき かって います。"),
    (tr(pro("3pl"), "have", a("key"), negated=True), "彼らは鍵を持っていません。", "かれらわ かぎを もって いません。"),
    (tr(pro("1sg"), "want", a("coffee")), "私はコーヒーが欲しいです。", "わたしわ コーヒーが ほしいです。"),
    (tr(pro("1sg"), "want", a("milk"), negated=True), "私は牛乳が欲しくないです。",
     "わたしわ ぎゅうにゅうが ほしくないです。"),
    (tr(the("boy"), "want", num(3, "egg"), question=True), "男の子は卵を三個欲しがっていますか？",
     "おとこのこわ たまごを さんこ ほしがって いますか？"),
    # adjectives: i (大きくないです), na (きれいじゃありません), の (緑の / 緑です), old of people
    (attr(the("dog"), "white", negated=True), "犬は白くないです。", "いぬわ しろくないです。"),
    (attr(the("house"), "big", question=True), "家は大きいですか？", "いえわ おおきいですか？"),
    (attr(the("garden"), "beautiful", negated=True), "庭はきれいじゃありません。", "にわわ きれいじゃありません。"),
    (attr(the("bird"), "green"), "鳥は緑です。", "とりわ みどりです。"),
    (attr(pro("3sg_m"), "old"), "彼は年を取っています。", "かれわ としを とって います。"),
    (attr(the("child", "pl"), "old", negated=True), "子供たちは年上じゃありません。",
     "こどもたちわ としうえじゃありません。"),
    # location: いる (animate) / ある (inanimate), の上に / の中に / の下に / の隣に / の横に / plain に
    (loc(the("cat"), "in", the("kitchen")), "猫は台所にいます。", "ねこわ だいどころに います。"),
    (loc(the("key"), "in", the("box", adjective="small")), "鍵は小さい箱の中にあります。",
     "かぎわ ちいさい はこの なかに あります。"),
    (loc(the("book", "pl"), "on", the("table")), "本はテーブルの上にあります。", "ほんわ テーブルの うえに あります。"),
    (loc(pro("3sg_m"), "under", the("car"), negated=True), "彼は車の下にいません。", "かれわ くるまの したに いません。"),
    (loc(the("dog"), "next_to", the("house"), question=True), "犬は家の隣にいますか？", "いぬわ いえの となりに いますか？"),
    (loc(the("cup"), "next_to", the("bed")), "カップはベッドの横にあります。", "カップわ ベッドの よこに あります。"),
    # indefinite located subjects: existential, floating counter
    (loc(num(3, "cat"), "in", the("garden")), "庭に猫が三匹います。", "にわに ねこが さんびき います。"),
    (loc(a("ball"), "under", the("chair"), negated=True), "椅子の下にボールはありません。",
     "いすの したに ボールわ ありません。"),
    # where-questions
    (where(the("man", "pl")), "男の人たちはどこにいますか？", "おとこのひとたちわ どこに いますか？"),
    (where(the("letter", adjective="old")), "古い手紙はどこにありますか？", "ふるい てがみわ どこに ありますか？"),
]


@pytest.mark.parametrize("frame,text,speech", JA, ids=[t for _, t, _ in JA])
def test_ja_sentences(frame, text, speech):
    r = ja.realize(frame)
    assert r.text == text
    assert r.speech == speech


# ---------------------------------------------------------------------------------------------
# every sampled frame renders cleanly

HANZI = r"[\u4e00-\u9fff]"
KANA = r"[\u3041-\u3096\u30a1-\u30fa\u30fc]"

#: Text: characters only (no spaces, Latin letters or digits: numbers are words), one final 。 or ？
#: (？ exactly for questions). Speech: zh pinyin syllables with tone numbers, ja kana words, single
#: spaces, final ./? or 。/？ to match. No articles, so definiteness merges: most texts are distinct.
RULES = {"zh": dict(body=HANZI + "+", ends=("。", "？"), speech=words(r"[a-zü]+[1-5]"), speech_ends=(".", "?"),
                    capital_after=None, distinct=0.85),
         "ja": dict(body=f"(?:{KANA}|{HANZI})+", ends=("。", "？"), speech=words(KANA + "+"),
                    capital_after=None, distinct=0.8)}


@pytest.mark.parametrize("mod", [zh, ja], ids=["zh", "ja"])
def test_all_frames_render(mod):
    check_renders_cleanly(mod.realize, mod.LANG, **RULES[mod.LANG])
