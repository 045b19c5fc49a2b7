"""Whisper as a translator (forced <|lang|><|task|> context) and its decoder fine-tuning."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from zst.errors import ConfigError
from zst.models.whisper_st import (WhisperST, context_language, decoder_sequences, merged_state_dict, pad_sequences,
                                   set_finetune_mode)
from zst.testing.tiny import build_tiny_whisper_st
from conftest import invoke as _invoke, write_parallel_tsv

@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("whisper_st")


@pytest.fixture(scope="module")
def whisper_dir(work) -> Path:
    return build_tiny_whisper_st(work / "whisper")


@pytest.fixture(scope="module")
def pairs_manifest(speech_clips, work) -> Path:
    """The 18 clips with translations into the other two demo languages (no teacher)."""
    write_parallel_tsv(speech_clips, work / "clips.tsv")
    r = _invoke("prepare", "folder", work, "--tsv", work / "clips.tsv", "--no-teacher", "-o", work / "prep", "-q")
    assert r.exit_code == 0, r.output
    return work / "prep"


@pytest.fixture(scope="module")
def finetuned(pairs_manifest, whisper_dir, work) -> Path:
    """Decoder fine-tuned on the six en→fr pairs with <|fr|><|transcribe|>, encoder frozen."""
    run = work / "ft"
    r = _invoke("train-nll", pairs_manifest, "--arch", "whisper", "--speech-encoder", whisper_dir,
                "--tgt-languages", "fr", "--src-languages", "en", "--max-steps", 80, "--lr", 3e-3,
                "--batch-seconds", 12, "--log-every", 5, "--checkpoint-every", 40, "-o", run, "-q")
    assert r.exit_code == 0, r.output
    return run


def test_context_language_follows_whisper_and_the_paper():
    assert context_language("transcribe", "fr", "fr") == "fr"  # ASR: source language
    assert context_language("translate", "en", "fr") == "fr"  # Whisper's X→en: source language
    assert context_language("translate", "zh", "en") == "zh"  # paper Table 2: <|zh|><|translate|>
    assert context_language("transcribe", "zh", "en") == "zh"  # paper Table 2: <|zh|><|transcribe|>
    assert context_language("transcribe", "ca", "ca", decode_lang="es") == "es"  # Table 3: unseen source
    assert context_language("translate", "en", "ca", decode_lang="es") == "es"
    assert context_language("translate", "en", None) is None  # source unknown: Whisper detects it
    with pytest.raises(ConfigError, match="--task"):
        context_language("summarise", "en", "fr")


def test_decoder_sequences_layout(whisper_dir):
    st = WhisperST.load(whisper_dir)
    ids = st.tokenizer.convert_tokens_to_ids
    (x,), (y,) = decoder_sequences(st.tokenizer, ["Le chat dort."], ["fr"], "transcribe")
    body = st.tokenizer(" Le chat dort.", add_special_tokens=False)["input_ids"]
    ctx = [ids("<|fr|>"), ids("<|transcribe|>"), ids("<|notimestamps|>")]
    assert x == [ids("<|startoftranscript|>"), *ctx, *body]
    assert y == [*ctx, *body, ids("<|endoftext|>")]
    xs, ys = pad_sequences([x, x[:3]], [y, y[:3]], pad=7)
    assert xs.shape == ys.shape == (2, len(x)) and int((xs[1] == 7).sum()) == len(x) - 3
    assert int((ys[1] == -100).sum()) == len(x) - 3
    with pytest.raises(ConfigError, match="<\\|xx\\|>"):
        decoder_sequences(st.tokenizer, ["a"], ["xx"], "transcribe")


def test_translate_many_forces_context_per_source(whisper_dir, monkeypatch):
    st = WhisperST.load(whisper_dir, task="translate", decode_lang="es")
    calls = []

    def fake_generate(audio, lang, task, **kw):
        calls.append((len(audio), lang, task, kw["length_penalty"]))
        return [f"{lang}/{task}"] * len(audio)

    real_generate = st.generate
    monkeypatch.setattr(st, "generate", fake_generate)
    audio = [np.zeros(8000, np.float32)] * 3
    out = st.translate_many(audio, ["en", "zh"], src_langs=["ca", "fr", "ca"], length_penalty=1.3)
    # into en: the source slot, where --decode-lang es replaces it; into zh: the target's own token
    assert out == {"en": ["es/translate"] * 3, "zh": ["zh/translate"] * 3}
    assert calls == [(3, "es", "translate", 1.3), (3, "zh", "translate", 1.3)]
    # and HF's Whisper generate takes it
    assert len(real_generate(audio[:2], "en", "transcribe", beam_size=2, max_new_tokens=3, length_penalty=1.3)) == 2


def test_lora_merge_equals_the_lora_model(whisper_dir):
    st = WhisperST.load(whisper_dir)
    set_finetune_mode(st.model, "lora", lora_r=4, lora_alpha=8)
    trainable = [n for n, p in st.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n and ".decoder." in f".{n}" for n in trainable)
    torch.manual_seed(0)
    for n, p in st.model.named_parameters():
        if p.requires_grad:
            torch.nn.init.normal_(p, std=0.2)
    from transformers import WhisperForConditionalGeneration

    plain = WhisperForConditionalGeneration(st.model.config).eval()
    missing, unexpected = plain.load_state_dict(merged_state_dict(st.model), strict=False)
    assert not unexpected and all("proj_out" in k for k in missing)  # tied to the token embeddings
    plain.tie_weights()
    feats = st.speech.features([np.random.RandomState(0).randn(16000).astype(np.float32) * 0.1])["inputs"]
    x = torch.tensor([[st.model.config.decoder_start_token_id, 5, 6, 7]])
    with torch.no_grad():
        ref = st.model.eval()(input_features=feats, decoder_input_ids=x).logits
        got = plain(input_features=feats, decoder_input_ids=x).logits
        base = WhisperST.load(whisper_dir).model(input_features=feats, decoder_input_ids=x).logits
    assert float((ref - got).abs().max()) < 1e-4
    assert float((ref - base).abs().max()) > 1e-2  # the LoRA deltas do change the model


def test_finetune_decoder_learns_pairs_and_keeps_the_encoder(finetuned, whisper_dir, pairs_manifest, work):
    losses = [json.loads(line)["loss"] for line in (finetuned / "metrics.jsonl").read_text().splitlines()]
    assert losses[-1] < 0.1 * losses[0], losses
    base = WhisperST.load(whisper_dir).model.state_dict()
    tuned = WhisperST.load(finetuned).model.state_dict()
    enc = [k for k in base if k.startswith("model.encoder.")]
    assert enc and all(torch.equal(base[k], tuned[k]) for k in enc)  # encoder frozen
    assert any(not torch.equal(base[k], tuned[k]) for k in base if k.startswith("model.decoder."))
    # translate the training audio with the fine-tuning context <|fr|><|transcribe|>: memorised pairs
    r = _invoke("translate", pairs_manifest, "-m", finetuned, "--task", "transcribe", "--tgt", "fr",
                "--beam-size", 1, "-o", work / "tr", "-q")
    assert r.exit_code == 0, r.output
    recs = [json.loads(line) for line in (work / "tr" / "predictions" / "predictions.jsonl").read_text().splitlines()]
    en = [x for x in recs if x["src_lang"] == "en"]
    assert len(en) == 6 and all(x["tgt_lang"] == "fr" for x in en)
    # the random frozen encoder barely tells the six clips apart (the loss stops near ln(6) per sentence),
    # so the decoder learnt the French side: every hypothesis is one of the training targets
    targets = {x["ref"].strip() for x in en}
    assert len(targets) == 6 and all(x["hyp"].strip() in targets for x in en), [x["hyp"] for x in en]


def test_whisper_translate_rejects_unknown_language_and_decode_lang_elsewhere(whisper_dir, tiny_nllb_dir,
                                                                            speech_clips, tmp_path):
    clip = speech_clips[0]["path"]
    r = _invoke("translate", clip, "-m", whisper_dir, "--tgt", "fr", "--decode-lang", "qq", "-o", tmp_path / "a")
    assert r.exit_code == 2 and "qq" in r.output
    r = _invoke("translate", clip, "-m", whisper_dir, "--task", "summarise", "-o", tmp_path / "b")
    assert r.exit_code == 2 and "--task" in r.output
    r = _invoke("train-nll", tmp_path, "--arch", "whisper", "--speech-encoder", whisper_dir, "--finetune", "half",
                "-o", tmp_path / "c")
    assert r.exit_code == 2


def test_lora_finetune_exports_plain_whisper_and_resumes_exactly(pairs_manifest, whisper_dir, work):
    from safetensors.torch import load_file

    args = ["train-nll", pairs_manifest, "--arch", "whisper", "--speech-encoder", whisper_dir, "--finetune", "lora",
            "--tgt-languages", "fr", "--src-languages", "en", "--lr", 3e-3, "--batch-seconds", 6, "--log-every", 1,
            "--checkpoint-every", 3]
    straight, resumed = work / "lora-a", work / "lora-b"
    assert _invoke(*args, "--max-steps", 6, "-o", straight, "-q").exit_code == 0
    assert _invoke(*args, "--max-steps", 6, "-o", resumed, "-q").exit_code == 0
    shutil.rmtree(resumed / "checkpoints" / "step-0000006")
    shutil.rmtree(resumed / "model")
    r = _invoke(*args, "--max-steps", 6, "-o", resumed, "-q", "--resume")
    assert r.exit_code == 0, r.output
    a, b = (load_file(str(p / "model" / "trainable.safetensors")) for p in (straight, resumed))
    assert a.keys() == b.keys() and all("lora_" in k for k in a)
    assert all(torch.equal(a[k], b[k]) for k in a)
    exported = load_file(str(straight / "model" / "model.safetensors"))
    assert not any("lora_" in k or "base_layer" in k for k in exported)  # a plain Whisper checkpoint
    WhisperST.load(straight)  # loads as an ordinary Whisper folder
