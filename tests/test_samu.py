"""SAMU-XLS-R (issue 7) on tiny random models: attention pooling, the semantic cosine loss, cached
sentence embeddings, `zst distill --objective semantic`, `zst train-nll --arch st` initialised from the
SAMU encoder, `zst translate` with an ST checkpoint, `zst retrieve` on SAMU embeddings, bad input.

The speech is the session's espeak-ng clips (DEMO_SENTENCES in en, fr, de; parallel id = sentence
index); the teacher is a tiny random BERT with its pooler (the LaBSE architecture, 32-d).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from lhotse import CutSet
from lhotse.utils import fastcopy
from safetensors.torch import load_file

from zst.audio import load_audio
from zst.config import SAMUConfig, STConfig
from zst.data.manifests import load_cut_audio, load_manifest
from zst.data.teacher import SENTENCE_FIELD
from zst.errors import ZstError
from zst.losses import semantic_cosine_loss
from zst.models.samu import SAMU, AttentionPooling
from zst.models.st import LengthAdapter, STModel
from zst.testing.tiny import DEMO_SENTENCES, build_tiny_bert, build_tiny_nllb
from conftest import invoke as _invoke, ok as _ok, one_error_line as _one_error_line, write_parallel_tsv

BERT_DIM = 32  # build_tiny_bert's default width


def _losses(run: Path) -> list[float]:
    return [json.loads(line)["loss"] for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]


# -- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("samu")


def _train_tiny_labse(path: Path, steps: int = 30) -> Path:
    """Train the tiny random BERT in place, LaBSE-style, so that its embeddings carry meaning: each
    DEMO sentence's translations are its positives in an in-batch softmax over scaled cosines of the
    L2-normalised pooler outputs. A random tiny BERT embeds every sentence alike (mean cosine 0.99999:
    a constant would match it); after 30 steps (~2 s) translations have cosine ~0.99, others ~0."""
    from transformers import AutoModel, AutoTokenizer

    tok, bert = AutoTokenizer.from_pretrained(str(path)), AutoModel.from_pretrained(str(path))
    langs = sorted(DEMO_SENTENCES)
    label = torch.tensor([k for _ in langs for k in range(len(DEMO_SENTENCES["en"]))])
    enc = tok([s for lang in langs for s in DEMO_SENTENCES[lang]], return_tensors="pt", padding=True)
    eye = torch.eye(len(label), dtype=torch.bool)
    positive = (label[:, None] == label[None, :]) & ~eye
    opt = torch.optim.Adam(bert.parameters(), lr=3e-3)
    bert.eval()  # no dropout
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        for _ in range(steps):
            y = torch.nn.functional.normalize(bert(**enc).pooler_output, dim=-1)
            logp = (20.0 * y @ y.T).masked_fill(eye, float("-inf")).log_softmax(-1)
            loss = -torch.logsumexp(logp.masked_fill(~positive, float("-inf")), -1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    bert.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def bert_dir(work) -> Path:
    return _train_tiny_labse(build_tiny_bert(work / "bert"))


@pytest.fixture(scope="module")
def nllb_dir(work) -> Path:
    """A tiny random NLLB with larger weights than the session's (init_std 0.02 keeps every logit within
    about ±0.9, so no adapter could move its NLL in a test's time)."""
    texts = [s for sents in DEMO_SENTENCES.values() for s in sents]
    return build_tiny_nllb(work / "nllb", texts=texts, langs=("eng_Latn", "fra_Latn", "deu_Latn"), init_std=0.3)


@pytest.fixture(scope="module")
def prepared(speech_clips, bert_dir, work) -> Path:
    """All 18 clips with translations into the other two languages, parallel ids and cached
    sentence embeddings (no NLLB teacher)."""
    write_parallel_tsv(speech_clips, work / "clips.tsv")
    r = _ok("prepare", "folder", work, "--tsv", work / "clips.tsv", "--no-teacher", "--sentence-model", bert_dir,
            "--device", "cpu", "-o", work / "prep", "-q")
    assert "prepare: 18 utterances" in r.stdout
    return work / "prep"


@pytest.fixture(scope="module")
def samu_run(prepared, tiny_wav2vec2_dir, work) -> tuple[Path, object]:
    run = work / "samu"
    r = _ok("distill", prepared, "--objective", "semantic", "--speech-encoder", tiny_wav2vec2_dir,
            "--embedding-dim", BERT_DIM, "--encoder-training", "full", "--max-steps", "40", "--batch-seconds", "60",
            "--lr", "1e-2", "--log-every", "1", "--checkpoint-every", "30", "-o", run, "-q")
    return run, r


@pytest.fixture(scope="module")
def st_run(prepared, samu_run, nllb_dir, work) -> tuple[Path, object]:
    run = work / "st"
    r = _ok("train-nll", prepared, "--arch", "st", "--init", samu_run[0], "--text-model", nllb_dir,
            "--tgt-languages", "fr", "--max-steps", "15", "--batch-seconds", "60", "--lr", "1e-2", "--log-every",
            "1", "--checkpoint-every", "15", "-o", run, "-q")
    return run, r


# -- parts -----------------------------------------------------------------------------------------


def test_attention_pooling_honours_the_mask():
    torch.manual_seed(0)
    pool = AttentionPooling(8)
    x = torch.randn(2, 6, 8)
    mask = torch.tensor([[True] * 6, [True] * 4 + [False] * 2])
    out = pool(x, mask)
    noisy = x.clone()
    noisy[1, 4:] = 1e3  # padding values change nothing
    assert torch.allclose(pool(noisy, mask), out, atol=1e-6)
    assert torch.allclose(pool(x[1:, :4], mask[1:, :4]), out[1:], atol=1e-6)  # = the unpadded utterance
    alpha = torch.softmax(x[1, :4] @ pool.score.weight[0] + pool.score.bias[0], dim=0)
    assert torch.allclose(out[1], alpha @ x[1, :4], atol=1e-6)  # Σ_t α_t c_t by hand
    with pytest.raises(ValueError, match="no real frame"):
        pool(x, torch.zeros(2, 6, dtype=torch.bool))


def test_semantic_cosine_loss_by_hand():
    e = torch.tensor([[1.0, 0.0], [1.0, 1.0], [3.0, 4.0]])
    y = torch.tensor([[0.0, 2.0], [2.0, 2.0], [-3.0, -4.0]])
    # cosines 0, 1, -1 -> distances 1, 0, 2 -> mean 1
    assert semantic_cosine_loss(e, y).item() == pytest.approx(1.0, abs=1e-6)
    assert semantic_cosine_loss(e[1:2], y[1:2]).item() == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="differ in shape"):
        semantic_cosine_loss(e, y[:, :1])


def test_length_adapter_lengths_and_padding():
    torch.manual_seed(0)
    la = LengthAdapter(8, 6, layers=2)
    x = torch.randn(2, 9, 8)
    mask = torch.tensor([[True] * 9, [True] * 5 + [False] * 4])
    out, m = la(x, mask)
    assert out.shape == (2, 3, 6) and m.sum(1).tolist() == [3, 2]  # 9 -> 5 -> 3, 5 -> 3 -> 2
    alone, _ = la(x[1:, :5], mask[1:, :5])
    assert torch.allclose(out[1, :2], alone[0], atol=1e-6)  # padded frames do not leak in
    assert torch.all(out[1, 2:] == 0)


def test_samu_embedding_ignores_batch_padding(tiny_wav2vec2_dir, speech_clips):
    torch.manual_seed(0)
    model = SAMU.create(SAMUConfig(speech_encoder=str(tiny_wav2vec2_dir), embedding_dim=BERT_DIM)).eval()
    short, long = sorted((load_audio(c["path"]) for c in speech_clips[:2]), key=len)
    with torch.no_grad():
        alone = model.embed([short])
        batched = model.embed([long, short])
    assert alone.shape == (1, BERT_DIM) and float(alone.abs().max()) <= 1.0  # tanh
    assert torch.allclose(batched[1], alone[0], atol=1e-4)


# -- prepare, distill, save/load ---------------------------------------------------------------------


def test_prepare_caches_labse_embeddings(prepared, bert_dir):
    from transformers import AutoModel, AutoTokenizer

    cuts = load_manifest(prepared)
    cut = next(c for c in cuts if c.id == "fr_2")
    emb = cut.load_custom(SENTENCE_FIELD)
    assert emb.shape == (BERT_DIM,) and np.linalg.norm(emb) == pytest.approx(1.0, abs=1e-5)
    assert cut.custom["sentence_model"] == str(bert_dir)
    tok, bert = AutoTokenizer.from_pretrained(str(bert_dir)), AutoModel.from_pretrained(str(bert_dir)).eval()
    with torch.no_grad():
        pooled = bert(**tok([DEMO_SENTENCES["fr"][2]], return_tensors="pt")).pooler_output[0]
    np.testing.assert_allclose(emb, torch.nn.functional.normalize(pooled, dim=0).numpy(), atol=1e-5)


def test_semantic_distillation_loss_falls(samu_run, prepared):
    """1 - cos falls from ~1 (untrained projection) to half of that within 40 full-batch steps, and
    below what the best constant embedding scores (the teacher's normalised mean: 0.47 here), so the
    utterance embeddings tell the six sentences apart. Measured: 1.06 -> 0.31."""
    run, r = samu_run
    losses = _losses(run)
    assert len(losses) == 40 and all(np.isfinite(losses))
    assert 0.5 < losses[0] <= 2.0
    assert np.mean(losses[-3:]) < 0.5 * losses[0], losses
    y = np.stack([c.load_custom(SENTENCE_FIELD) for c in load_manifest(prepared)])
    mean = y.mean(0) / np.linalg.norm(y.mean(0))
    constant = float(np.mean(1.0 - y @ mean))
    assert np.mean(losses[-3:]) < 0.8 * constant, (losses[-3:], constant)
    assert "distill --objective semantic: 40 steps" in r.stdout
    meta = json.loads((run / "model" / "config.json").read_text())
    assert meta["format"] == "zst.samu" and meta["embedding_dim"] == BERT_DIM
    weights = load_file(str(run / "model" / "model.safetensors"))
    assert {"pool.score.weight", "proj.weight", "speech.model.encoder.layers.1.attention.q_proj.weight"} <= set(weights)
    assert not any(".feature_extractor." in k for k in weights)  # the conv front end stays frozen, is not saved


@pytest.mark.parametrize("encoder_training", ["adapters", "full"])
def test_samu_save_load_round_trip(tiny_wav2vec2_dir, speech_clips, tmp_path, encoder_training):
    torch.manual_seed(0)
    model = SAMU.create(SAMUConfig(speech_encoder=str(tiny_wav2vec2_dir), embedding_dim=BERT_DIM,
                                   encoder_training=encoder_training, adapter_dim=8))
    model.prepare_training()
    with torch.no_grad():  # move every trained weight away from its (identity / base) init
        for p in model.parameters():
            if p.requires_grad:
                p.add_(0.05 * torch.randn_like(p))
    model.save(tmp_path / "ckpt")
    loaded = SAMU.load(tmp_path / "ckpt")
    audio = [load_audio(c["path"]) for c in speech_clips[:3]]
    with torch.no_grad():
        assert torch.equal(model.eval().embed(audio), loaded.embed(audio))
    saved = load_file(str(tmp_path / "ckpt" / "model.safetensors"))
    enc = [k for k in saved if k.startswith("speech.model.")]
    if encoder_training == "full":
        assert enc and not any(".feature_extractor." in k for k in enc)  # conv front end stays frozen
    else:
        assert not enc


# -- ST model ----------------------------------------------------------------------------------------


def test_st_init_copies_samu_encoder(samu_run, tiny_nllb_dir, tiny_wav2vec2_dir):
    """The distilled run fine-tuned the whole encoder but its conv front end: every one of those
    weights lands in the ST model's encoder."""
    run, _ = samu_run
    samu = load_file(str(run / "model" / "model.safetensors"))
    st = STModel.create(STConfig(speech_encoder=str(tiny_wav2vec2_dir), text_model=str(tiny_nllb_dir),
                                 encoder_training="full"))
    key = "speech.model.encoder.layers.0.attention.q_proj.weight"
    assert not torch.equal(st.state_dict()[key], samu[key])  # distillation moved it
    st.init_from_samu(run)
    state = st.state_dict()
    encoder = [k for k in samu if k.startswith("speech.")]
    assert len(encoder) > 20 and all(torch.equal(state[k], samu[k]) for k in encoder)


def test_st_init_copies_samu_adapters(tiny_wav2vec2_dir, tiny_nllb_dir, tmp_path):
    torch.manual_seed(0)
    samu = SAMU.create(SAMUConfig(speech_encoder=str(tiny_wav2vec2_dir), embedding_dim=BERT_DIM, adapter_dim=8))
    with torch.no_grad():
        for p in samu.speech.adapters.parameters():
            p.add_(torch.randn_like(p))
    samu.save(tmp_path / "samu")
    st = STModel.create(STConfig(speech_encoder=str(tiny_wav2vec2_dir), text_model=str(tiny_nllb_dir),
                                 adapter_dim=8))
    assert torch.all(st.state_dict()["speech.adapters.stages.0.attn.0.up.weight"] == 0)  # fresh = identity
    st.init_from_samu(tmp_path / "samu")
    state, saved = st.state_dict(), samu.own_state_dict()
    adapters = [k for k in saved if k.startswith("speech.adapters.")]
    assert len(adapters) == 2 * 2 * 2 * 2  # 2 layers x (attn, ffn) x (down, up) x (weight, bias)
    assert all(torch.equal(state[k], saved[k]) for k in adapters)
    with pytest.raises(ZstError, match="adapter_dim"):  # a SAMU encoder of another shape is refused
        STModel.create(STConfig(speech_encoder=str(tiny_wav2vec2_dir), text_model=str(tiny_nllb_dir),
                                adapter_dim=4)).init_from_samu(tmp_path / "samu")


def test_st_nll_falls_and_translates(st_run, prepared, samu_run, work):
    run, r = st_run
    losses = _losses(run)
    assert len(losses) == 15 and all(np.isfinite(losses))
    assert np.mean(losses[-3:]) < 0.8 * losses[0], losses
    assert "train-nll --arch st: 15 steps" in r.stdout
    meta = json.loads((run / "model" / "config.json").read_text())
    assert meta["format"] == "zst.st" and meta["init"] == str((samu_run[0] / "model"))
    weights = load_file(str(run / "model" / "model.safetensors"))
    assert any(".encoder_attn." in k for k in weights) and any(k.startswith("decoder_adapters.") for k in weights)
    assert not any(".feature_extractor." in k or k.startswith(("nllb.model.shared", "nllb.lm_head")) for k in weights)

    # save/load: the loaded checkpoint gives the trained model's loss on a fixed batch
    loaded = STModel.load(run)
    cuts = [c for c in load_manifest(prepared) if c.id in ("en_0", "de_1")]
    audio = [load_cut_audio(c) for c in cuts]
    with torch.no_grad():
        a = loaded.nll_loss(audio, ["Le chat dort.", "Le chien mange du pain."], ["fr", "fr"])
    assert np.isfinite(a.item()) and a.item() < losses[0]

    # zst translate dispatches on config.json's format
    out = _ok("translate", cuts[0].recording.sources[0].source, "-m", run, "--tgt",
              "fr", "--beam-size", "1", "--max-new-tokens", "6", "--device", "cpu", "-o", work / "tr", "-q")
    rec = [json.loads(line) for line in (work / "tr" / "predictions" / "predictions.jsonl").read_text().splitlines()]
    assert len(rec) == 1 and rec[0]["tgt_lang"] == "fr" and out.stdout.count("\tfr\t") == 1


# -- retrieval ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("candidates", ["speech", "text"])
def test_retrieve_on_samu_embeddings(samu_run, prepared, work, candidates):
    run, _ = samu_run
    out = work / f"ret-{candidates}"
    _ok("retrieve", prepared, "-m", run, "--src", "en", "--tgt", "fr", "--candidates", candidates,
        "--device", "cpu", "-o", out, "-q")
    result = json.loads((out / "scores.json").read_text())
    assert result["metric"] == "cosine" and result["candidates"] == candidates
    # the same scores by hand: SAMU embeddings (and cached LaBSE embeddings) in numpy
    model = SAMU.load(run)
    cuts = {c.id: c for c in load_manifest(prepared)}
    ids = [str(k) for k in range(6)]
    with torch.no_grad():
        q = model.embed([load_cut_audio(cuts[f"en_{k}"]) for k in ids]).numpy()
        c = (model.embed([load_cut_audio(cuts[f"fr_{k}"]) for k in ids]).numpy() if candidates == "speech"
             else np.stack([cuts[f"fr_{k}"].load_custom(SENTENCE_FIELD) for k in ids]))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    c /= np.linalg.norm(c, axis=1, keepdims=True)
    scores = q @ c.T
    np.testing.assert_allclose(np.load(out / "scores" / "en-fr.npy"), scores, atol=1e-4)
    r1 = float(np.mean(scores.argmax(axis=1) == np.arange(6)))
    assert result["pairs"][0]["R@1"] == pytest.approx(r1)
    assert r1 >= 2 / 6  # above chance (1/6) after 40 steps on these 18 clips; measured 3/6 both ways


# -- bad input ---------------------------------------------------------------------------------------


def test_teacher_width_mismatch_exits_2(prepared, tiny_wav2vec2_dir, tmp_path):
    r = _invoke("distill", prepared, "--objective", "semantic", "--speech-encoder", tiny_wav2vec2_dir,
                "--embedding-dim", "16", "--max-steps", "1", "-o", tmp_path / "r")
    _one_error_line(r, "32-dimensional", "projection outputs 16", "--embedding-dim 32")


def test_manifest_without_transcripts_exits_2(prepared, tiny_wav2vec2_dir, tmp_path):
    cuts = [fastcopy(c, supervisions=[fastcopy(c.supervisions[0], text=None)]) for c in load_manifest(prepared)]
    path = tmp_path / "cuts.jsonl.gz"
    CutSet.from_cuts(cuts).to_file(path)
    r = _invoke("distill", path, "--objective", "semantic", "--speech-encoder", tiny_wav2vec2_dir,
                "--embedding-dim", BERT_DIM, "-o", tmp_path / "r")
    _one_error_line(r, str(path), "no transcripts")

def test_manifest_without_translations_exits_2(prepared, tiny_wav2vec2_dir, tiny_nllb_dir, tmp_path):
    cuts = [fastcopy(c, supervisions=[fastcopy(c.supervisions[0], custom={})]) for c in load_manifest(prepared)]
    path = tmp_path / "cuts.jsonl.gz"
    CutSet.from_cuts(cuts).to_file(path)
    r = _invoke("train-nll", path, "--arch", "st", "--speech-encoder", tiny_wav2vec2_dir, "--text-model",
                tiny_nllb_dir, "-o", tmp_path / "r")
    _one_error_line(r, str(path), "no translations", "X->Y pairs")


def test_other_bad_options_exit_2(prepared, tiny_wav2vec2_dir, tiny_nllb_dir, samu_run, tmp_path):
    r = _invoke("distill", prepared, "--objective", "semantic", "--qformer", "lite", "-o", tmp_path / "r")
    _one_error_line(r, "--qformer", "--objective semantic")
    r = _invoke("distill", prepared, "--objective", "sematic", "-o", tmp_path / "r")
    _one_error_line(r, "--objective", "kd, semantic")
    r = _invoke("train-nll", prepared, "--arch", "st", "--tgt-languages", "it", "--text-model", tiny_nllb_dir,
                "-o", tmp_path / "r")
    _one_error_line(r, "no translations into it")
    r = _invoke("retrieve", prepared, "-m", tiny_wav2vec2_dir, "--candidates", "text", "-o", tmp_path / "r")
    _one_error_line(r, "--candidates text", "SAMU")
    r = _invoke("retrieve", prepared, "-m", samu_run[0], "--metric", "dtw", "-o", tmp_path / "r")
    _one_error_line(r, "--metric dtw", "cosine")
