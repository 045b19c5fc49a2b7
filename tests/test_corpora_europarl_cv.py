"""Europarl-ST, Common Voice and CoVoST 2: writers (zst.testing.layouts) → readers (zst.data.corpora).

Fixtures are short synthetic tones + noise (0.5-1 s), written once per module with the writers the
mini-world uses; every malformed-row test edits a copy.
"""

from __future__ import annotations

import shutil
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from zst.audio import load_audio
from zst.data.corpora import ReadOptions, get_reader
from zst.data.manifests import cut_language, cut_text, cut_translations, load_cut_audio
from zst.errors import ManifestError
from zst.testing.layouts import SPLITS, Utterance
from zst.testing.layouts.common_voice import write_common_voice
from zst.testing.layouts.europarl_st import write_europarl_st

SR = 16_000
EP_LANGS = ("en", "de", "fr")
CV_LANGS = ("en", "de", "zh")
#: split -> (speeches, utterances per speech)
EP_SHAPE = {"train": (3, 3), "dev": (1, 2), "test": (1, 2)}
CV_PER_SPLIT = 3
ALL_LANGS = ("en", "de", "fr", "zh")


def _seconds(pid: str, lang: str) -> float:
    return 0.5 + 0.5 * (zlib.crc32(f"{pid}/{lang}".encode()) % 1000) / 1000  # 0.5 .. 1.0 s


def _audio(pid: str, lang: str, seconds: float | None = None) -> np.ndarray:
    seconds = _seconds(pid, lang) if seconds is None else seconds
    n = int(round(seconds * SR))
    seed = zlib.crc32(f"{pid}/{lang}".encode())
    t = np.arange(n) / SR
    rng = np.random.default_rng(seed)
    x = 0.25 * np.sin(2 * np.pi * (150 + seed % 400) * t) + 0.05 * rng.standard_normal(n)
    return x.astype(np.float32)


def _text(pid: str, lang: str) -> str:
    return f'{lang.upper()} says "{pid}" here'


def _translations(pids) -> dict[str, dict[str, str]]:
    return {pid: {lang: _text(pid, lang) for lang in ALL_LANGS} for pid in pids}


def _utt(uid: str, pid: str, lang: str, split: str, speaker: str) -> Utterance:
    return Utterance(uid=uid, parallel_id=pid, lang=lang, split=split, text=_text(pid, lang), speaker=speaker,
                     gender="female", audio=_audio(pid, lang))


def _ep_speeches(lang: str) -> dict[str, list[Utterance]]:
    speeches = {}
    for split, (n_speeches, n_utts) in EP_SHAPE.items():
        for s in range(n_speeches):
            sid = f"{split}-{s}"
            speeches[sid] = [_utt(f"{sid}-{j}", f"{split}{s}x{j}", lang, split, f"{lang}_spk{s}")
                             for j in range(n_utts)]
    return speeches


def _cv_utts(lang: str) -> list[Utterance]:
    return [_utt(f"{split}{i}", f"cv{split}{i}", lang, split, f"{lang}_client{i % 2}")
            for split in SPLITS for i in range(CV_PER_SPLIT)]


@pytest.fixture(scope="module")
def europarl(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("europarl") / "v1.1"
    speeches = {lang: _ep_speeches(lang) for lang in EP_LANGS}
    pids = {u.parallel_id for sp in speeches.values() for utts in sp.values() for u in utts}
    tr = _translations(pids)
    stats = {lang: write_europarl_st(root, lang, speeches[lang], tr, tgt_langs=EP_LANGS) for lang in EP_LANGS}
    return {"root": root, "speeches": speeches, "tr": tr, "stats": stats}


@pytest.fixture(scope="module")
def commonvoice(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cv") / "cv-corpus-4"
    utts = {lang: _cv_utts(lang) for lang in CV_LANGS}
    tr = _translations({u.parallel_id for us in utts.values() for u in us})
    targets = {"en": ("de", "zh"), "de": ("en",), "zh": ("en",)}
    stats = {lang: write_common_voice(root, lang, utts[lang], covost_targets=targets[lang], translations=tr)
             for lang in CV_LANGS}
    return {"root": root, "utts": utts, "tr": tr, "targets": targets, "stats": stats}


def _read(corpus: str, root: Path, **kw):
    return get_reader(corpus)(root, ReadOptions(**kw))


def _reasons(bad) -> list[str]:
    return sorted(b.reason for b in bad)


# ----------------------------------------------------------------------------------------------
# Europarl-ST


def test_europarl_writer_layout(europarl):
    root = europarl["root"]
    assert europarl["stats"]["en"]["speeches"] == 5 and europarl["stats"]["en"]["segments"] == 13
    audios = sorted(p.name for p in (root / "en" / "audios").iterdir())
    assert audios == sorted(f"{s}.m4a" for s in europarl["speeches"]["en"])
    folder = root / "en" / "de" / "train"
    lines = (folder / "segments.lst").read_text().splitlines()
    assert len(lines) == 9 and lines[0].split()[0] == "train-0"
    for line in lines:
        _, start, end = line.split()
        assert len(start.split(".")[1]) == 2 and len(end.split(".")[1]) == 2
    assert len((folder / "segments.en").read_text().splitlines()) == 9
    assert (folder / "segments.de").read_text().splitlines()[0] == _text("train0x0", "de")
    assert (folder / "speeches.lst").read_text().split() == ["train-0", "train-1", "train-2"]
    assert (folder / "speakers.lst").read_text().split() == ["en_spk0", "en_spk1", "en_spk2"]
    assert not (root / "en" / "en").exists()


def test_europarl_round_trip(europarl):
    by_pid = defaultdict(dict)  # reader parallel_id -> {lang: writer pid}
    for split, (n_speeches, n_utts) in EP_SHAPE.items():
        cuts, bad = _read("europarl-st", europarl["root"], split=split)
        assert bad == []
        expected = {f"{lang}_{split}-{s}_{j}": u
                    for lang in EP_LANGS for s in range(n_speeches)
                    for j, u in enumerate(europarl["speeches"][lang][f"{split}-{s}"])}
        assert sorted(c.id for c in cuts) == sorted(expected)
        for c in cuts:
            u = expected[c.id]
            assert cut_text(c) == u.text and cut_language(c) == u.lang
            assert cut_translations(c) == {t: _text(u.parallel_id, t) for t in EP_LANGS if t != u.lang}
            assert c.supervisions[0].speaker == u.speaker
            # 2-decimal times, start rounded down and end up: the segment holds all the speech
            assert 0 <= c.duration - u.duration <= 0.0201
            by_pid[c.supervisions[0].custom["parallel_id"]][u.lang] = u.parallel_id
    # parallel ids join the same sentence across source languages
    assert len(by_pid) == 13
    for pid, langs in by_pid.items():
        assert sorted(langs) == sorted(EP_LANGS) and len(set(langs.values())) == 1, pid


def test_europarl_cut_audio_is_the_utterance(europarl):
    cuts, _ = _read("europarl-st", europarl["root"], split="dev", languages=("fr",))
    utts = europarl["speeches"]["fr"]["dev-0"]
    pos = SR // 2  # the writer's 0.5 s gap comes first
    for c, u in zip(sorted(cuts, key=lambda c: c.id), utts):
        x = load_cut_audio(c)
        assert abs(len(x) - round(c.duration * SR)) <= 1
        off = pos % 160  # the segment starts at the centisecond before the utterance
        assert abs(c.start * SR - (pos - off)) < 1e-6
        seg = x[off:off + u.num_samples]
        assert len(seg) == u.num_samples
        assert np.corrcoef(seg, u.audio)[0, 1] > 0.95  # AAC at 64 kb/s keeps the waveform close
        pos += u.num_samples + SR // 2


def test_europarl_options(europarl):
    root = europarl["root"]
    cuts, _ = _read("europarl-st", root, split="test", languages=("en", "de"), exclude=("de",))
    assert {cut_language(c) for c in cuts} == {"en"} and len(cuts) == 2
    all_cuts, _ = _read("europarl-st", root, split="test")
    only_fr, _ = _read("europarl-st", root, split="test", tgt_languages=("fr",))
    assert sorted(c.id for c in only_fr) == sorted(c.id for c in all_cuts)  # ids do not depend on targets
    for c in only_fr:
        assert set(cut_translations(c)) == ({"fr"} if cut_language(c) != "fr" else set())
    with pytest.raises(ManifestError, match="segments.lst"):
        _read("europarl-st", root, split="test", languages=("pl",))
    with pytest.raises(ManifestError, match="not found"):
        _read("europarl-st", root / "nope", split="test")


def test_europarl_splits_separate(europarl):
    ids = {split: {c.id for c in _read("europarl-st", europarl["root"], split=split, languages=("de",))[0]}
           for split in SPLITS}
    assert [len(ids[s]) for s in SPLITS] == [9, 2, 2]
    assert not (ids["train"] & ids["dev"]) and not (ids["train"] & ids["test"]) and not (ids["dev"] & ids["test"])


def test_europarl_audio_dir_writes_segment_flacs(europarl, tmp_path):
    out = tmp_path / "segments"
    cuts, bad = _read("europarl-st", europarl["root"], split="dev", languages=("de",), audio_dir=out)
    assert bad == [] and len(cuts) == 2
    speech = load_audio(europarl["root"] / "de" / "audios" / "dev-0.m4a")
    lines = (europarl["root"] / "de" / "en" / "dev" / "segments.lst").read_text().split("\n")
    for c, line in zip(sorted(cuts, key=lambda c: c.id), lines):
        _, start, end = line.split()
        flac = Path(c.recording.sources[0].source)
        assert flac == (out / "de" / f"{c.id}.flac").resolve() and c.start == 0
        x, sr = sf.read(flac, dtype="float32")
        assert sr == SR
        want = speech[round(float(start) * SR):round(float(end) * SR)]
        assert len(x) == len(want) and abs(c.duration - len(want) / SR) < 1e-9
        np.testing.assert_allclose(x, want, atol=1.0 / 32767 + 1e-7)  # 16-bit FLAC
        np.testing.assert_allclose(load_cut_audio(c), x, atol=1e-6)


def _copy_language(fixture: dict, lang: str, root: Path) -> Path:
    """A corpus root ``root`` holding a copy of the fixture's folder ``lang`` (to edit); returns ``root``."""
    shutil.copytree(fixture["root"] / lang, root / lang)
    return root


def _append(path: Path, *lines: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")


def test_europarl_bad_rows(europarl, tmp_path):
    root = _copy_language(europarl, "en", tmp_path / "ep")
    (root / "en" / "audios" / "train-0.m4a").unlink()  # 3 segments
    (root / "en" / "audios" / "train-1.m4a").write_bytes(b"not an m4a file at all" * 50)  # 3 segments
    de = root / "en" / "de" / "train"
    new = [("train-2 9999.00 9999.50", "past the end"), ("train-2 3.00 3.00", "zero-length"),
           ("train-2 3.40 3.10", "negative"), ("train-2 0.10 0.20", "empty transcript"),
           ("train-2 0.00 2.50", "longer than"), ("train-2 0.00", "malformed")]
    _append(de / "segments.lst", *[line for line, _ in new])
    _append(de / "segments.en", *["" if "empty" in why else f"extra {i}" for i, (_, why) in enumerate(new)])
    _append(de / "segments.de", *[f"extra {i}" for i in range(len(new))])
    _append(de / "segments.lst", "train-2 3.50 3.60")  # no line in segments.en / segments.de
    _append(root / "en" / "fr" / "train" / "segments.en", "a surplus transcript")  # extra line
    cuts, bad = _read("europarl-st", root, split="train", max_seconds=2.0)
    # the injected segments of train-2 sort among its own ones (k is the index by start), so compare texts
    assert len(cuts) == 3
    assert sorted(cut_text(c) for c in cuts) == sorted(u.text for u in europarl["speeches"]["en"]["train-2"])
    assert all(set(cut_translations(c)) == {"de", "fr"} for c in cuts)
    reasons = _reasons(bad)
    assert len(bad) == 14, reasons
    assert sum("audio file not found" in r for r in reasons) == 3
    assert sum("cannot decode" in r for r in reasons) == 3
    for _, why in new:
        assert sum(why in r for r in reasons) == 1, why
    assert sum("no line 16 in segments.en" in r and "no line 16 in segments.de" in r for r in reasons) == 1
    assert sum("extra line" in r for r in reasons) == 1
    extra = next(b for b in bad if "extra line" in b.reason)
    assert extra.source.endswith("fr/train/segments.en") and extra.row == 10
    missing = [b for b in bad if "audio file not found" in b.reason]
    assert sorted(b.item for b in missing) == ["en_train-0_0", "en_train-0_1", "en_train-0_2"]
    assert all(b.source.endswith("de/train/segments.lst") for b in missing)  # first listing, once each


def test_europarl_misaligned_target_and_empty_translation(europarl, tmp_path):
    root = _copy_language(europarl, "fr", tmp_path / "ep")
    fr_de = root / "fr" / "de" / "dev" / "segments.de"
    fr_de.write_text(fr_de.read_text().split("\n")[0] + "\n")  # drop the 2nd translation line
    fr_en = root / "fr" / "en" / "test" / "segments.en"
    fr_en.write_text("\n" + fr_en.read_text().split("\n", 1)[1])  # empty 1st translation
    dev, bad_dev = _read("europarl-st", root, split="dev")
    assert [b.row for b in bad_dev] == [2] and "no line 2 in segments.de" in bad_dev[0].reason
    tr = {c.id: cut_translations(c) for c in dev}  # segment 1 still comes from fr/en/dev
    assert sorted(tr) == ["fr_dev-0_0", "fr_dev-0_1"] and set(tr["fr_dev-0_1"]) == {"en"}
    test, bad_test = _read("europarl-st", root, split="test")
    assert len(bad_test) == 1 and "empty translation" in bad_test[0].reason and bad_test[0].row == 1
    tr = {c.id: cut_translations(c) for c in test}
    assert sorted(tr) == ["fr_test-0_0", "fr_test-0_1"] and set(tr["fr_test-0_0"]) == {"de"}


# ----------------------------------------------------------------------------------------------
# Common Voice


def test_commonvoice_writer_layout(commonvoice):
    root = commonvoice["root"]
    assert sorted(p.name for p in root.iterdir()) == ["de", "en", "zh-CN"]
    header = (root / "en" / "validated.tsv").read_text().split("\n")[0].split("\t")
    assert header == ["client_id", "path", "sentence", "up_votes", "down_votes", "age", "gender", "accent"]
    assert len((root / "en" / "validated.tsv").read_text().splitlines()) == 1 + 3 * CV_PER_SPLIT
    assert (root / "zh-CN" / "clips" / "common_voice_zh-CN_train0.mp3").is_file()
    assert (root / "en" / "covost_v2.en_zh-CN.tsv").is_file() and (root / "zh-CN" / "covost_v2.zh-CN_en.tsv").is_file()


def _cv_read_back(corpus: str, commonvoice) -> list[tuple]:
    """(cut, utterance) pairs of every split ``corpus`` reads from the Common Voice fixture, after
    checking each split has no bad row, exactly the written clips, their text, speaker and duration."""
    pairs = []
    for split in SPLITS:
        cuts, bad = _read(corpus, commonvoice["root"], split=split)
        assert bad == []
        expected = {f"{u.lang}_common_voice_{'zh-CN' if u.lang == 'zh' else u.lang}_{u.uid}": u
                    for lang in CV_LANGS for u in commonvoice["utts"][lang] if u.split == split}
        assert sorted(c.id for c in cuts) == sorted(expected)
        for c in cuts:
            u = expected[c.id]
            assert cut_text(c) == u.text and c.supervisions[0].speaker == u.speaker
            assert abs(c.duration - u.duration) < 0.002
            pairs.append((c, u))
    return pairs


def test_commonvoice_round_trip(commonvoice):
    root = commonvoice["root"]
    for c, u in _cv_read_back("commonvoice", commonvoice):
        assert cut_language(c) == u.lang and cut_translations(c) == {}
    zh, _ = _read("commonvoice", root, split="dev", languages=("zh",))
    assert {cut_language(c) for c in zh} == {"zh"} and len(zh) == CV_PER_SPLIT
    rest, _ = _read("commonvoice", root, split="dev", exclude=("zh", "de"))
    assert {cut_language(c) for c in rest} == {"en"}
    x = load_cut_audio(zh[0])
    assert abs(len(x) / SR - zh[0].duration) < 0.002
    with pytest.raises(ManifestError, match="dev.tsv"):
        _read("commonvoice", root, split="dev", languages=("fr",))


def test_commonvoice_bad_rows(commonvoice, tmp_path):
    root = _copy_language(commonvoice, "en", tmp_path / "cv")
    clips = root / "en" / "clips"
    (clips / "common_voice_en_train0.mp3").unlink()
    (clips / "common_voice_en_train1.mp3").write_bytes(b"\x00garbage" * 100)
    sf.write(clips / "long.mp3", _audio("long", "en", 2.5), SR, format="MP3")
    sf.write(clips / "silent.mp3", np.zeros(8000, np.float32), SR, format="MP3")
    tsv = root / "en" / "train.tsv"
    good = tsv.read_text().splitlines()[3]  # train2, valid
    _append(tsv,
            "c1\tlong.mp3\ttoo long\t2\t0\t\tmale\t",
            "c1\tsilent.mp3\tsilent\t2\t0\t\tmale\t",
            "c1\tcommon_voice_en_dev0.mp3\t   \t2\t0\t\tmale\t",  # empty sentence
            "c1\tcommon_voice_en_dev1.mp3\tsentence\twith a tab\t2\t0\t\tmale\t",  # 9 fields
            good)  # duplicate
    cuts, bad = _read("commonvoice", root, split="train", max_seconds=2.0)
    assert [c.id for c in cuts] == ["en_common_voice_en_train2"]
    by_line = {b.row: b.reason for b in bad}
    assert len(bad) == 7 and sorted(by_line) == [2, 3, 5, 6, 7, 8, 9], by_line
    assert "not found" in by_line[2] and "cannot decode" in by_line[3]
    assert "longer than" in by_line[5] and "all zeros" in by_line[6] and "empty transcript" in by_line[7]
    assert "9 fields, header has 8" in by_line[8] and "duplicate" in by_line[9]


def test_commonvoice_matches_lhotse_recipe(tmp_path):
    pytest.importorskip("lhotse.recipes.commonvoice")
    from lhotse.recipes import prepare_commonvoice

    root = tmp_path / "cv16"
    utts = _cv_utts("en") + [_utt(f"x{i}", f"cvx{i}", "en", "train", f"spk{i}") for i in range(3)]
    utts[-1].text = 'quoted "unbalanced text'
    write_common_voice(root, "en", utts, release="cv16")
    header = (root / "en" / "train.tsv").read_text().split("\n")[0].split("\t")
    assert {"accents", "variant", "age", "gender", "locale", "segment", "sentence_id"} <= set(header)
    # one split: the recipe starts a process pool (spawn) per split, ~2.5 s each
    manifests = prepare_commonvoice(root, tmp_path / "lhotse", languages=["en"], splits=["train"])
    for split in ("train",):
        ours, bad = _read("commonvoice", root, split=split)
        assert bad == []
        recs = manifests["en"][split]["recordings"]
        sups = {s.id: s for s in manifests["en"][split]["supervisions"]}
        assert sorted(c.id for c in ours) == sorted(f"en_{rid}" for rid in sups)
        for c in ours:
            s, r = sups[c.id[3:]], recs[c.id[3:]]
            assert cut_text(c) == s.text and c.supervisions[0].speaker == s.speaker
            assert abs(c.duration - r.duration) < 1e-3 and abs(c.duration - s.duration) < 1e-3


# ----------------------------------------------------------------------------------------------
# CoVoST 2


def test_covost_round_trip(commonvoice):
    root = commonvoice["root"]
    for c, u in _cv_read_back("covost2", commonvoice):
        assert cut_translations(c) == {t: _text(u.parallel_id, t) for t in commonvoice["targets"][u.lang]}
    en_de, _ = _read("covost2", root, split="test", tgt_languages=("de",))
    assert {cut_language(c) for c in en_de} == {"en"} and all(cut_translations(c).keys() == {"de"} for c in en_de)
    zh, _ = _read("covost2", root, split="dev", languages=("zh",))
    assert len(zh) == CV_PER_SPLIT and all(cut_translations(c).keys() == {"en"} for c in zh)
    with pytest.raises(ManifestError, match="covost_v2"):
        _read("covost2", root, split="test", tgt_languages=("ja",))


def test_covost_train_covost_split_and_root_level_tsv(commonvoice, tmp_path):
    root = _copy_language(commonvoice, "de", tmp_path / "cv")
    tsv = root / "de" / "covost_v2.de_en.tsv"
    lines = tsv.read_text().split("\n")
    lines[1] = lines[1][: lines[1].rindex("\t")] + "\ttrain_covost"  # 1st train row
    (root / "covost_v2.de_en.tsv").write_text("\n".join(lines))  # accepted at the root too
    tsv.unlink()
    for alias in ("train", "train_covost"):
        cuts, bad = _read("covost2", root, split=alias)
        assert bad == [] and len(cuts) == CV_PER_SPLIT


def test_covost_bad_rows(commonvoice, tmp_path):
    root = _copy_language(commonvoice, "en", tmp_path / "cv")
    (root / "en" / "clips" / "common_voice_en_test0.mp3").unlink()
    de = root / "en" / "covost_v2.en_de.tsv"
    _append(de,
            "common_voice_en_unknown.mp3\tx\tHallo\tc\ttest",  # not in validated.tsv
            "common_voice_en_dev0.mp3\tx\tHallo\tc",  # 4 fields
            "common_voice_en_test1.mp3\tx\tHallo\tc\ttest")  # duplicate in this file
    zh = root / "en" / "covost_v2.en_zh-CN.tsv"
    rows = zh.read_text().split("\n")
    i = next(i for i, r in enumerate(rows) if r.startswith("common_voice_en_test2.mp3"))
    cells = rows[i].split("\t")
    cells[2] = ""
    rows[i] = "\t".join(cells)  # empty translation: the clip keeps its German one
    zh.write_text("\n".join(rows))
    cuts, bad = _read("covost2", root, split="test")
    tr = {c.id: cut_translations(c) for c in cuts}
    assert sorted(tr) == ["en_common_voice_en_test1", "en_common_voice_en_test2"]
    assert tr["en_common_voice_en_test1"].keys() == {"de", "zh"} and tr["en_common_voice_en_test2"].keys() == {"de"}
    reasons = _reasons(bad)
    assert len(bad) == 5, reasons
    for why in ("not in", "4 fields", "duplicate", "empty translation", "audio file not found"):
        assert sum(why in r for r in reasons) == 1, why
    assert next(b for b in bad if "not found" in b.reason).item == "en_common_voice_en_test0"
