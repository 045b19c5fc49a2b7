"""The embedded default model (zst/assets/default_model): a self-contained ZeroST bundle trained on
the mini-world (row Awk15 of docs/results: Q-NLLB with 64 queries, NLL only, 4,000 + 2,000 + 4,500 + 3,000
+ 3,500 + 3,500 + 3,500 + 2,500 CPU steps on all transcribed training speech (row A8), then 11 × 2,500 more
over the Whisper encoder as ten further character-CTC rounds went on (rows Aw … Aw11), then 1,500 +
12 × 2,500 with the KD loss beside NLL (weight 0.1, rows Awk2, Awk4 … Awk7, Awk8c, Awk9 … Awk15); 58.3
average BLEU on the Europarl-ST test split), which `zst translate` uses when no --model is given. The
shipped example clips are Europarl-ST *test* segments (held-out speakers and sentences) with their
references: six demo clips (examples/audio/miniworld_clips.tsv) and a larger sample of four per
Europarl-ST language (examples/audio/miniworld_test/clips.tsv), on which the quality floors are checked
— six clips are too few to tell models apart.

The model translates them only partly right (fewer than half exactly; docs/results/README.md): the
floors below are the measured scores less a margin for platform-level float differences, and they
require content — a bridge that ignored the audio scores at the shuffled-reference control level
(~1.2 BLEU)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from zst.audio import load_audio
from zst.cli.main import app
from zst.config import TranslateConfig
from zst.inference import default_model_path
from zst.metrics import bleu
from zst.models.zerost import ZeroST

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "audio"
TARGETS = ("de", "fr", "en", "es", "pl")


def _clips() -> list[dict]:
    with open(EXAMPLES / "miniworld_clips.tsv", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.fixture(scope="module")
def model():
    return ZeroST.load(default_model_path(), with_decoder=True)


def test_bundle_is_small_self_contained_and_whisper_based():
    root = default_model_path()
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size <= 25e6, f"embedded default model is {size / 1e6:.1f} MB (limit 25 MB)"
    meta = json.loads((root / "config.json").read_text())
    assert meta["model"]["speech_encoder"] == "bundle:speech_encoder"
    assert meta["model"]["text_model"] == "bundle:text_model"
    assert json.loads((root / "speech_encoder" / "config.json").read_text())["model_type"] == "whisper"
    assert meta["layout"]["steps"][-1] == "nll"


def test_default_model_translates_the_shipped_clips_with_content(model):
    with open(EXAMPLES / "miniworld_test" / "clips.tsv", encoding="utf-8") as f:
        clips = list(csv.DictReader(f, delimiter="\t"))
    assert len({c["lang"] for c in clips}) == 9 and len(clips) == 36
    audio = [load_audio(EXAMPLES / "miniworld_test" / c["file"]) for c in clips]
    out = model.translate_many(audio, TARGETS, beam_size=4, max_new_tokens=40)
    own, control, exact, n = {}, {}, 0, 0
    for tgt in TARGETS:  # cross-lingual directions only: a clip is not "translated" into its own language
        idx = [i for i, c in enumerate(clips) if c["lang"] != tgt]
        hyps, refs = [out[tgt][i] for i in idx], [clips[i][f"text_{tgt}"] for i in idx]
        own[tgt] = bleu(hyps, refs, tgt).score
        control[tgt] = bleu(hyps, refs[1:] + refs[:1], tgt).score  # each against the next clip's reference
        exact += sum(h == r for h, r in zip(hyps, refs))
        n += len(hyps)
    mean_own = sum(own.values()) / len(own)
    mean_control = sum(control.values()) / len(control)
    # Measured when bundled (2026-12-07, row Awk15): BLEU de 64.3 fr 64.1 en 72.1 es 75.1 pl 55.7
    # (mean 66.2), control mean 1.2; 74 of 160 translations exact (row Awk14: 66.9, 73; row Awk13: 68.5, 78;
    # row Awk10: 64.5, 69; row Awk9: 63.5, 67; row Awk8: 63.0, 66; row Awk7: 60.2, 62; row Awk6: 60.8, 66;
    # row Awk5: 57.8, 61; row Awk4: 55.8, 59; row Aw11: 52.2, 52; row Aw10: 51.9, 51; row Aw9: 50.5, 46;
    # row Aw8: 52.1, 50 — 160 translations are too few to rank close rows, the default is chosen on the 7,200).
    assert n == 160
    assert mean_own >= 62.2, (own, out)
    assert mean_own - mean_control >= 59.0, (own, control)
    assert exact >= 68, (exact, out)


def test_translate_without_model_uses_the_default(model, tmp_path):
    clip = next(c for c in _clips() if c["lang"] == "de")  # "Wo ist der Vogel?", the README's demo
    res = CliRunner().invoke(app, ["translate", str(EXAMPLES / clip["file"]), "--tgt", "en", "--tgt", "es",
                                   "-o", str(tmp_path), "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    recs = [json.loads(line) for line in (tmp_path / "predictions" / "predictions.jsonl").read_text().splitlines()]
    hyp = {r["tgt_lang"]: r["hyp"] for r in recs}
    assert set(hyp) == {"en", "es"}
    # the CLI without --model translates with the embedded default, at the CLI's default decoding options
    opts = TranslateConfig()
    ref = model.translate_many([load_audio(EXAMPLES / clip["file"])], ("en", "es"), beam_size=opts.beam_size,
                               max_new_tokens=opts.max_new_tokens, length_penalty=opts.length_penalty)
    assert hyp == {t: ref[t][0] for t in ("en", "es")}, (hyp, ref)
    # measured: Spanish exactly right for rows Aw2 … Awk4, Awk6, Awk7, Awk10, Awk14 and Awk15 (the default; rows
    # Awk5, Awk8, Awk9 and Awk13 added a stray "sobre": "¿Dónde está sobre el pájaro?"); English exactly right for
    # rows Aw2 … Awk10 and Awk14, while the default misrecognises the first word: "we is in the bird?" (row
    # Awk13: "wo is on the bird?") — one sentence does not rank rows, the 7,200 test translations do
    assert hyp["es"] == clip["text_es"] == "¿Dónde está el pájaro?", hyp
    assert clip["text_en"] == "Where is the bird?" and hyp["en"].endswith("the bird?"), hyp


def test_length_penalty_reaches_beam_search(model):
    """``length_penalty`` is beam search's length exponent: None keeps the model's (HF's 1.0), and
    pushing it down shortens the outputs, up lengthens them (characters over the 36 shipped clips into
    en and fr; measured with row Awk15: -4 → 1,841, 1 → 1,985, 6 → 2,177)."""
    with open(EXAMPLES / "miniworld_test" / "clips.tsv", encoding="utf-8") as f:
        clips = list(csv.DictReader(f, delimiter="\t"))
    audio = [load_audio(EXAMPLES / "miniworld_test" / c["file"]) for c in clips]
    out = {lp: model.translate_many(audio, ("en", "fr"), beam_size=4, max_new_tokens=40, length_penalty=lp)
           for lp in (None, 1.0, -4.0, 6.0)}
    assert out[None] == out[1.0]
    chars = {lp: sum(len(t) for texts in o.values() for t in texts) for lp, o in out.items()}
    assert chars[-4.0] < chars[1.0] < chars[6.0], chars
