"""Mini-world foundation-model scripts on a tiny world: they train, save with save_pretrained and load
back through zst's public loaders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

MINIWORLD = Path(__file__).resolve().parents[1] / "examples" / "miniworld"
sys.path.insert(0, str(MINIWORLD))
sys.path.insert(0, str(MINIWORLD / "models"))


@pytest.fixture(scope="module")
def speech_world(tmp_path_factory) -> Path:
    """A tiny world with speech: 60 tuples, 24 of them spoken in en and zh in every layout."""
    import build

    root = tmp_path_factory.mktemp("speech_world")
    build.build_text(root, 60, seed=0, n_dev=6, n_test=6)
    for lang in ("en", "zh"):
        build.build_language(str(root), lang, 24, seed=0)
    return root


@pytest.fixture(scope="module")
def tiny_trained_whisper(speech_world, tmp_path_factory) -> Path:
    """A one-step whisper.py model (d_model 32, en + zh) of ``speech_world``: a teacher or a CTC round's start."""
    import whisper

    out = tmp_path_factory.mktemp("tiny_trained_whisper") / "models" / "whisper"
    assert whisper.main(["--world", str(speech_world), "--out", str(out), "--languages", "en,zh", "--steps", "1",
                         "--batch", "4", "--d-model", "32", "--enc-layers", "1", "--dec-layers", "1", "--vocab", "400",
                         "--eval-limit", "1", "--threads", "1", "--ctc-pretrain-steps", "0", "--device", "cpu"]) == 0
    return out


def test_nllb_script_learns_saves_and_loads(tmp_path):
    import build
    import nllb
    import torch
    from transformers import M2M100ForConditionalGeneration

    from zst.models.speech_encoder import load_pretrained
    from zst.models.zerost import load_tokenizer

    build.build_text(tmp_path, 60, seed=0, n_dev=6, n_test=6)
    out = tmp_path / "models" / "nllb"
    assert nllb.main(["--world", str(tmp_path), "--out", str(out), "--steps", "40", "--batch", "16", "--d-model", "32",
                      "--layers", "1", "--vocab", "400", "--lr", "3e-3", "--log-every", "10",
                      "--eval-directions", "2", "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "nllb.train_log.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < 0.8 * log[0]["loss"]  # the loss falls
    report = json.loads((out / "eval.json").read_text())
    assert len(report["test_bleu"]) == 2 and report["params"] > 10_000
    tok = load_tokenizer(str(out))
    model = load_pretrained(M2M100ForConditionalGeneration, str(out), "NLLB model")
    assert model.dtype == torch.float16  # saved in fp16
    tok.src_lang = "eng_Latn"
    gen = model.float().generate(**tok(["The cat sleeps."], return_tensors="pt"), max_new_tokens=5,
                                 forced_bos_token_id=tok.convert_tokens_to_ids("fra_Latn"))
    assert gen[0, 1].item() == tok.convert_tokens_to_ids("fra_Latn")  # target code forced after </s>


def test_labse_script_learns_saves_and_loads(tmp_path):
    import build
    import labse
    import torch
    from transformers import AutoModel, AutoTokenizer

    build.build_text(tmp_path, 60, seed=0, n_dev=6, n_test=6)
    out = tmp_path / "models" / "labse"
    assert labse.main(["--world", str(tmp_path), "--out", str(out), "--steps", "40", "--batch", "16", "--hidden", "32",
                       "--layers", "1", "--heads", "2", "--vocab", "400", "--lr", "3e-3", "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "labse.train_log.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < log[0]["loss"]  # the translation-ranking loss falls
    assert json.loads((out / "pooling.json").read_text())
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModel.from_pretrained(out).float().eval()
    with torch.no_grad():
        emb = model(**tok(["The cat sleeps.", "猫在睡觉。"], return_tensors="pt", padding=True)).pooler_output
    assert emb.shape == (2, 32)


def test_mt5_script_learns_saves_and_loads(tmp_path):
    import build
    import mt5
    import torch
    from transformers import AutoTokenizer, MT5ForConditionalGeneration

    from zst.models.speech_encoder import load_pretrained

    build.build_text(tmp_path, 60, seed=0, n_dev=6, n_test=6)
    out = tmp_path / "models" / "mt5"
    assert mt5.main(["--world", str(tmp_path), "--out", str(out), "--steps", "40", "--batch", "16", "--d-model", "32",
                     "--d-ff", "64", "--heads", "2", "--layers", "1", "--vocab", "400", "--lr", "3e-3", "--beam", "1",
                     "--eval-directions", "2", "--log-every", "10", "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "mt5.train_log.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < 0.8 * log[0]["loss"]  # the loss falls
    tok = load_pretrained(AutoTokenizer, str(out), "mT0 tokenizer")
    assert tok.pad_token_id == 0 and tok.eos_token_id == 1 and tok("repeat: a")["input_ids"][-1] == 1  # T5 ids
    model = load_pretrained(MT5ForConditionalGeneration, str(out), "mT0 model").float().eval()
    with torch.no_grad():
        gen = model.generate(**tok(["translate into French: The cat sleeps."], return_tensors="pt"), max_new_tokens=5)
    assert gen.shape[0] == 1 and gen[0, 0].item() == tok.pad_token_id  # decoding starts from <pad>, as T5


def test_distill_loss_is_distilhubert_eq1_over_the_frames_both_hold():
    """wav2vec2.distill_loss: per frame mean |pred - target| - log sigmoid(cos), averaged over the frames
    both the student and the teacher hold; what lies past them does not count."""
    import math

    import torch
    import wav2vec2

    torch.manual_seed(0)
    y = torch.randn(2, 6, 4)
    same = wav2vec2.distill_loss(y.clone(), y, torch.tensor([6, 6]), torch.tensor([6, 6]))
    assert same.item() == pytest.approx(math.log1p(math.exp(-1)), abs=1e-6)  # L1 0, cos 1
    p = torch.randn(2, 5, 4)  # the student holds one frame fewer
    n_s, n_t = torch.tensor([5, 3]), torch.tensor([6, 4])
    frames = [(0, t) for t in range(5)] + [(1, t) for t in range(3)]
    want = sum((p[b, t] - y[b, t]).abs().mean() - torch.nn.functional.logsigmoid(
        torch.nn.functional.cosine_similarity(p[b, t], y[b, t], dim=0)) for b, t in frames) / len(frames)
    got = wav2vec2.distill_loss(p, y, n_s, n_t)
    assert got.item() == pytest.approx(want.item(), rel=1e-5)
    p2, y2 = p.clone(), y.clone()
    p2[1, 3:], y2[1, 3:], y2[:, 5:] = 100.0, -100.0, 7.0  # past the frames both hold
    assert wav2vec2.distill_loss(p2, y2, n_s, n_t).item() == pytest.approx(got.item(), rel=1e-6)


def test_wav2vec2_script_distils_a_whisper_teacher(speech_world, tiny_trained_whisper, tmp_path):
    """wav2vec2.py --teacher: the student also predicts the Whisper teacher's encoder states; the
    distillation loss falls (the logged loss is CTC + 1 x it), and the report names the teacher. A
    second round ``--from`` the first starts where it ended: the saved prediction head is read back."""
    import wav2vec2

    teacher = tiny_trained_whisper
    out = tmp_path / "models" / "wav2vec2-kd"
    args = ["--world", str(speech_world), "--out", str(out), "--langs", "en,zh", "--corpora", "fleurs",
            "--steps", "30", "--batch", "12", "--hidden", "32", "--layers", "1", "--heads", "2", "--ffn", "64",
            "--conv-dims", "16,16,16,16,16,16,16", "--lr", "3e-3", "--log-every", "5", "--eval-every", "0",
            "--eval-limit", "2", "--threads", "1", "--device", "cpu", "--teacher", str(teacher)]
    assert wav2vec2.main([*args, "--max-seconds", "6"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "wav2vec2-kd.train_log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "distill" in r]
    assert steps[-1]["distill"] < 0.8 * steps[0]["distill"]
    assert all(r["loss"] == pytest.approx(r["ctc"] + r["distill"], abs=2e-4) for r in steps)  # weight 1
    assert json.loads((out / "eval.json").read_text())["teacher"] == str(teacher)
    assert (out / wav2vec2.DISTILL_HEAD).is_file()

    out2 = out.with_name("wav2vec2-kd2")
    args2 = [*args[:3], str(out2), *args[4:]]
    assert wav2vec2.main([*args2, "--max-seconds", "6", "--steps", "5", "--from", str(out)]) == 0
    log2 = [json.loads(line) for line in (tmp_path / "models" / "wav2vec2-kd2.train_log.jsonl").read_text().splitlines()]
    first2 = next(r for r in log2 if "distill" in r)
    assert first2["distill"] < 0.9 * steps[0]["distill"]  # a fresh head would start near the first run's start
    assert json.loads((out2 / "eval.json").read_text())["from"] == str(out)
    (out / wav2vec2.DISTILL_HEAD).unlink()  # a student trained without a saved head: the head is fitted first
    out3 = out.with_name("wav2vec2-kd3")
    args3 = [*args[:3], str(out3), *args[4:]]
    assert wav2vec2.main([*args3, "--max-seconds", "6", "--steps", "5", "--from", str(out), "--head-steps", "20"]) == 0
    log3 = [json.loads(line) for line in (tmp_path / "models" / "wav2vec2-kd3.train_log.jsonl").read_text().splitlines()]
    assert next(r for r in log3 if "distill" in r)["distill"] < 0.9 * steps[0]["distill"]
    with pytest.raises(SystemExit, match="no trained wav2vec2"):
        wav2vec2.main([*args2, "--from", str(tmp_path / "nowhere")])


def test_whisper_decoder_script_trains_the_decoder_on_the_frozen_encoder(speech_world, tiny_trained_whisper,
                                                                         tmp_path):
    """whisper_decoder.py: the decoder's loss falls, the encoder is saved unchanged, and the result is a
    whole WhisperForConditionalGeneration that transformers' Whisper generate drives (language and task)."""
    import torch
    import whisper_decoder
    from safetensors.torch import load_file
    from transformers import AutoTokenizer, WhisperForConditionalGeneration

    out = tmp_path / "models" / "whisper-dec"
    assert whisper_decoder.main(["--world", str(speech_world), "--from", str(tiny_trained_whisper), "--out", str(out),
                                 "--languages", "en,zh", "--steps", "40", "--batch", "8", "--lr", "3e-3",
                                 "--log-every", "5", "--eval-every", "20", "--eval-limit", "2", "--threads", "1",
                                 "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "whisper-dec.train_log.jsonl").read_text().splitlines()]
    assert log[-1]["loss"] < 0.8 * log[0]["loss"] and [r["step"] for r in log if "dev_wer" in r] == [20, 40]
    before, after = load_file(str(tiny_trained_whisper / "model.safetensors")), load_file(str(out / "model.safetensors"))
    key = lambda k: k.removeprefix("model.")  # noqa: E731
    before, after = {key(k): v for k, v in before.items()}, {key(k): v for k, v in after.items()}
    enc = [k for k in before if k.startswith("encoder.")]
    assert enc and all(torch.equal(before[k], after[k]) for k in enc)
    assert not torch.equal(before["decoder.layers.0.fc1.weight"], after["decoder.layers.0.fc1.weight"])
    report = json.loads((out / "eval.json").read_text())
    assert set(report["test_wer"]) == {"en"} and set(report["test_cer"]) == {"zh"} and "zh" in report["test_x_en_bleu"]
    model = WhisperForConditionalGeneration.from_pretrained(out, dtype=torch.float32)
    tok = AutoTokenizer.from_pretrained(out)
    feats = torch.zeros(1, 80, 2 * model.config.max_source_positions)
    ids = model.generate(input_features=feats, language="zh", task="transcribe", max_new_tokens=3)[0].tolist()
    assert 1 <= len(ids) <= 3  # (transformers 5 returns the new tokens only, the forced prompt left out)
    gen = model.generation_config
    assert gen.lang_to_id["<|zh|>"] == tok.convert_tokens_to_ids("<|zh|>")
    assert gen.task_to_id["transcribe"] == tok.convert_tokens_to_ids("<|transcribe|>")
    with pytest.raises(SystemExit, match="no trained Whisper"):
        whisper_decoder.main(["--world", str(speech_world), "--out", str(out), "--from", str(tmp_path / "nowhere")])


def test_whisper_decoder_rebuilds_a_missing_tokenizer_as_whisper_py_built_it(speech_world, tiny_trained_whisper,
                                                                             tmp_path):
    """A Whisper checkpoint without its tokenizer (a whisper_ctc.py round from the bundle) gets whisper.py's
    tokenizer back, token for token; one that does not fit the checkpoint's vocabulary is refused."""
    import whisper_decoder
    from common import LANGS, load_texts
    from transformers import AutoTokenizer

    texts = [t[x] for t in load_texts(speech_world)["train"] for x in LANGS]
    original = AutoTokenizer.from_pretrained(tiny_trained_whisper)
    bare = tmp_path / "models" / "whisper-ctc10"
    bare.mkdir(parents=True)
    tok = whisper_decoder.load_tokenizer(bare, tmp_path / "models", texts, 400, len(original))
    assert tok.get_vocab() == original.get_vocab()
    with pytest.raises(SystemExit, match="the checkpoint .* has 999"):
        whisper_decoder.load_tokenizer(bare, tmp_path / "models", texts, 400, 999)


def test_wav2vec2_script_learns_saves_and_loads(speech_world):
    import numpy as np
    import torch
    import wav2vec2
    from transformers import AutoProcessor

    from zst.models.speech_encoder import SpeechEncoder

    tmp_path = speech_world
    out = tmp_path / "models" / "wav2vec2"
    assert wav2vec2.main(["--world", str(tmp_path), "--out", str(out), "--langs", "en,zh", "--corpora", "fleurs",
                          "--steps", "30", "--batch", "12", "--hidden", "32", "--layers", "1", "--heads", "2",
                          "--ffn", "64", "--conv-dims", "16,16,16,16,16,16,16", "--lr", "3e-3", "--log-every", "5",
                          "--eval-every", "0", "--eval-limit", "3", "--threads", "1", "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "wav2vec2.train_log.jsonl").read_text().splitlines()]
    steps = [r for r in log if "loss" in r]
    assert steps[-1]["loss"] < 0.8 * steps[0]["loss"]  # the CTC loss falls
    report = json.loads((out / "eval.json").read_text())
    assert set(report["test_cer"]) == {"en", "zh"} and report["params"] > 10_000
    processor = AutoProcessor.from_pretrained(out)  # Wav2Vec2Processor: feature extractor + CTC tokenizer
    vocab = processor.tokenizer.get_vocab()
    assert vocab["<pad>"] == 0 and "|" in vocab and "t" in vocab and "T" not in vocab  # lower-cased characters
    assert any("\u4e00" <= c <= "\u9fff" for c in vocab)  # hanzi are characters
    assert processor.feature_extractor.do_normalize and processor.feature_extractor.return_attention_mask
    encoder = SpeechEncoder.from_pretrained(str(out))  # Wav2Vec2Model under the CTC head, as for an MMS hub id
    assert type(encoder.model).__name__ == "Wav2Vec2Model" and encoder.frame_rate == 50.0
    from safetensors import safe_open

    with safe_open(str(out / "model.safetensors"), "pt") as f:  # stored in fp16, loaded as float32
        assert {f.get_slice(k).get_dtype() for k in f.keys()} == {"F16"}
    assert next(encoder.model.parameters()).dtype == torch.float32
    with torch.no_grad():
        states, mask = encoder(encoder.features([np.zeros(16000, np.float32), np.zeros(8000, np.float32)]))
    assert states.shape[0] == 2 and states.shape[2] == 32 and 48 <= states.shape[1] <= 50  # 50 frames/s
    assert mask.sum(1).tolist()[1] < mask.sum(1).tolist()[0]


def test_whisper_script_learns_saves_and_loads(speech_world):
    import numpy as np
    import torch
    import whisper
    from transformers import AutoTokenizer, WhisperFeatureExtractor, WhisperForConditionalGeneration
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    from zst.models.speech_encoder import SpeechEncoder

    tmp_path = speech_world
    out = tmp_path / "models" / "whisper"
    assert whisper.main(["--world", str(tmp_path), "--out", str(out), "--languages", "en,zh", "--steps", "30",
                         "--batch", "8", "--d-model", "32", "--enc-layers", "1", "--dec-layers", "1", "--vocab", "400",
                         "--lr", "3e-3", "--log-every", "5", "--eval-limit", "2", "--threads", "1",
                         "--ctc-pretrain-steps", "20", "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "whisper.train_log.jsonl").read_text().splitlines()]
    for stage in ("encoder-ctc", "encoder-decoder"):  # the loss falls in both stages
        losses = [r["loss"] for r in log if r["stage"] == stage]
        assert losses[-1] < 0.8 * losses[0], (stage, losses)
    report = json.loads((out / "eval.json").read_text())
    assert report["ctc_pretrain_steps"] == 20 and set(report["test_ctc_cer"]) == {"en", "zh"}
    assert set(report["test_wer"]) == {"en"} and set(report["test_cer"]) == {"zh"}
    assert set(report["test_x_en_bleu"]) == {"zh"}

    tok = AutoTokenizer.from_pretrained(out)
    ids = tok.convert_tokens_to_ids
    sot = ids("<|startoftranscript|>")
    assert ids("<|endoftext|>") < sot  # BPE pieces, then Whisper's special tokens in Whisper's order
    assert [ids(f"<|{c}|>") for c in LANGUAGES] == list(range(sot + 1, sot + 1 + len(LANGUAGES)))
    assert ids("<|translate|>") == sot + 1 + len(LANGUAGES) and ids("<|notimestamps|>") == len(tok) - 1
    tok.set_prefix_tokens(language="fr", task="transcribe")  # transformers' own prefix logic agrees
    assert tok("Le chat.")["input_ids"][:4] == [sot, ids("<|fr|>"), ids("<|transcribe|>"), ids("<|notimestamps|>")]

    model = WhisperForConditionalGeneration.from_pretrained(out, dtype=torch.float32).eval()
    fe = WhisperFeatureExtractor.from_pretrained(out)
    assert fe.chunk_length == 6 and model.config.max_source_positions == 300
    feats = torch.from_numpy(fe([np.zeros(16000, np.float32)], sampling_rate=16000, return_tensors="np")[
        "input_features"])
    prompts = []  # the decoder's first input is the forced Whisper prompt
    hook = model.model.decoder.register_forward_pre_hook(
        lambda mod, args, kwargs: prompts.append(kwargs["input_ids"][0].tolist()), with_kwargs=True)
    gen = model.generate(input_features=feats, language="zh", task="translate", max_new_tokens=3)
    hook.remove()
    assert prompts[0] == [sot, ids("<|zh|>"), ids("<|translate|>"), ids("<|notimestamps|>")]
    assert 1 <= gen.shape[1] <= 3 + 4

    encoder = SpeechEncoder.from_pretrained(str(out))  # the encoder, as for openai/whisper-* ids
    assert encoder.family == "whisper" and encoder.window_seconds == 6.0 and encoder.hidden_size == 32
    with torch.no_grad():
        states, mask = encoder(encoder.features([np.zeros(16000, np.float32)]))
    assert states.shape[-1] == 32 and int(mask.sum()) == 50  # 1 s of real frames at 50 frames/s


def test_spec_augment_masks_bands_and_spans_inside_the_speech():
    """whisper_ctc.spec_augment: frequency bands span all frames; time spans stay inside each
    utterance's speech frames and within a fifth of a short one; masked cells hold the utterance mean."""
    import random

    import torch
    from whisper_ctc import spec_augment

    torch.manual_seed(0)
    x = torch.randn(3, 80, 600)
    frames = [230, 600, 40]
    y = spec_augment(x.clone(), frames, random.Random(1), freq_masks=0, time_width=20)
    changed = (y != x).any(dim=1)  # (B, frames): which frames a time mask hit
    for b, n in enumerate(frames):
        hit = changed[b].nonzero().flatten().tolist()
        assert hit and max(hit) < n, (b, hit)
        assert len(hit) <= 2 * min(20, n // 5)
        assert torch.allclose(y[b, :, hit], x[b].mean().expand(80, len(hit)))
    y = spec_augment(x.clone(), frames, random.Random(2), time_masks=0, freq_masks=2, freq_width=12)
    bands = (y != x).all(dim=2)  # (B, n_mels): mel bins masked over every frame
    assert ((y != x).any(dim=2) == bands).all() and 0 < bands.sum() <= 3 * 2 * 12


def test_speed_perturb_scales_time_and_frequency_together():
    """whisper_ctc.speed_perturb: rate r shortens the speech to round(n / r) frames and moves a band
    at f Hz to the bin nearest f * r; padding is the floor; rate 0 changes nothing; the window bounds it."""
    import random

    import numpy as np
    import torch
    from transformers import WhisperFeatureExtractor
    from whisper_ctc import mel_centers_hz, speed_perturb

    centers = mel_centers_hz(WhisperFeatureExtractor(feature_size=80, chunk_length=6))
    assert centers.shape == (80,) and (np.diff(centers) > 0).all() and 0 < centers[0] < 100 < 7000 < centers[-1] < 8000

    torch.manual_seed(0)
    x = torch.randn(2, 80, 600)
    y = x.clone()
    assert speed_perturb(y, [300, 600], random.Random(0), centers, max_rate=0.0) == [300, 600]
    assert torch.allclose(y[:, :, :300], x[:, :, :300], atol=1e-5) and torch.allclose(y[1], x[1], atol=1e-5)
    assert (y[0, :, 300:] == x[0].min()).all()

    band = torch.full((1, 80, 600), -1.0)
    band[0, 30, :400] = 1.0  # a band at bin 30 during 400 speech frames, then padding at the floor
    for seed in range(4):
        r = random.Random(seed).uniform(0.9, 1.1)
        y = band.clone()
        (n_out,) = speed_perturb(y, [400], random.Random(seed), centers, max_rate=0.1)
        assert n_out == round(400 / r)
        assert (y[0, :, n_out:] == -1.0).all() and (y[0, :, : n_out] > -1.0).any(dim=0).all()
        peak = int(y[0, :, n_out // 2].argmax())
        assert abs(peak - int(np.abs(centers - centers[30] * r).argmin())) <= 1, (r, peak)
    (n_out,) = speed_perturb(torch.randn(1, 80, 600), [590], random.Random(3), centers, max_rate=0.1)
    assert n_out <= 600


def test_log_mel_key_follows_the_audio_and_the_feature_extractor():
    import numpy as np
    from speech_data import Utterance
    from transformers import WhisperFeatureExtractor
    from whisper import log_mel_key

    rng = np.random.default_rng(0)
    utts = [Utterance("en", rng.standard_normal(800).astype(np.float32), "a", "a", "fleurs") for _ in range(3)]
    fe = WhisperFeatureExtractor(feature_size=80, chunk_length=6)
    key = log_mel_key(fe, utts)
    assert len(key) == 16 and key == log_mel_key(fe, [Utterance(u.lang, u.audio.copy(), u.text, u.en, u.corpus)
                                                       for u in utts])
    changed = [*utts[:2], Utterance("en", utts[2].audio.copy(), "a", "a", "fleurs")]
    changed[2].audio[400] += 1e-3
    assert log_mel_key(fe, changed) != key
    assert log_mel_key(fe, utts[::-1]) != key
    assert log_mel_key(WhisperFeatureExtractor(feature_size=80, chunk_length=5), utts) != key


def test_whisper_ctc_script_trains_only_the_encoder(speech_world, tmp_path):
    """whisper_ctc.py goes on training a trained Whisper's encoder with character CTC: the CTC loss
    falls, the encoder's weights move, the decoder's are the source's, and zst loads the encoder."""
    import torch
    import whisper
    import whisper_ctc
    from safetensors.torch import load_file

    from zst.models.speech_encoder import SpeechEncoder

    src = tmp_path / "models" / "whisper"
    assert whisper.main(["--world", str(speech_world), "--out", str(src), "--languages", "en,zh", "--steps", "2",
                         "--batch", "8", "--d-model", "32", "--enc-layers", "1", "--dec-layers", "1", "--vocab", "400",
                         "--lr", "3e-3", "--eval-limit", "1", "--threads", "1", "--ctc-pretrain-steps", "0",
                         "--device", "cpu"]) == 0
    out = tmp_path / "models" / "whisper-ctc"  # --from defaults to the "whisper" folder beside it
    assert whisper_ctc.main(["--world", str(speech_world), "--out", str(out), "--steps", "40", "--head-steps", "5",
                             "--batch", "8", "--lr", "3e-3", "--log-every", "5", "--eval-limit", "2", "--threads", "1",
                             "--device", "cpu"]) == 0
    log = [json.loads(line) for line in (tmp_path / "models" / "whisper-ctc.train_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in log if r["stage"] == "encoder"]
    assert losses[-1] < 0.8 * losses[0], losses
    report = json.loads((out / "eval.json").read_text())
    assert report["from"] == str(src) and report["steps"] == 40
    assert set(report["test_ctc_cer_before"]) == set(report["test_ctc_cer"]) == {"en", "zh"}

    before = {k.removeprefix("model."): v for k, v in load_file(str(src / "model.safetensors")).items()}
    after = load_file(str(out / "model.safetensors"))  # a WhisperModel: no "model." prefix
    assert set(after) <= set(before)
    enc = [k for k in after if k.startswith("encoder.layers.")]
    dec = [k for k in after if k.startswith("decoder.")]
    assert enc and dec
    assert any(not torch.equal(before[k], after[k]) for k in enc)
    assert all(torch.equal(before[k], after[k]) for k in dec)
    encoder = SpeechEncoder.from_pretrained(str(out))
    assert encoder.family == "whisper" and encoder.hidden_size == 32 and encoder.window_seconds == 6.0

    # the trained CTC head is saved beside the model: reloaded, it scores the test split's transcripts far
    # better than a fresh head on the same encoder, and transcribes (greedy CTC) through whisper.ctc_transcribe
    from speech_data import load_speech

    enc, head, fe, chars = whisper_ctc.load_ctc_asr(out)
    assert head.weight.shape == (len(chars.chars) + 1, 32) and chars.blank == len(chars.chars)
    test = load_speech(speech_world, "test", ("en", "zh"), corpora=("fleurs",))[:8]
    with torch.no_grad():
        feats = torch.from_numpy(whisper.log_mels(fe, [u.audio for u in test]).astype("float32"))
        states = enc(feats).last_hidden_state
        torch.manual_seed(0)
        fresh = torch.nn.Linear(32, len(chars.chars) + 1)
        trained, untrained = whisper.ctc_loss(head, states, test, chars), whisper.ctc_loss(fresh, states, test, chars)
        assert trained < 0.8 * untrained
    hyps = whisper.ctc_transcribe(enc, head, fe, chars, [u.audio for u in test], "cpu", batch=3)
    assert len(hyps) == len(test) and all(isinstance(h, str) for h in hyps)
    with pytest.raises(FileNotFoundError, match="ctc_head"):
        whisper_ctc.load_ctc_asr(src)

    # every round reads the one content-keyed log-mel cache beside the models that whisper.py wrote
    (cache,) = (tmp_path / "models" / "log-mel-cache").glob("*.npy")
    written = cache.stat().st_mtime_ns
    again = tmp_path / "models" / "whisper-ctc2"
    assert whisper_ctc.main(["--world", str(speech_world), "--out", str(again), "--from", str(out), "--steps", "2",
                             "--head-steps", "1", "--batch", "8", "--eval-limit", "1", "--threads", "1",
                             "--spec-augment", "--speed-perturb", "0.1", "--device", "cpu"]) == 0
    assert list((tmp_path / "models" / "log-mel-cache").glob("*.npy")) == [cache]
    assert cache.stat().st_mtime_ns == written
    assert not list((tmp_path / "models").glob("*.init/*.npy"))
    assert json.loads((again / "eval.json").read_text())["from"] == str(out)
    assert json.loads((again / "eval.json").read_text())["spec_augment"] == {"freq_masks": 1, "freq_width": 8,
                                                                            "time_masks": 2, "time_width": 20}
    assert json.loads((again / "eval.json").read_text())["speed_perturb"] == 0.1


def test_ctc_cascade_baseline_transcribes_with_the_ctc_head_then_translates(speech_world, speech_clips,
                                                                             tiny_nllb_dir, tiny_trained_whisper,
                                                                             tmp_path):
    """baselines.py cascade-ctc: every source utterance is transcribed by the whisper_ctc.py folder's CTC
    head (exactly whisper.ctc_transcribe's output, kept as ``asr``) and translated by the NLLB model into
    every other target, with the target reference attached."""
    import baselines
    import whisper
    import whisper_ctc
    from conftest import write_parallel_tsv

    from zst.audio import load_audio
    from zst.config import PrepareConfig
    from zst.prepare import prepare
    from zst.testing.tiny import DEMO_SENTENCES

    ctc = tmp_path / "models" / "whisper-ctc"
    assert whisper_ctc.main(["--world", str(speech_world), "--out", str(ctc), "--from", str(tiny_trained_whisper),
                             "--steps", "2", "--head-steps", "2", "--batch", "4", "--eval-limit", "1", "--threads", "1",
                             "--device", "cpu"]) == 0
    # two steps leave the head emitting blanks only; a random head (saved as the script saves it) emits a
    # different character string per clip, so the records' transcripts show whose audio they came from
    import torch

    torch.manual_seed(0)
    chars = whisper_ctc.load_ctc_asr(ctc)[3]
    whisper_ctc.save_ctc_head(torch.nn.Linear(32, chars.blank + 1), chars, ctc)
    clips = [c for c in speech_clips if c["lang"] in ("en", "de")][:4]
    tsv = write_parallel_tsv(clips, tmp_path / "clips.tsv")
    manifest = prepare(PrepareConfig(source=str(tmp_path), tsv=str(tsv), text_model=None), tmp_path / "prep",
                       quiet=True)["manifest"]

    path = baselines.run("cascade-ctc", manifest, tmp_path / "cascade", nllb=tiny_nllb_dir, whisper=ctc,
                         tgts=["en", "fr"], beam=1, device="cpu")
    records = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    by_id = {(r["id"], r["tgt_lang"]): r for r in records}
    # en sources go into fr only, de sources into en and fr
    n_en = sum(c["lang"] == "en" for c in clips)
    assert len(records) == n_en + 2 * (len(clips) - n_en) and all(r["src_lang"] != r["tgt_lang"] for r in records)
    enc, head, fe, chars = whisper_ctc.load_ctc_asr(ctc)
    asr = whisper.ctc_transcribe(enc, head, fe, chars, [load_audio(c["path"]) for c in clips], "cpu")
    assert len(set(asr)) == len(clips) and all(asr)
    for c, text in zip(clips, asr):
        k = DEMO_SENTENCES[c["lang"]].index(c["text"])
        rec = by_id[(f"{c['lang']}_{k}", "fr")]
        assert rec["asr"] == text and isinstance(rec["hyp"], str)
        assert rec["ref"] == DEMO_SENTENCES["fr"][k]
