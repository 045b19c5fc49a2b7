"""FLEURS, VoxPopuli (ASR) and MLS: writers → readers round trips, every kind of bad row, Lhotse equality.

Fixtures are written with the same writers the mini-world uses, from short synthetic tones (0.5-1.3 s),
for three languages and three splits.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf

from zst.audio import save_wav
from zst.data.corpora import ReadOptions, get_reader
from zst.data.corpora import fleurs, mls, voxpopuli
from zst.errors import ManifestError
from zst.testing.layouts import Utterance
from zst.testing.layouts.fleurs import fleurs_sentence_id, write_fleurs
from zst.testing.layouts.mls import normalize_transcript, write_mls
from zst.testing.layouts.voxpopuli import write_voxpopuli

SR = 16_000
LANGS = ("en", "fr", "de")
SPLITS = ("train", "dev", "test")
TEXTS = {
    "en": "Sentence {pid}: the cat, it's here!",
    "fr": "Phrase {pid} : le chat, c'est ici !",
    "de": "Satz {pid}: die Katze, hier!",
}
#: Sentence ids per split; "s-103" is not numeric (FLEURS writes a hashed number for it).
PIDS = {"train": ("101", "102", "s-103"), "dev": ("201", "202", "203"), "test": ("301", "302", "303")}


def _audio(seed: int, seconds: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(round(seconds * SR))
    t = np.arange(n) / SR
    return (0.3 * np.sin(2 * np.pi * rng.uniform(150, 400) * t) + 0.02 * rng.standard_normal(n)).astype(np.float32)


def _utterances(lang: str) -> list[Utterance]:
    """9-10 utterances per language: 3 per split; German lacks sentence 102; English has a second
    recording of 101 (another speaker, text with a trailing remark, so 'first recording' is testable)."""
    utts = []
    seed = {"en": 0, "fr": 100, "de": 200}[lang]
    for split in SPLITS:
        for k, pid in enumerate(PIDS[split]):
            if lang == "de" and pid == "102":
                continue
            recordings = 2 if (lang == "en" and pid == "101") else 1
            for rec in range(recordings):
                seed += 1
                text = TEXTS[lang].format(pid=pid) + (" Again." if rec else "")
                utts.append(Utterance(uid=f"{split}{k}r{rec}", parallel_id=pid, lang=lang, split=split, text=text,
                                      speaker=f"{lang}_s{rec}", gender=("male", "female")[rec],
                                      audio=_audio(seed, 0.5 + 0.05 * (seed % 16))))
    return utts


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("corpora")
    utts = {lang: _utterances(lang) for lang in LANGS}
    out = {"utts": utts, "fleurs": root / "fleurs", "voxpopuli": root / "voxpopuli", "mls": root / "mls", "res": {}}
    for lang in LANGS:
        out["res"][("fleurs", lang)] = write_fleurs(out["fleurs"], lang, utts[lang])
        out["res"][("voxpopuli", lang)] = write_voxpopuli(out["voxpopuli"], lang, utts[lang])
        out["res"][("mls", lang)] = write_mls(out["mls"], lang, utts[lang])
    return out


def _expected(world, corpus: str, split: str, langs=LANGS) -> dict[str, Utterance]:
    return {world["res"][(corpus, lang)]["cut_ids"][u.uid]: u
            for lang in langs for u in world["utts"][lang] if u.split == split}


def _read_back(world, corpus: str, split: str, langs=LANGS) -> tuple[dict, dict[str, Utterance]]:
    """Read ``split`` of ``corpus`` from the fixture: ``({cut id: cut}, {cut id: utterance})`` (the second
    in ``langs`` order), after checking it has no bad row and exactly one cut per written utterance."""
    cuts, bad = {"fleurs": fleurs.read, "voxpopuli": voxpopuli.read, "mls": mls.read}[corpus](
        world[corpus], ReadOptions(split=split))
    assert bad == []
    expected = _expected(world, corpus, split, langs)
    got = {c.id: c for c in cuts}
    assert set(got) == set(expected) and len(cuts) == len(expected)
    return got, expected


def _first_texts(world, split: str) -> dict[str, dict[str, str]]:
    """{lang: {parallel_id: text of its first recording}} for one split."""
    out: dict[str, dict[str, str]] = {}
    for lang in LANGS:
        for u in world["utts"][lang]:
            if u.split == split:
                out.setdefault(lang, {}).setdefault(u.parallel_id, u.text)
    return out


def _reasons(bad) -> list[str]:
    return [b.reason for b in bad]


def _one_each(bad, fragments: list[str]) -> None:
    """Each fragment matches exactly one bad row's reason, and every bad row is matched once."""
    for frag in fragments:
        hits = [b for b in bad if frag in b.reason]
        assert len(hits) == 1, (frag, _reasons(bad))
    assert len(bad) == len(fragments), _reasons(bad)


def test_get_reader_finds_the_three_readers():
    assert get_reader("fleurs") is fleurs.read
    assert get_reader("voxpopuli") is voxpopuli.read
    assert get_reader("mls") is mls.read


def test_fleurs_language_table_covers_all_102_directories():
    assert len(fleurs.FLEURS_LANGUAGE_DIRS) == 102
    assert fleurs.fleurs_language("cmn_hans_cn") == "zh"
    assert fleurs.fleurs_language("es_419") == "es"
    assert fleurs.fleurs_language("fil_ph") == "tl"
    assert fleurs.fleurs_language("en_gb") == "en"  # not in the table: part before "_"
    assert len(set(fleurs.FLEURS_LANGUAGE_DIRS.values())) == 102  # no two directories share a code


# --------------------------------------------------------------------------------------------- FLEURS


def test_fleurs_round_trip_ids_texts_durations_parallel_ids_translations(world):
    for split in SPLITS:
        got, expected = _read_back(world, "fleurs", split, ("de", "en", "fr"))
        assert list(got) == list(expected)  # sorted directories (de_de, en_us, fr_fr), then file order
        first = _first_texts(world, split)
        for cut_id, u in expected.items():
            cut, sup = got[cut_id], got[cut_id].supervisions[0]
            assert sup.text == u.text and sup.language == u.lang
            assert cut.duration == pytest.approx(len(u.audio) / SR, abs=1e-9)
            assert cut.recording.num_samples == len(u.audio)
            assert sup.custom["parallel_id"] == fleurs_sentence_id(u.parallel_id)
            assert sup.gender == u.gender
            assert sup.custom["transcription"] == normalize_transcript(u.text)
            want = {lang: first[lang][u.parallel_id] for lang in LANGS
                    if lang != u.lang and u.parallel_id in first[lang]}
            assert sup.custom["translations"] == want


def test_fleurs_two_recordings_share_the_id_and_join_across_languages(world):
    cuts, _ = fleurs.read(world["fleurs"], ReadOptions(split="train"))
    by_pid: dict[str, list] = {}
    for c in cuts:
        by_pid.setdefault(c.supervisions[0].custom["parallel_id"], []).append(c)
    assert sorted(c.supervisions[0].language for c in by_pid["101"]) == ["de", "en", "en", "fr"]
    fr = next(c for c in by_pid["101"] if c.supervisions[0].language == "fr")
    assert fr.supervisions[0].custom["translations"] == {"en": "Sentence 101: the cat, it's here!",
                                                         "de": "Satz 101: die Katze, hier!"}
    assert sorted(c.supervisions[0].language for c in by_pid["102"]) == ["en", "fr"]  # no German recording
    hashed = fleurs_sentence_id("s-103")
    assert hashed.isdigit() and hashed != "s-103"
    assert sorted(c.supervisions[0].language for c in by_pid[hashed]) == ["de", "en", "fr"]
    res = world["res"][("fleurs", "en")]
    assert res["parallel_ids"]["s-103"] == hashed and any("not integers" in n for n in res["notes"])


def test_fleurs_languages_exclude_and_target_languages(world):
    cuts, _ = fleurs.read(world["fleurs"], ReadOptions(split="dev", languages=("fr",)))
    assert {c.supervisions[0].language for c in cuts} == {"fr"} and len(cuts) == 3
    assert all(c.supervisions[0].custom["translations"] == {} for c in cuts)

    cuts, bad = fleurs.read(world["fleurs"], ReadOptions(split="dev", languages=("fr",), tgt_languages=("en", "de")))
    assert bad == [] and len(cuts) == 3
    first = _first_texts(world, "dev")
    for c in cuts:
        pid = c.supervisions[0].custom["parallel_id"]
        assert c.supervisions[0].custom["translations"] == {"en": first["en"][pid], "de": first["de"][pid]}

    cuts, _ = fleurs.read(world["fleurs"], ReadOptions(split="test", exclude=("de",)))
    assert set(c.id for c in cuts) == set(_expected(world, "fleurs", "test", ("en", "fr")))
    assert all("de" not in c.supervisions[0].custom["translations"] for c in cuts)

    cuts, bad = fleurs.read(world["fleurs"], ReadOptions(split="test", languages=("en", "ja")))
    assert {c.supervisions[0].language for c in cuts} == {"en"}
    assert len(bad) == 1 and bad[0].item == "ja" and "no FLEURS directory" in bad[0].reason


def test_fleurs_bad_rows_each_reported_once_valid_rows_kept(tmp_path):
    utts = [u for u in _utterances("en") if u.split == "train"]
    res = write_fleurs(tmp_path, "en", utts)
    lang_dir = tmp_path / "en_us"
    audio_dir = lang_dir / "audio" / "train"
    good = (lang_dir / "train.tsv").read_text(encoding="utf-8").splitlines()
    assert len(good) == 4

    def line(fname, raw, n_samples, pid="900"):
        return "\t".join([pid, fname, raw, raw.lower(), "h i |", str(n_samples), "FEMALE"])

    (audio_dir / "garbage.wav").write_bytes(b"this is not audio\n" * 100)
    save_wav(audio_dir / "no_text.wav", _audio(1, 0.6))
    save_wav(audio_dir / "zero.wav", np.zeros(0, np.float32))
    save_wav(audio_dir / "wrong_n.wav", _audio(2, 0.7))
    save_wav(audio_dir / "long.wav", _audio(3, 3.0))
    bad_lines = {
        "audio file not found": line("missing.wav", "Hi.", 8000),
        "cannot decode": line("garbage.wav", "Hi.", 8000),
        "empty transcript": line("no_text.wav", "", 9600),
        "audio is empty": line("zero.wav", "Hi.", 0),
        "num-samples column says 16200": line("wrong_n.wav", "Hi.", 16200),
        "longer than the maximum": line("long.wav", "Hi.", 48000),
        "5 tab-separated fields, expected 7": "900\tshort.wav\tHi.\thi\t8000",
        "not an integer": line("no_text.wav", "Hi.", "many"),
        "duplicate id": good[1],
    }
    order = [good[0], *list(bad_lines.values())[:4], good[1], *list(bad_lines.values())[4:8], good[2],
             bad_lines["duplicate id"], good[3]]
    tsv = lang_dir / "train.tsv"
    tsv.write_text("\n".join(order) + "\n", encoding="utf-8")

    cuts, bad = fleurs.read(tmp_path, ReadOptions(split="train", max_seconds=2.5))
    assert sorted(c.id for c in cuts) == sorted(res["cut_ids"].values())  # all 4 valid rows
    _one_each(bad, list(bad_lines))
    for frag, text in bad_lines.items():
        row = next(b for b in bad if frag in b.reason)
        line_number = len(order) - 1 if frag == "duplicate id" else order.index(text) + 1
        assert row.source == str(tsv) and row.row == line_number


def test_fleurs_unknown_directory_and_missing_split_are_reported(world, tmp_path):
    root = tmp_path / "fleurs"
    shutil.copytree(world["fleurs"] / "fr_fr", root / "fr_fr")
    (root / "qq_zz").mkdir()
    (root / "qq_zz" / "train.tsv").write_text("1\ta.wav\tx\tx\tx |\t10\tMALE\n", encoding="utf-8")
    shutil.copytree(world["fleurs"] / "en_us", root / "en_us")
    (root / "en_us" / "dev.tsv").unlink()
    (root / "notes").mkdir()  # not a language directory: ignored
    cuts, bad = fleurs.read(root, ReadOptions(split="dev"))
    assert {c.supervisions[0].language for c in cuts} == {"fr"}
    assert sorted((b.item, b.row) for b in bad) == [("en_us", None), ("qq_zz", None)]
    assert any("unknown FLEURS language directory" in r for r in _reasons(bad))
    assert any("missing dev.tsv" in r for r in _reasons(bad))


# ------------------------------------------------------------------------------------------ VoxPopuli


def test_voxpopuli_round_trip(world):
    all_ids = set()
    for split in SPLITS:
        got, expected = _read_back(world, "voxpopuli", split)
        assert not all_ids & set(got)  # splits are separate
        all_ids |= set(got)
        for cut_id, u in expected.items():
            cut, sup = got[cut_id], got[cut_id].supervisions[0]
            assert sup.text == u.text and sup.language == u.lang and sup.speaker == u.speaker
            assert sup.gender == u.gender
            assert cut.duration == pytest.approx(len(u.audio) / SR, abs=1e-9)
            assert sup.custom["normalized_text"] == normalize_transcript(u.text)
            assert sup.custom["translations"] == {} and "parallel_id" not in sup.custom
            seg = world["res"][("voxpopuli", u.lang)]["ids"][u.uid]
            assert cut.recording.sources[0].source.endswith(f"/{u.lang}/{seg[:4]}/{seg}.ogg")
    cuts, _ = voxpopuli.read(world["voxpopuli"], ReadOptions(split="train", languages=("de", "fr"), exclude=("fr",)))
    assert set(c.id for c in cuts) == set(_expected(world, "voxpopuli", "train", ("de",)))
    # root may be the transcribed_data folder itself
    cuts, _ = voxpopuli.read(world["voxpopuli"] / "transcribed_data", ReadOptions(split="dev", languages=("en",)))
    assert set(c.id for c in cuts) == set(_expected(world, "voxpopuli", "dev", ("en",)))


def test_voxpopuli_old_release_header_without_gold_and_accent(world, tmp_path):
    shutil.copytree(world["voxpopuli"], tmp_path / "vp")
    tsv = tmp_path / "vp" / "transcribed_data" / "fr" / "asr_dev.tsv"
    lines = tsv.read_text(encoding="utf-8").splitlines()
    tsv.write_text("\n".join("\t".join(ln.split("\t")[:6]) for ln in lines) + "\n", encoding="utf-8")
    assert lines[0].split("\t")[:6] == ["id", "raw_text", "normalized_text", "speaker_id", "split", "gender"]
    cuts, bad = voxpopuli.read(tmp_path / "vp", ReadOptions(split="dev", languages=("fr",)))
    assert bad == [] and set(c.id for c in cuts) == set(_expected(world, "voxpopuli", "dev", ("fr",)))


def test_voxpopuli_bad_rows_each_reported_once_valid_rows_kept(tmp_path):
    utts = [u for u in _utterances("en") if u.split == "train"]
    res = write_voxpopuli(tmp_path, "en", utts)
    lang_dir = tmp_path / "transcribed_data" / "en"
    tsv = lang_dir / "asr_train.tsv"
    header, *good = tsv.read_text(encoding="utf-8").splitlines()
    assert len(good) == 4

    def seg(n):
        return f"2019010{n}-0900-PLENARY-1-en_2019010{n}-10:00:00_0"

    def line(seg_id, raw, norm="x"):
        return "\t".join([seg_id, raw, norm, "77", "train", "male", "True", "None"])

    def ogg(seg_id, audio):
        path = voxpopuli.voxpopuli_audio_path(lang_dir, seg_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), audio, SR, format="OGG", subtype="VORBIS")
        return path

    ogg(seg(2), _audio(1, 0.5)).write_bytes(b"OggS but not really" * 50)
    ogg(seg(3), _audio(2, 0.6))
    ogg(seg(4), np.zeros(0, np.float32))
    ogg(seg(5), _audio(3, 3.0))
    ogg(seg(6), _audio(4, 0.7))
    bad_lines = {
        "audio file not found": line(seg(1), "Hello."),
        "cannot decode": line(seg(2), "Hello."),
        "empty transcript": line(seg(3), "", ""),
        "audio is empty": line(seg(4), "Hello."),
        "longer than the maximum": line(seg(5), "Hello."),
        "3 tab-separated fields, header has 8": f"{seg(6)}\tHello.\thello",
        "duplicate id": good[2],
    }
    fallback = line(seg(6), "", "hello from the normalised column")  # raw_text empty: normalized_text used
    order = [good[0], *list(bad_lines.values())[:3], good[1], fallback, *list(bad_lines.values())[3:6], good[2],
             bad_lines["duplicate id"], good[3]]
    tsv.write_text("\n".join([header, *order]) + "\n", encoding="utf-8")

    cuts, bad = voxpopuli.read(tmp_path, ReadOptions(split="train", max_seconds=2.5))
    assert sorted(c.id for c in cuts) == sorted([*res["cut_ids"].values(), f"en_{seg(6)}"])
    fb = next(c for c in cuts if c.id == f"en_{seg(6)}").supervisions[0]
    assert fb.text == "hello from the normalised column" and fb.custom["text_field"] == "normalized_text"
    _one_each(bad, list(bad_lines))
    dup = next(b for b in bad if "duplicate" in b.reason)
    assert dup.row == len(order) and dup.source == str(tsv)  # header is line 1; the duplicate is the last-but-one


# ------------------------------------------------------------------------------------------------ MLS


def test_mls_round_trip(world):
    for split in SPLITS:
        got, expected = _read_back(world, "mls", split)
        for cut_id, u in expected.items():
            cut, sup = got[cut_id], got[cut_id].supervisions[0]
            res = world["res"][("mls", u.lang)]
            assert sup.text == normalize_transcript(u.text) == res["texts"][u.uid]
            assert sup.text == sup.text.lower() and "," not in sup.text
            assert sup.speaker == str(res["speakers"][u.speaker]) and sup.gender == u.gender
            assert cut.duration == pytest.approx(len(u.audio) / SR, abs=1e-9)
            assert cut.id == f"{u.lang}_{res['ids'][u.uid]}"
    cuts, _ = mls.read(world["mls"], ReadOptions(split="test", exclude=("en", "de")))
    assert set(c.id for c in cuts) == set(_expected(world, "mls", "test", ("fr",)))
    cuts, _ = mls.read(world["mls"] / "mls_german", ReadOptions(split="dev"))  # root = one language folder
    assert set(c.id for c in cuts) == set(_expected(world, "mls", "dev", ("de",)))


def test_mls_bad_rows_each_reported_once_valid_rows_kept(tmp_path):
    utts = [u for u in _utterances("fr") if u.split == "train"]
    res = write_mls(tmp_path, "fr", utts)
    split_dir = tmp_path / "mls_french" / "train"
    path = split_dir / "transcripts.txt"
    good = path.read_text(encoding="utf-8").splitlines()
    assert len(good) == 3

    def flac(utt_id, audio):
        p = mls.mls_audio_path(split_dir, utt_id)
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(p), audio, SR, format="FLAC", subtype="PCM_16")
        return p

    flac("4242_77_000002", _audio(1, 0.5)).write_bytes(b"fLaC garbage" * 40)
    flac("4242_77_000003", _audio(2, 0.6))
    flac("4242_77_000004", np.zeros(0, np.float32))  # soundfile writes a 0-byte file
    flac("4242_77_000005", _audio(3, 3.0))
    bad_lines = {
        "audio file not found": "4242_77_000001\tbonjour",
        "cannot decode": "4242_77_000002\tbonjour",
        "empty transcript": "4242_77_000003\t",
        "empty (0 bytes)": "4242_77_000004\tbonjour",
        "longer than the maximum": "4242_77_000005\tbonjour",
        "1 tab-separated fields, expected 2": "4242_77_000006 bonjour sans tabulation",
        "is not {speaker}_{book}_{utterance}": "4242-77-000007\tbonjour",
        "duplicate id": good[0],
    }
    order = [good[0], *list(bad_lines.values())[:4], good[1], *list(bad_lines.values())[4:], good[2]]
    path.write_text("\n".join(order) + "\n", encoding="utf-8")

    cuts, bad = mls.read(tmp_path, ReadOptions(split="train", max_seconds=2.5))
    assert sorted(c.id for c in cuts) == sorted(res["cut_ids"].values())
    _one_each(bad, list(bad_lines))
    assert all(b.source == str(path) for b in bad)
    assert [b.row for b in bad] == [2, 3, 4, 5, 7, 8, 9, 10]


def test_mls_matches_lhotse_prepare_mls(world):
    from lhotse.recipes import prepare_mls

    manifests = prepare_mls(world["mls"], opus=False)
    assert sorted(manifests) == ["english", "french", "german"]
    for lang in LANGS:
        name = mls.MLS_FOLDER_BY_LANGUAGE[lang]
        for split in SPLITS:
            cuts, bad = mls.read(world["mls"], ReadOptions(split=split, languages=(lang,)))
            assert bad == []
            recs, sups = manifests[name][split]["recordings"], manifests[name][split]["supervisions"]
            ours = {c.id.removeprefix(f"{lang}_"): c for c in cuts}
            theirs = {s.id: s for s in sups}
            assert set(ours) == set(theirs) == set(recs.ids)
            for utt_id, cut in ours.items():
                sup = cut.supervisions[0]
                assert sup.text == theirs[utt_id].text
                assert sup.speaker == theirs[utt_id].speaker
                assert sup.gender == {"M": "male", "F": "female"}[theirs[utt_id].gender]
                assert cut.duration == pytest.approx(theirs[utt_id].duration, abs=1e-3)
                assert cut.duration == pytest.approx(recs[utt_id].duration, abs=1e-3)


# ------------------------------------------------------------------------------ errors and writers


@pytest.mark.parametrize("reader", [fleurs.read, voxpopuli.read, mls.read])
def test_missing_root_is_one_line_manifest_error(reader, tmp_path):
    with pytest.raises(ManifestError, match="not found") as e:
        reader(tmp_path / "nowhere", ReadOptions())
    assert str(tmp_path / "nowhere") in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("corpus,reader", [("fleurs", fleurs.read), ("voxpopuli", voxpopuli.read), ("mls", mls.read)])
def test_no_data_for_requested_languages_is_manifest_error(world, corpus, reader, tmp_path):
    with pytest.raises(ManifestError, match="ja") as e:
        reader(world[corpus], ReadOptions(split="train", languages=("ja",)))
    assert str(world[corpus]) in str(e.value)
    with pytest.raises(ManifestError):
        reader(world[corpus], ReadOptions(split="train_9h"))
    with pytest.raises(ManifestError):
        reader(tmp_path, ReadOptions())  # an empty folder


def test_validation_is_an_alias_of_dev(world):
    a, _ = fleurs.read(world["fleurs"], ReadOptions(split="validation", languages=("en",)))
    b, _ = fleurs.read(world["fleurs"], ReadOptions(split="dev", languages=("en",)))
    assert [c.id for c in a] == [c.id for c in b] and len(a) == 3


def test_writers_are_deterministic(tmp_path):
    utts = _utterances("de")
    for name, write in (("fleurs", write_fleurs), ("voxpopuli", write_voxpopuli), ("mls", write_mls)):
        r1, r2 = write(tmp_path / "a" / name, "de", utts), write(tmp_path / "b" / name, "de", utts)
        assert r1["ids"] == r2["ids"] and r1["texts"] == r2["texts"]
        files1 = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a" / name).rglob("*") if p.is_file())
        files2 = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b" / name).rglob("*") if p.is_file())
        assert files1 == files2 and len(files1) == len(utts) + {"fleurs": 3, "voxpopuli": 3, "mls": 7}[name]
        for rel in files1:
            if rel.suffix in (".tsv", ".txt", ".wav", ".flac"):  # ogg streams carry a random serial number
                assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel


def test_writer_rejects_other_language(tmp_path):
    with pytest.raises(ValueError, match="language"):
        write_fleurs(tmp_path, "fr", _utterances("de")[:1])


def test_normalize_transcript():
    # "%" is Unicode punctuation (Po) and goes; "+" is a symbol (Sm) and stays
    assert normalize_transcript("Hello, World! It's a well-known «fact» — 42 % + 1.") == \
        "hello world it's a well-known fact 42 + 1"
    assert normalize_transcript("  'Quoted'\tand\nsplit ") == "quoted and split"
    assert normalize_transcript("你好，世界。") == "你好 世界"
