"""The mini-world generator: distinct tuples, disjoint splits, speakers, and a small end-to-end build
whose layouts are read back by zst's corpus readers."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

MINIWORLD = Path(__file__).resolve().parents[1] / "examples" / "miniworld"
sys.path.insert(0, str(MINIWORLD))

from grammar import EUROPARL_LANGUAGES, LANGUAGES  # noqa: E402
from grammar.corpus import make_tuples  # noqa: E402
from grammar.frames import sample_sentences  # noqa: E402


@pytest.fixture(scope="module")
def world():
    return make_tuples(5200, seed=0)


def test_at_least_5000_distinct_tuples_in_13_languages(world):
    assert len(world) == 5200 and len({t.frame.key() for t in world}) == 5200
    assert set(world[0].texts) == set(LANGUAGES) and len(LANGUAGES) == 13
    # languages with articles and plural marking keep nearly every meaning distinct
    for lang in ("en", "fr", "de", "es"):
        assert len({t.text(lang) for t in world}) > 0.97 * len(world), lang
    kinds = Counter(t.frame.kind for t in world)
    assert set(kinds) == {"transitive", "attribute", "location", "where"} and min(kinds.values()) > 150
    assert sum(t.frame.question for t in world) > 800 and sum(t.frame.negated for t in world) > 500
    assert sum(1 for t in world if t.frame.object and t.frame.object.count) > 200


def test_deterministic_from_seed():
    a = [t.texts["de"].text for t in make_tuples(300, seed=5)]
    b = [t.texts["de"].text for t in make_tuples(300, seed=5)]
    c = [t.texts["de"].text for t in make_tuples(300, seed=6)]
    assert a == b and a != c


def test_splits_share_no_sentence_in_any_language(world):
    counts = Counter(t.split for t in world)
    assert counts["test"] >= 300 and counts["dev"] >= 200 and counts["train"] > 4500
    for lang in LANGUAGES:
        owner: dict[str, str] = {}
        for t in world:
            assert owner.setdefault(t.text(lang), t.split) == t.split, (lang, t.text(lang))


def test_every_language_renders_every_frame_cleanly():
    frames = sample_sentences(3000, seed=11)
    for lang in LANGUAGES:
        from grammar import realizer

        realize = realizer(lang)
        for f in frames:
            r = realize(f)
            assert r.text and r.speech and "  " not in r.text and "None" not in r.text, (lang, f, r)
            assert r.text.strip() == r.text and r.text[-1] in ".?。？", (lang, r.text)
    zh = realizer("zh")(frames[0])
    assert zh.speech != zh.text and any(ch.isdigit() for ch in zh.speech)  # pinyin with tone numbers


def test_speakers_are_held_out_by_split_and_speech_is_16k():
    from speech import SPEAKERS_PER_SPLIT, make_speakers, speak

    for lang in ("fr", "ja"):
        sp = make_speakers(lang)
        assert {k: len(v) for k, v in sp.items()} == SPEAKERS_PER_SPLIT
        variants = {split: {s.variant for s in v} for split, v in sp.items()}
        assert not variants["train"] & variants["test"] and not variants["train"] & variants["dev"]
        assert not variants["dev"] & variants["test"]
    spk = make_speakers("fr")["test"][0]
    a = speak("Le chat noir ne voit pas la souris.", spk)
    b = speak("Le chat noir ne voit pas la souris.", spk)
    assert a.dtype == np.float32 and 1.0 < len(a) / 16000 < 4.0
    assert np.array_equal(a, b)  # noise is seeded
    assert 0.3 < np.max(np.abs(a)) <= 1.0


def test_small_build_reads_back_through_every_reader(tmp_path):
    """A 3-language world (en, fr, zh) in all layouts, read back by zst's readers."""
    import build

    out = tmp_path / "mw"
    assert build.main(["--out", str(out), "--tuples", "60", "--dev", "8", "--test", "8", "--spoken", "30",
                       "--languages", "en,fr,zh", "--jobs", "2", "--quiet"]) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert "bad_rows" not in stats
    spoken = build.spoken_tuples(build.load_tuples(out), 30)
    n = Counter(t["split"] for t in spoken)
    ep = stats["corpora"]["europarl-st"]["languages"]
    assert set(ep) == {"en", "fr"}  # zh is not a Europarl-ST language
    assert {s: ep["fr"][s]["utterances"] for s in ("train", "dev", "test")} == {s: n[s] for s in ("train", "dev", "test")}
    assert set(stats["corpora"]["fleurs"]["languages"]) == {"en", "fr", "zh"}
    assert set(stats["corpora"]["commonvoice"]["languages"]) == {"en", "fr", "zh"}

    from zst.data.corpora import ReadOptions, get_reader

    cuts, bad = get_reader("europarl-st")(out / "europarl-st", ReadOptions(split="test"))
    assert not bad
    by_pid: dict[str, set] = {}
    for c in cuts:
        by_pid.setdefault(c.supervisions[0].custom["parallel_id"], set()).add(c.supervisions[0].language)
        # every other Europarl-ST language is a translation target (text exists for all of them)
        assert set(c.supervisions[0].custom["translations"]) == set(EUROPARL_LANGUAGES) - {c.supervisions[0].language}
    assert all(v == {"en", "fr"} for v in by_pid.values())  # parallel ids join the source languages
    texts = {t["id"]: t["text"] for t in build.load_tuples(out)}
    fl, _ = get_reader("fleurs")(out / "fleurs", ReadOptions(split="test", languages=("zh",)))
    for c in fl:
        sup = c.supervisions[0]
        assert sup.text in {t["zh"] for t in texts.values()}
        assert sup.custom["translations"] == {}  # only zh was read
    # a second run finds every stage done and rebuilds nothing
    before = {p: p.stat().st_mtime for p in (out / "fleurs").rglob("*.tsv")}
    assert build.main(["--out", str(out), "--tuples", "60", "--dev", "8", "--test", "8", "--spoken", "30",
                       "--languages", "en,fr,zh", "--quiet"]) == 0
    assert before == {p: p.stat().st_mtime for p in (out / "fleurs").rglob("*.tsv")}
