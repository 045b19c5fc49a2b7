"""The tiny models load back through the hub code path and behave like the real checkpoints."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from zst.errors import UnknownLanguageError, ZstError
from zst.testing import tiny
from zst.testing.tiny import DEMO_SENTENCES, EXAMPLE_CLIPS, flores200_codes, synthesize

EXAMPLES_AUDIO = Path(__file__).resolve().parents[1] / "examples" / "audio"


def _load_audio(path):
    audio, sr = sf.read(str(path), dtype="float32")
    return audio, sr


# ---------------------------------------------------------------------------------------------- Whisper


def test_whisper_feature_extractor_window(tiny_whisper_dir):
    from transformers import AutoFeatureExtractor, WhisperFeatureExtractor

    fe = AutoFeatureExtractor.from_pretrained(tiny_whisper_dir)
    assert isinstance(fe, WhisperFeatureExtractor)
    assert fe.feature_size == 80 and fe.sampling_rate == 16000
    assert fe.n_samples == 4 * 16000 and fe.nb_max_frames == 400
    audio = [np.zeros(16000, np.float32), 0.1 * np.random.default_rng(0).standard_normal(80000).astype(np.float32)]
    out = fe(audio, sampling_rate=16000, return_tensors="pt", return_attention_mask=True)
    assert out["input_features"].shape == (2, 80, 400)
    assert out["attention_mask"].shape == (2, 400)
    assert out["attention_mask"].sum(1).tolist() == [100, 400]  # 1 s of 4 s; 5 s truncated to 4 s


def test_whisper_encoder_accepts_window(tiny_whisper_dir, speech_clips):
    from transformers import AutoFeatureExtractor, WhisperForConditionalGeneration

    fe = AutoFeatureExtractor.from_pretrained(tiny_whisper_dir)
    model = WhisperForConditionalGeneration.from_pretrained(tiny_whisper_dir).eval()
    assert model.config.max_source_positions == 200 and model.config.num_mel_bins == 80
    audio = [_load_audio(c["path"])[0] for c in speech_clips[:3]]
    feats = fe(audio, sampling_rate=16000, return_tensors="pt", return_attention_mask=True)["input_features"]
    with torch.no_grad():
        hidden = model.get_encoder()(feats).last_hidden_state
    assert hidden.shape == (3, 200, 64)
    assert torch.isfinite(hidden).all()
    with pytest.raises(ValueError):  # transformers 5 insists on exactly 2 * max_source_positions frames
        model.get_encoder()(feats[..., :300])


def test_whisper_other_window_and_mels(tmp_path):
    from transformers import AutoFeatureExtractor, WhisperForConditionalGeneration

    path = tiny.build_tiny_whisper(tmp_path / "w", num_mel_bins=128, window_seconds=2, d_model=32, layers=1)
    fe = AutoFeatureExtractor.from_pretrained(path)
    feats = fe([np.zeros(8000, np.float32)], sampling_rate=16000, return_tensors="pt")["input_features"]
    assert feats.shape == (1, 128, 200)
    model = WhisperForConditionalGeneration.from_pretrained(path).eval()
    with torch.no_grad():
        assert model.get_encoder()(feats).last_hidden_state.shape == (1, 100, 32)
    with pytest.raises(ValueError):
        tiny.build_tiny_whisper(tmp_path / "bad", window_seconds=2.5)


# ---------------------------------------------------------------------------------------------- wav2vec2


def test_wav2vec2_roundtrip(tiny_wav2vec2_dir, speech_clips):
    from transformers import AutoFeatureExtractor, AutoModel, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    fe = AutoFeatureExtractor.from_pretrained(tiny_wav2vec2_dir)
    assert isinstance(fe, Wav2Vec2FeatureExtractor)
    assert fe.do_normalize and fe.return_attention_mask and fe.sampling_rate == 16000
    model = AutoModel.from_pretrained(tiny_wav2vec2_dir).eval()
    assert isinstance(model, Wav2Vec2Model)
    assert model.config.hidden_size == 48 and np.prod(model.config.conv_stride) == 320

    audio = [_load_audio(c["path"])[0] for c in speech_clips[:2]]
    inputs = fe(audio, sampling_rate=16000, return_tensors="pt", padding=True)
    assert "attention_mask" in inputs
    longest = max(len(a) for a in audio)
    assert inputs["input_values"].shape == (2, longest)
    # zero mean / unit variance over the unpadded part
    first = inputs["input_values"][0, : len(audio[0])]
    assert abs(float(first.mean())) < 1e-3 and abs(float(first.std()) - 1) < 1e-2
    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state
    n_frames = int(model._get_feat_extract_output_lengths(longest))
    assert hidden.shape == (2, n_frames, 48)
    assert int(model._get_feat_extract_output_lengths(16000)) == 49  # ~50 frames/s


def test_builders_are_deterministic(tmp_path):
    a = tiny.build_tiny_wav2vec2(tmp_path / "a", seed=3)
    b = tiny.build_tiny_wav2vec2(tmp_path / "b", seed=3)
    c = tiny.build_tiny_wav2vec2(tmp_path / "c", seed=4)
    wa, wb, wc = ((p / "model.safetensors").read_bytes() for p in (a, b, c))
    assert wa == wb and wa != wc


# ---------------------------------------------------------------------------------------------- NLLB


@pytest.fixture(scope="module")
def nllb(tiny_nllb_dir):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_nllb_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(tiny_nllb_dir).eval()
    return tok, model


def test_nllb_tokenizer_class_and_ids(nllb):
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer

    tok, model = nllb
    assert isinstance(tok, NllbTokenizer)
    assert isinstance(model, M2M100ForConditionalGeneration)
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    cfg = model.config
    assert cfg.vocab_size == len(tok)
    assert (cfg.bos_token_id, cfg.pad_token_id, cfg.eos_token_id) == (0, 1, 2)
    assert cfg.decoder_start_token_id == tok.eos_token_id
    assert model.generation_config.decoder_start_token_id == tok.eos_token_id
    assert cfg.scale_embedding
    assert 300 <= len(tok) <= 1000

    codes = flores200_codes()
    assert len(codes) == 202
    ids = tok.convert_tokens_to_ids(codes)
    assert len(set(ids)) == 202 and tok.unk_token_id not in ids
    assert all(i < cfg.vocab_size for i in ids)


def test_nllb_source_and_target_formats(nllb):
    tok, _ = nllb
    fra = tok.convert_tokens_to_ids("fra_Latn")
    deu = tok.convert_tokens_to_ids("deu_Latn")

    tok.src_lang = "fra_Latn"
    ids = tok("bonjour")["input_ids"]
    assert ids[0] == fra and ids[-1] == tok.eos_token_id and len(ids) > 2

    tok.tgt_lang = "deu_Latn"
    labels = tok(text_target="hallo")["input_ids"]
    assert labels[0] == deu and labels[-1] == tok.eos_token_id

    both = tok("Le chat dort.", text_target="Die Katze schläft.")
    assert both["input_ids"][0] == fra and both["labels"][0] == deu

    batch = tok(["Le chat dort.", "Nous aimons les pommes vertes."], padding=True, return_tensors="pt")
    assert batch["input_ids"].shape[0] == 2
    assert (batch["input_ids"][0] == tok.pad_token_id).sum() == (batch["attention_mask"][0] == 0).sum() > 0
    tok.src_lang = "eng_Latn"


def test_nllb_decode_roundtrip(nllb):
    tok, _ = nllb
    for lang, code in (("en", "eng_Latn"), ("fr", "fra_Latn"), ("de", "deu_Latn")):
        tok.src_lang = code
        for text in DEMO_SENTENCES[lang]:
            ids = tok(text)["input_ids"]
            assert tok.unk_token_id not in ids
            assert tok.decode(ids, skip_special_tokens=True) == text
    tok.src_lang = "eng_Latn"
    unseen = "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich."
    assert tok.decode(tok(unseen)["input_ids"], skip_special_tokens=True) == unseen


def test_nllb_generate_forced_bos(nllb):
    tok, model = nllb
    tok.src_lang = "fra_Latn"
    enc = tok(["Le chat dort.", "Bonjour, mon ami."], return_tensors="pt", padding=True)
    deu = tok.convert_tokens_to_ids("deu_Latn")
    with torch.no_grad():
        out = model.generate(**enc, forced_bos_token_id=deu, num_beams=2, max_new_tokens=10)
    assert out.shape[0] == 2 and out.shape[1] <= 11
    assert (out[:, 0] == model.config.decoder_start_token_id).all()
    assert (out[:, 1] == deu).all()
    assert all(isinstance(s, str) for s in tok.batch_decode(out, skip_special_tokens=True))
    tok.src_lang = "eng_Latn"


# ---------------------------------------------------------------------------------------------- speech


def test_speech_clips(speech_clips):
    assert len(speech_clips) == 18
    assert {c["lang"] for c in speech_clips} == {"en", "fr", "de"}
    for clip in speech_clips:
        info = sf.info(str(clip["path"]))
        assert info.samplerate == 16000 and info.channels == 1 and info.subtype == "PCM_16"
        audio, _ = _load_audio(clip["path"])
        assert 0.5 <= len(audio) / 16000 <= 4.0, clip
        assert float(np.sqrt(np.mean(audio**2))) > 0.01, clip
        assert clip["text"] in DEMO_SENTENCES[clip["lang"]]


def test_synthesize_errors(tmp_path, monkeypatch):
    with pytest.raises(UnknownLanguageError):
        synthesize("hello", "xx", tmp_path / "a.wav")
    with pytest.raises(ZstError):
        synthesize("   ", "en", tmp_path / "b.wav")
    monkeypatch.setattr(tiny.shutil, "which", lambda name: None)
    with pytest.raises(ZstError, match="espeak-ng not found"):
        synthesize("hello", "en", tmp_path / "c.wav")


def test_synthesize_voice_speed_pitch(tmp_path):
    slow = synthesize("We like green apples.", "en", tmp_path / "slow.wav", speed=120, pitch=30)
    fast = synthesize("We like green apples.", "en", tmp_path / "fast.wav", voice="en-us", speed=260)
    assert sf.info(str(slow)).duration > sf.info(str(fast)).duration


# ---------------------------------------------------------------------------------------------- examples


def test_committed_example_clips():
    with open(EXAMPLES_AUDIO / "clips.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert [r["file"] for r in rows] == [name for name, _, _ in EXAMPLE_CLIPS]
    for row, (name, lang, idx) in zip(rows, EXAMPLE_CLIPS):
        assert row["lang"] == lang and row["text"] == DEMO_SENTENCES[lang][idx]
        path = EXAMPLES_AUDIO / name
        assert path.stat().st_size < 150_000
        info = sf.info(str(path))
        assert info.samplerate == 16000 and info.channels == 1 and info.subtype == "PCM_16"
        assert 0.5 <= info.duration <= 4.0


def test_make_examples_cli(tmp_path):
    assert tiny._main(["--make-examples", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([n for n, _, _ in EXAMPLE_CLIPS] + ["clips.tsv"])
