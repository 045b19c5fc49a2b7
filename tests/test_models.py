"""Adapters, speech encoders, Q-Formers and the ZeroST model on the tiny random-weight models.

Every test compares against an independent computation (a hand-written formula, the raw HF model,
a reloaded copy) rather than only checking that the code runs.
"""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import soundfile as sf
import torch
from torch import nn

from zst.config import ModelConfig
from zst.errors import UnknownLanguageError, ZstError
from zst.languages import to_nllb
from zst.models.adapters import AdapterHost, HoulsbyAdapter
from zst.models.qformer import QSimple, QTransformer, init_from_nllb, q_nllb
from zst.models.speech_encoder import SpeechEncoder
from zst.models.zerost import ZeroST, bundle

SR = 16000


def _noise(seconds: float, seed: int = 0) -> np.ndarray:
    return (0.1 * np.random.default_rng(seed).standard_normal(int(round(seconds * SR)))).astype(np.float32)


def _cfg(whisper_dir, nllb_dir, kind: str = "simple", **kw) -> ModelConfig:
    return ModelConfig(speech_encoder=str(whisper_dir), text_model=str(nllb_dir), qformer=kind, num_queries=8,
                       lite_dim=32, lite_ffn=64, lite_heads=4, adapter_dim=8, **kw)


@pytest.fixture(scope="module")
def two_clips(speech_clips):
    """An English and a French clip with their transcripts (audio 16 kHz float32)."""
    en = next(c for c in speech_clips if c["lang"] == "en")  # "The cat sleeps."
    fr = [c for c in speech_clips if c["lang"] == "fr"][-1]  # "Nous aimons les pommes vertes."
    out = []
    for c in (en, fr):
        audio, sr = sf.read(str(c["path"]), dtype="float32")
        assert sr == SR
        out.append({"audio": audio, "text": c["text"], "lang": c["lang"]})
    return out


@pytest.fixture(scope="module")
def teacher(tiny_nllb_dir, two_clips):
    """NLLB-encoder states of the two transcripts (each tokenised in its own language), padded."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_nllb_dir)
    nllb = AutoModelForSeq2SeqLM.from_pretrained(tiny_nllb_dir).eval()
    rows = []
    with torch.no_grad():
        for c in two_clips:
            tok.src_lang = to_nllb(c["lang"])
            ids = tok(c["text"], return_tensors="pt")
            rows.append(nllb.get_encoder()(**ids).last_hidden_state[0])
    m = max(r.shape[0] for r in rows)
    T = torch.zeros(len(rows), m, rows[0].shape[1])
    mask = torch.zeros(len(rows), m, dtype=torch.bool)
    for i, r in enumerate(rows):
        T[i, : r.shape[0]] = r
        mask[i, : r.shape[0]] = True
    assert mask.sum(1).tolist()[0] != mask.sum(1).tolist()[1]  # one row is padded
    return T, mask


# ============================================================================================ adapters


def test_houlsby_adapter_identity_at_init():
    torch.manual_seed(0)
    ad = HoulsbyAdapter(16, 4)
    x = torch.randn(3, 5, 16)
    assert torch.equal(ad(x), x)
    assert torch.count_nonzero(ad.up.weight) == 0 and torch.count_nonzero(ad.up.bias) == 0
    assert torch.count_nonzero(ad.down.weight) > 0
    # non-identity once `up` is trained: x + up(gelu(down(x)))
    with torch.no_grad():
        ad.up.weight.normal_()
        ad.up.bias.fill_(0.5)
    expect = x + nn.functional.gelu(x @ ad.down.weight.T + ad.down.bias) @ ad.up.weight.T + ad.up.bias
    torch.testing.assert_close(ad(x), expect, atol=1e-6, rtol=1e-6)


class _TupleAttn(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.lin = nn.Linear(d, d)

    def forward(self, x):
        return self.lin(x), "weights"


class _ToyLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.attn = _TupleAttn(d)
        self.ffn = nn.Linear(d, d)

    def forward(self, x):
        a, tag = self.attn(x)
        assert tag == "weights"  # the tuple's other items pass through the hook
        h = x + a
        return h + self.ffn(h)


def _raw_ffn(layer, h):
    """The feed-forward sub-module without its hooks (calling ``layer.ffn`` would run the adapters)."""
    return nn.functional.linear(h, layer.ffn.weight, layer.ffn.bias)


def test_adapter_host_stages_apply_in_order_toy_layers():
    torch.manual_seed(0)
    d = 6
    layers = nn.ModuleList(_ToyLayer(d) for _ in range(2))
    host = AdapterHost(layers, "attn", "ffn", d)
    x = torch.randn(2, 3, d)

    def run():
        h = x
        for layer in layers:
            h = layer(h)
        return h

    base = run()
    host.add_stage(4)
    host.add_stage(4)
    assert torch.equal(run(), base)  # identity adapters
    for stage in host.stages:
        for ad in [*stage.attn, *stage.ffn]:
            with torch.no_grad():
                ad.up.weight.normal_(std=0.5)
                ad.up.bias.normal_(std=0.5)
                ad.down.weight.normal_(std=0.5)
    s0, s1 = host.stages
    with torch.no_grad():
        h = x
        for i, layer in enumerate(layers):
            a = s1.attn[i](s0.attn[i](layer.attn.lin(h)))
            h = h + a
            h = h + s1.ffn[i](s0.ffn[i](_raw_ffn(layer, h)))
        expect = h
        # the other order gives a different result, so the check above is sensitive to order
        h = x
        for i, layer in enumerate(layers):
            h = h + s0.attn[i](s1.attn[i](layer.attn.lin(h)))
            h = h + s0.ffn[i](s1.ffn[i](_raw_ffn(layer, h)))
        wrong_order = h
        got = run()
    torch.testing.assert_close(got, expect, atol=1e-6, rtol=1e-6)
    assert (got - wrong_order).abs().max() > 1e-3
    host.remove_hooks()
    with torch.no_grad():
        torch.testing.assert_close(run(), base, atol=0, rtol=0)


def test_adapter_host_on_whisper(tiny_whisper_dir):
    from transformers import WhisperModel

    enc = SpeechEncoder.from_pretrained(str(tiny_whisper_dir))
    raw = WhisperModel.from_pretrained(str(tiny_whisper_dir)).get_encoder().eval()
    feats = enc.features([_noise(1.0), _noise(2.5, 1)])
    with torch.no_grad():
        ref = raw(feats["inputs"]).last_hidden_state
        assert torch.equal(enc(feats)[0], ref)  # no stage yet
        enc.adapters.add_stage(8)
        enc.adapters.add_stage(8)
        assert len(enc.adapters.stages) == 2 and len(enc.adapters.stages[0].attn) == enc.num_layers == 2
        assert torch.equal(enc(feats)[0], ref)  # identity at init

    # observe layer 0's fc2 output after the adapters (a hook registered later sees the replaced output)
    seen = []
    handle = enc.model.layers[0].fc2.register_forward_hook(lambda m, a, o: seen.append(o.detach().clone()))
    s0, s1 = enc.adapters.stages
    with torch.no_grad():
        enc(feats)
        raw_fc2 = seen.pop()  # identity adapters: the raw fc2 output
        shift = torch.linspace(-1, 1, 64)
        s0.ffn[0].up.bias.copy_(shift)  # stage 0 adds a constant vector
        out0 = enc(feats)[0]
        torch.testing.assert_close(seen.pop(), raw_fc2 + shift, atol=1e-5, rtol=1e-5)
        assert (out0 - ref).abs().max() > 1e-3  # the output changes once `up` is non-zero

        s1.ffn[0].up.weight.normal_(std=0.3)  # stage 1 is non-linear in its input
        s1.ffn[0].down.weight.normal_(std=0.3)
        enc(feats)
        expect = s1.ffn[0](raw_fc2 + shift)  # stage 1 sees stage 0's output
        torch.testing.assert_close(seen.pop(), expect, atol=1e-5, rtol=1e-5)
        assert (expect - (raw_fc2 + shift)).abs().max() > 1e-3
    handle.remove()

    # perturbing an attention adapter changes the encoder output too
    with torch.no_grad():
        s0.ffn[0].up.bias.zero_()
        s1.ffn[0].up.weight.zero_()
        assert torch.equal(enc(feats)[0], ref)
        s0.attn[1].up.weight.normal_(std=0.5)
        assert (enc(feats)[0] - ref).abs().max() > 1e-3


# ====================================================================================== speech encoders


def test_whisper_speech_encoder_shapes_and_mask(tiny_whisper_dir, two_clips):
    enc = SpeechEncoder.from_pretrained(str(tiny_whisper_dir))
    assert enc.family == "whisper" and enc.hidden_size == 64
    assert enc.window_seconds == pytest.approx(4.0) and enc.frame_rate == 50.0
    assert all(not p.requires_grad for p in enc.model.parameters())
    assert not enc.model.training
    enc.train()
    assert not enc.model.training  # the frozen base stays in eval mode

    feats = enc.features([_noise(1.0), _noise(2.0, 1)])
    assert feats["inputs"].shape == (2, 80, 400)
    assert feats["lengths"].tolist() == [50, 100]
    with torch.no_grad():
        states, mask = enc(feats)
    assert states.shape == (2, 200, 64) and mask.shape == (2, 200) and mask.dtype == torch.bool
    assert mask.sum(1).tolist() == [50, 100]
    assert mask[0, :50].all() and not mask[0, 50:].any()  # a prefix of real frames

    # real clips: 100 mel frames/s (ceil of samples / 160), then the stride-2 conv: (mel - 1) // 2 + 1
    audio = [c["audio"] for c in two_clips]
    feats = enc.features(audio)
    expect = [(math.ceil(len(a) / 160) - 1) // 2 + 1 for a in audio]
    assert feats["lengths"].tolist() == expect
    assert expect[0] != expect[1]
    with torch.no_grad():
        _, mask = enc(feats)
    assert mask.sum(1).tolist() == expect

    # the full window is accepted; longer audio is refused
    assert enc.features([_noise(4.0)])["lengths"].tolist() == [200]
    with pytest.raises(ZstError, match="window"):
        enc.features([_noise(1.0), _noise(4.5)])


def test_wav2vec2_speech_encoder_shapes_and_mask(tiny_wav2vec2_dir):
    enc = SpeechEncoder.from_pretrained(str(tiny_wav2vec2_dir), max_seconds=3.0)
    assert enc.family == "wav2vec2" and enc.hidden_size == 48 and enc.frame_rate == 50.0
    assert all(not p.requires_grad for p in enc.model.parameters())
    samples = torch.tensor([16000, 24000, 8000])
    feats = enc.features([_noise(1.0), _noise(1.5, 1), _noise(0.5, 2)])
    expect = enc.model._get_feat_extract_output_lengths(samples).tolist()
    assert expect == [49, 74, 24]
    assert feats["lengths"].tolist() == expect
    with torch.no_grad():
        states, mask = enc(feats)
    assert states.shape == (3, 74, 48)
    assert mask.sum(1).tolist() == expect
    assert mask[2, :24].all() and not mask[2, 24:].any()
    with pytest.raises(ZstError, match="window"):
        enc.features([_noise(3.5)])


def test_speech_encoder_adapter_stage_changes_states_only_after_training(tiny_wav2vec2_dir):
    enc = SpeechEncoder.from_pretrained(str(tiny_wav2vec2_dir))
    feats = enc.features([_noise(1.0)])
    with torch.no_grad():
        ref, _ = enc(feats)
        stage = enc.adapters.add_stage(8)
        assert torch.equal(enc(feats)[0], ref)
        stage.ffn[0].up.bias.copy_(torch.linspace(-0.5, 0.5, 48))  # (a constant shift would be LayerNorm'd away)
        assert (enc(feats)[0] - ref).abs().max() > 1e-4


# ============================================================================================ Q-Formers


def test_qsimple_matches_formula_and_ignores_masked_frames():
    torch.manual_seed(0)
    qs = QSimple(num_queries=3, dim=4)
    with torch.no_grad():
        qs.queries.copy_(torch.randn(3, 4))
    K = torch.randn(2, 5, 4)
    mask = torch.tensor([[True, True, True, True, True], [True, True, True, False, False]])
    K_junk = K.clone()
    K_junk[1, 3:] = 1e6  # masked frames: huge values would dominate if they were attended to
    got = qs(K_junk, mask)
    assert got.shape == (2, 3, 4)
    W = qs.queries.detach().double()
    for b in range(2):
        Kb = K[b, mask[b]].double()
        expect = torch.softmax(W @ Kb.T, dim=-1) @ Kb
        torch.testing.assert_close(got[b].double(), expect, atol=1e-5, rtol=1e-5)
    assert torch.equal(got, qs(K, mask))
    # hand check of one entry with plain python
    w0 = W[0].tolist()
    rows = K[1, :3].double().tolist()
    scores = [sum(a * b for a, b in zip(w0, r)) for r in rows]
    z = [math.exp(s - max(scores)) for s in scores]
    p = [v / sum(z) for v in z]
    assert got[1, 0, 2].item() == pytest.approx(sum(pi * r[2] for pi, r in zip(p, rows)), abs=1e-5)


def test_qtransformer_shape_and_padding_invariance():
    torch.manual_seed(0)
    qf = QTransformer(num_queries=4, dim=16, layers=2, heads=4, ffn=32, out_dim=24).eval()
    speech = torch.randn(2, 7, 16)
    mask = torch.ones(2, 7, dtype=torch.bool)
    mask[1, 4:] = False
    with torch.no_grad():
        out = qf(speech, mask)
        assert out.shape == (2, 4, 24)
        junk = speech.clone()
        junk[1, 4:] = torch.randn(3, 16) * 100
        torch.testing.assert_close(qf(junk, mask), out, atol=1e-6, rtol=0)
        # the padded row equals the same utterance run alone without padding
        alone = qf(speech[1:, :4], torch.ones(1, 4, dtype=torch.bool))
        torch.testing.assert_close(out[1:], alone, atol=1e-5, rtol=1e-5)
        # and the real frames do matter
        other = speech.clone()
        other[1, 0] += 1.0
        assert (qf(other, mask)[1] - out[1]).abs().max() > 1e-4


def test_init_from_nllb_copies_weights(tiny_nllb_dir):
    from transformers import AutoModelForSeq2SeqLM

    nllb = AutoModelForSeq2SeqLM.from_pretrained(str(tiny_nllb_dir)).eval()
    c = nllb.config
    torch.manual_seed(0)
    with torch.no_grad():  # LayerNorms start at (1, 0) like fresh ones: perturb so copies are detectable
        for p in nllb.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    qf = q_nllb(8, c)
    assert len(qf.layers) == c.decoder_layers and qf.out_dim == qf.in_dim == c.d_model
    enc, dec = nllb.model.encoder, nllb.model.decoder
    assert not torch.equal(qf.layers[0].self_attn.q_proj.weight, enc.layers[0].self_attn.q_proj.weight)
    init_from_nllb(qf, nllb)

    def same(a: nn.Module, b: nn.Module):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys()
        for k in sa:
            assert torch.equal(sa[k], sb[k]), k

    for i, layer in enumerate(qf.layers):
        same(layer.self_attn, enc.layers[i].self_attn)
        same(layer.self_attn_layer_norm, enc.layers[i].self_attn_layer_norm)
        same(layer.encoder_attn, dec.layers[i].encoder_attn)
        same(layer.encoder_attn_layer_norm, dec.layers[i].encoder_attn_layer_norm)
        same(layer.fc1, enc.layers[i].fc1)
        same(layer.fc2, enc.layers[i].fc2)
    same(qf.layer_norm, enc.layer_norm)
    assert qf.queries.std().item() == pytest.approx(1.0, abs=0.2)

    # same names -> same function: our attention reproduces NLLB's on the copied weights
    x = torch.randn(2, 5, c.d_model)
    kv = torch.randn(2, 9, c.d_model)
    with torch.no_grad():
        torch.testing.assert_close(qf.layers[1].self_attn(x, x), enc.layers[1].self_attn(hidden_states=x)[0],
                                   atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(qf.layers[0].encoder_attn(x, kv),
                                   dec.layers[0].encoder_attn(hidden_states=x, key_value_states=kv)[0],
                                   atol=1e-5, rtol=1e-5)


# ================================================================================================ ZeroST

KD_PREFIXES = ("speech.adapters.", "proj.", "qformer.", "kd.proj.")


def _grads(model: nn.Module) -> set[str]:
    return {n for n, p in model.named_parameters() if p.grad is not None}


def _trainable(model: nn.Module) -> set[str]:
    return {n for n, p in model.named_parameters() if p.requires_grad}


def _audio(two_clips):
    return [c["audio"] for c in two_clips]


@pytest.mark.parametrize("kind", ["simple", "lite", "nllb"])
def test_zerost_trainable_parts_kd_then_nll(kind, tiny_whisper_dir, tiny_nllb_dir, two_clips, teacher, tmp_path):
    torch.manual_seed(0)
    cfg = _cfg(tiny_whisper_dir, tiny_nllb_dir, kind)
    model = ZeroST.create(cfg, with_decoder=True)
    model.prepare_step("kd", continue_from_kd=False)
    model.train()
    names = {n for n, _ in model.named_parameters()}
    assert any(n.startswith("nllb.") for n in names) and any(n.startswith("speech.model.") for n in names)

    T, t_mask = teacher
    out = model.kd_loss(_audio(two_clips), T, t_mask)
    assert out.loss.item() == pytest.approx(cfg.kd_beta * (out.fine.item() + out.glob.item()), rel=1e-5)
    assert 0 < out.fine.item() <= 2 * cfg.num_queries and 0 <= out.glob.item() <= 2
    out.loss.backward()
    got = _grads(model)
    assert got == _trainable(model)
    assert all(n.startswith(KD_PREFIXES) for n in got)
    for prefix in KD_PREFIXES:
        assert any(n.startswith(prefix) for n in got), prefix
    assert {n for n in names if n.startswith(("qformer.", "proj.", "kd.proj.", "speech.adapters."))} == got
    assert not any(n.startswith(("speech.model.", "nllb.")) for n in got)
    params = dict(model.named_parameters())
    for n in ("proj.weight", "qformer.queries", "kd.proj.weight", "speech.adapters.stages.0.ffn.1.up.weight"):
        assert params[n].grad.abs().sum().item() > 0, n

    # ---- NLL after KD: only the new encoder stage and the Q-Former adapters train
    model.save(tmp_path / "kd")
    nll = ZeroST.load(tmp_path / "kd", with_decoder=True)
    assert nll.layout.encoder_adapter_stages == 1 and nll.layout.steps == ["kd"]
    nll.prepare_step("nll", continue_from_kd=True)
    nll.train()
    assert nll.layout.encoder_adapter_stages == 2 and nll.layout.qformer_adapters
    loss = nll.nll_loss(_audio(two_clips), [c["text"] for c in two_clips], [c["lang"] for c in two_clips])
    assert math.isfinite(loss.item()) and loss.item() > 0
    loss.backward()
    got = _grads(nll)
    assert got == _trainable(nll)
    stage1 = {n for n, _ in nll.named_parameters() if n.startswith("speech.adapters.stages.1.")}
    qf_adapters = {n for n, _ in nll.named_parameters() if n.startswith("qformer.") and "adapter" in n}
    assert stage1 and qf_adapters
    assert got == stage1 | qf_adapters
    assert not any(n.startswith(("speech.adapters.stages.0.", "proj.", "kd.", "speech.model.", "nllb."))
                   for n in got)
    assert "qformer.queries" not in got
    p = dict(nll.named_parameters())
    assert p["speech.adapters.stages.1.ffn.1.up.weight"].grad.abs().sum().item() > 0
    assert max(p[n].grad.abs().sum().item() for n in qf_adapters if n.endswith("up.weight")) > 0


def test_zerost_nll_only_trains_what_kd_would(tiny_whisper_dir, tiny_nllb_dir, two_clips):
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "lite"), with_decoder=True)
    model.prepare_step("nll", continue_from_kd=False)
    loss = model.nll_loss(_audio(two_clips), [c["text"] for c in two_clips], [c["lang"] for c in two_clips])
    loss.backward()
    got = _grads(model)
    assert got == _trainable(model)
    assert {n.split(".")[0] for n in got} == {"speech", "proj", "qformer"}
    assert all(n.startswith(("speech.adapters.stages.0.", "proj.", "qformer.")) for n in got)
    assert not any(n.startswith("kd.") for n in got)


def test_set_kd_fine_switches_the_loss_and_the_saved_config(tiny_whisper_dir, tiny_nllb_dir, two_clips, teacher,
                                                            tmp_path):
    torch.manual_seed(0)
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=True).eval()
    T, t_mask = teacher
    with torch.no_grad():
        Q, _ = model.encode(_audio(two_clips))
        paper = model.kd(Q, T, t_mask).fine.item()
        model.set_kd_fine("contrastive")
        contrastive = model.kd(Q, T, t_mask).fine.item()
    assert model.kd.fine_mode == model.cfg.kd_fine == "contrastive" and contrastive != pytest.approx(paper)
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / "config.json").read_text())["model"]["kd_fine"] == "contrastive"
    with pytest.raises(ValueError, match="'paper' or 'contrastive'"):
        model.set_kd_fine("cosine")
    assert model.kd.fine_mode == "contrastive"


@pytest.mark.parametrize("fine", ["paper", "contrastive"])
def test_nll_with_auxiliary_kd_adds_the_kd_of_the_utterances_with_teacher_states(fine, tiny_whisper_dir,
                                                                                 tiny_nllb_dir, two_clips, teacher):
    """forward(batch, "nll", kd_weight=λ) = L_NLL + λ·L_KD(Q, T) on one encoding, the KD over the rows whose
    teacher mask has a real token; with no such row (or λ = 0) it is the NLL alone."""
    torch.manual_seed(0)
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "lite", kd_fine=fine), with_decoder=True).eval()
    model.prepare_step("nll", continue_from_kd=False)
    T, t_mask = teacher
    texts, langs = [c["text"] for c in two_clips], [c["lang"] for c in two_clips]
    batch = {"audio": _audio(two_clips), "text": texts, "lang": langs, "teacher": T, "teacher_mask": t_mask}
    with torch.no_grad():
        nll = model.nll_loss(batch["audio"], texts, langs)
        Q, _ = model.encode(batch["audio"])
        kd_both = model.kd(Q, T, t_mask)
        kd_first = model.kd(Q[:1], T[:1], t_mask[:1])
        loss, logs = model(batch, "nll", kd_weight=0.25)
        assert loss.item() == pytest.approx(nll.item() + 0.25 * kd_both.loss.item(), rel=1e-5)
        assert logs["nll"] == pytest.approx(nll.item(), rel=1e-6) and logs["kd_utterances"] == 2
        assert logs["kd_fine"] == pytest.approx(kd_both.fine.item(), rel=1e-5)
        assert kd_both.loss.item() > 0

        half = {**batch, "teacher_mask": t_mask.clone()}
        half["teacher_mask"][1] = False  # the French clip has no teacher states
        loss, logs = model(half, "nll", kd_weight=0.25)
        assert loss.item() == pytest.approx(nll.item() + 0.25 * kd_first.loss.item(), rel=1e-5)
        assert logs["kd_utterances"] == 1

        none = {**batch, "teacher_mask": torch.zeros_like(t_mask)}
        loss, logs = model(none, "nll", kd_weight=0.25)
        assert loss.item() == pytest.approx(nll.item(), rel=1e-6) and "kd_fine" not in logs
        assert model(batch, "nll")[0].item() == pytest.approx(nll.item(), rel=1e-6)

    model.train()
    loss, _ = model(batch, "nll", kd_weight=0.25)
    loss.backward()
    got = _grads(model)
    assert got == _trainable(model) and not any(n.startswith("kd.") for n in got)  # the KD Proj stays frozen


def test_prepare_step_on_loaded_checkpoint(tiny_whisper_dir, tiny_nllb_dir, tmp_path):
    """Re-preparing a loaded KD checkpoint (resume KD, or NLL-only from it) re-enables every stage-0
    adapter, not only freshly created ones."""
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "lite"), with_decoder=False)
    model.prepare_step("kd", continue_from_kd=False)
    kd_set = _trainable(model)
    model.save(tmp_path / "kd")
    loaded = ZeroST.load(tmp_path / "kd", with_decoder=False)
    assert not _trainable(loaded) - kd_set
    loaded.prepare_step("kd", continue_from_kd=False)
    assert loaded.layout.encoder_adapter_stages == 1
    assert _trainable(loaded) == kd_set
    assert {n for n in kd_set if n.startswith("speech.")} == {
        n for n, _ in loaded.named_parameters() if n.startswith("speech.adapters.stages.0.")}
    loaded.prepare_step("nll", continue_from_kd=False)
    assert _trainable(loaded) == {n for n in kd_set if not n.startswith("kd.")}


def test_prepare_step_nll_again_continues_the_nll_parts(tiny_whisper_dir, tiny_nllb_dir, tmp_path):
    """`train-nll --init <NLL run>` trains the parts the earlier NLL step trained, adds nothing:
    all own parts after NLL only; only the NLL stage and Q-Former adapters after KD→NLL."""
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=False)
    model.prepare_step("nll", continue_from_kd=False)
    nll_set = _trainable(model)
    model.save(tmp_path / "nll")
    again = ZeroST.load(tmp_path / "nll", with_decoder=False)
    again.prepare_step("nll", continue_from_kd=True)
    assert again.layout.encoder_adapter_stages == 1 and not again.layout.qformer_adapters
    assert again.layout.steps == ["nll", "nll"] and _trainable(again) == nll_set

    kd = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=False)
    kd.prepare_step("kd", continue_from_kd=False)
    kd.save(tmp_path / "kd")
    kd_nll = ZeroST.load(tmp_path / "kd", with_decoder=False)
    kd_nll.prepare_step("nll", continue_from_kd=True)
    kd_nll_set = _trainable(kd_nll)
    kd_nll.save(tmp_path / "kd-nll")
    again = ZeroST.load(tmp_path / "kd-nll", with_decoder=False)
    again.prepare_step("nll", continue_from_kd=True)
    assert again.layout.encoder_adapter_stages == 2 and again.layout.steps == ["kd", "nll", "nll"]
    assert _trainable(again) == kd_nll_set
    assert all(n.startswith(("speech.adapters.stages.1.", "qformer.")) for n in kd_nll_set)


def test_tokenize_targets(tiny_whisper_dir, tiny_nllb_dir):
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir), with_decoder=True)
    tok = model.tokenizer
    eos, pad = tok.eos_token_id, tok.pad_token_id
    assert model.nllb.config.decoder_start_token_id == eos
    texts = ["The cat sleeps.", "Nous aimons les pommes vertes.", "Ich trinke Wasser."]
    langs = ["en", "fr", "deu_Latn"]
    dec, labels = model.tokenize_targets(texts, langs)
    ids = [tok(t, add_special_tokens=False)["input_ids"] for t in texts]
    N = max(len(i) for i in ids) + 2
    assert dec.shape == labels.shape == (3, N)
    for i, (text_ids, lang) in enumerate(zip(ids, ["eng_Latn", "fra_Latn", "deu_Latn"])):
        n = len(text_ids)
        assert dec[i, 0].item() == eos
        assert dec[i, 1].item() == tok.convert_tokens_to_ids(lang)
        assert dec[i, 2 : 2 + n].tolist() == text_ids
        assert (dec[i, 2 + n :] == pad).all()
        assert labels[i, 0].item() == -100
        assert labels[i, 1 : 1 + n].tolist() == text_ids
        assert labels[i, 1 + n].item() == eos
        assert (labels[i, 2 + n :] == -100).all()
        # teacher forcing: the label at j is the decoder input at j + 1
        assert labels[i, 1 : 1 + n].tolist() == dec[i, 2 : 2 + n].tolist()
    assert (labels == -100).sum().item() == 3 + sum(N - 2 - len(i) for i in ids)
    with pytest.raises(UnknownLanguageError):
        model.tokenize_targets(["x"], ["xx"])


def test_save_load_round_trip(tiny_whisper_dir, tiny_nllb_dir, two_clips, tmp_path):
    torch.manual_seed(0)
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "lite"), with_decoder=False)
    model.prepare_step("kd", continue_from_kd=False)
    model.prepare_step("nll", continue_from_kd=True)
    with torch.no_grad():  # make every own weight non-trivial (adapters are identity at init)
        for name, p in model.named_parameters():
            if not name.startswith(("speech.model.", "nllb.")):
                p.add_(torch.randn_like(p) * 0.05)
    model.eval()
    audio = _audio(two_clips)
    with torch.no_grad():
        Q, mask = model.encode(audio)
    assert Q.shape == (2, 8, 32)
    model.save(tmp_path / "ckpt")
    loaded = ZeroST.load(tmp_path / "ckpt", with_decoder=False).eval()
    assert loaded.nllb is None
    assert loaded.layout.encoder_adapter_stages == 2 and loaded.layout.qformer_adapters
    assert loaded.layout.steps == ["kd", "nll"]
    a, b = model.own_state_dict(), loaded.own_state_dict()
    assert a.keys() == b.keys()
    assert any(k.startswith("speech.adapters.stages.1.") for k in a)
    assert any("ffn_adapter" in k for k in a)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert not any(k.startswith(("speech.model.", "nllb.")) for k in a)
    with torch.no_grad():
        Q2, mask2 = loaded.encode(audio)
    assert torch.equal(mask, mask2)
    torch.testing.assert_close(Q2, Q, atol=1e-6, rtol=0)
    # the stage-1 adapters matter for the output, so the equality above covers them
    with torch.no_grad():
        loaded.speech.adapters.stages[1].ffn[0].up.weight.zero_()
        loaded.speech.adapters.stages[1].ffn[0].up.bias.zero_()
        assert (loaded.encode(audio)[0] - Q).abs().max() > 1e-5


def test_translate(tiny_whisper_dir, tiny_nllb_dir, two_clips, monkeypatch):
    torch.manual_seed(0)
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=True).eval()
    tok = model.tokenizer
    calls = []
    original = model.nllb.generate

    def spy(*args, **kwargs):
        seen = {**kwargs, "Q": kwargs["encoder_outputs"].last_hidden_state.clone()}  # generate expands it
        out = original(*args, **kwargs)
        calls.append((seen, out))
        return out

    monkeypatch.setattr(model.nllb, "generate", spy)
    audio = _audio(two_clips)
    for tgt, code in (("de", "deu_Latn"), ("fra_Latn", "fra_Latn")):
        result = model.translate(audio, tgt, beam_size=2, max_new_tokens=4)
        assert isinstance(result, list) and len(result) == 2 and all(isinstance(s, str) for s in result)
        kwargs, ids = calls.pop()
        forced = tok.convert_tokens_to_ids(code)
        gen = kwargs["generation_config"]
        assert gen.forced_bos_token_id == forced and gen.num_beams == 2
        assert gen.length_penalty is None  # not given: the model's own (HF's 1.0)
        assert ids.shape[0] == 2
        assert (ids[:, 0] == model.nllb.config.decoder_start_token_id).all()
        assert (ids[:, 1] == forced).all()  # the first generated token is the target language
        assert ids.shape[1] <= 1 + 4  # start token + at most max_new_tokens
        assert result == [s.strip() for s in tok.batch_decode(ids, skip_special_tokens=True)]
        # the encoder output fed to generate is the Q-Former output
        with torch.no_grad():
            Q, _ = model.encode(audio)
        torch.testing.assert_close(kwargs["Q"], Q)
    single = model.translate(audio[:1], "en", beam_size=1, max_new_tokens=3)
    assert len(single) == 1
    assert (calls.pop()[1][:, 1] == tok.convert_tokens_to_ids("eng_Latn")).all()
    model.translate(audio, "de", beam_size=2, max_new_tokens=4, length_penalty=1.7)
    assert calls.pop()[0]["generation_config"].length_penalty == 1.7

    with pytest.raises(UnknownLanguageError):
        model.translate(audio, "xx")
    assert not calls  # refused before decoding


def test_translate_requires_decoder(tiny_whisper_dir, tiny_nllb_dir, two_clips):
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=False)
    assert model.nllb is None
    with pytest.raises(RuntimeError, match="with_decoder"):
        model.translate(_audio(two_clips), "de")


def test_bundle_is_self_contained_and_relocatable(tiny_whisper_dir, tiny_nllb_dir, two_clips, tmp_path):
    torch.manual_seed(0)
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=True).eval()
    model.prepare_step("kd", continue_from_kd=False)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if not name.startswith(("speech.model.", "nllb.")):
                p.add_(torch.randn_like(p) * 0.05)
    model.eval()
    model.save(tmp_path / "ckpt")
    with pytest.raises(ZstError, match="provenance key.* model would replace"):
        bundle(tmp_path / "ckpt", tmp_path / "assets" / "b", provenance={"model": {}})
    assert not (tmp_path / "assets" / "b").exists()
    bundle(tmp_path / "ckpt", tmp_path / "assets" / "b", provenance={"miniworld_row": "rX"})  # parent made as needed
    meta = json.loads((tmp_path / "assets" / "b" / "config.json").read_text())
    assert meta["miniworld_row"] == "rX"
    assert meta["model"]["speech_encoder"] == "bundle:speech_encoder"
    assert meta["model"]["text_model"] == "bundle:text_model"
    (tmp_path / "assets" / "b").rename(tmp_path / "moved")  # no absolute path inside
    loaded = ZeroST.load(tmp_path / "moved", with_decoder=True).eval()
    audio = _audio(two_clips)
    with torch.no_grad():  # the bundle stores every weight as fp16: round the original the same way
        for t in [*model.parameters(), *model.buffers()]:
            if t.is_floating_point():
                t.copy_(t.half().float())
        q_ref, _ = model.encode(audio)
        q_new, _ = loaded.encode(audio)
    torch.testing.assert_close(q_new, q_ref, atol=1e-6, rtol=0)
    assert loaded.translate(audio, "de", beam_size=2, max_new_tokens=5) == \
        model.translate(audio, "de", beam_size=2, max_new_tokens=5)
    shutil.rmtree(tmp_path / "moved" / "text_model")
    with pytest.raises(ZstError, match="bundled text model 'text_model' is missing"):
        ZeroST.load(tmp_path / "moved")


def test_translate_many_encodes_once_and_equals_translate(tiny_whisper_dir, tiny_nllb_dir, two_clips, monkeypatch):
    torch.manual_seed(0)
    model = ZeroST.create(_cfg(tiny_whisper_dir, tiny_nllb_dir, "simple"), with_decoder=True).eval()
    audio = _audio(two_clips)
    single = {t: model.translate(audio, t, beam_size=2, max_new_tokens=5) for t in ("de", "fr", "en")}
    encodes = []
    original = model.encode
    monkeypatch.setattr(model, "encode", lambda a: encodes.append(len(a)) or original(a))
    many = model.translate_many(audio, ["de", "fr", "en"], beam_size=2, max_new_tokens=5)
    assert many == single and encodes == [2]
    with pytest.raises(UnknownLanguageError):
        model.translate_many(audio, ["de", "xx"])
    assert encodes == [2]  # refused before encoding
