"""End to end through the CLI on real espeak-ng speech: prepare → distill → train-nll → translate →
eval, exact resume, and bad input exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from zst.cli.main import app
from zst.testing.tiny import DEMO_SENTENCES, build_tiny_nllb

runner = CliRunner()


def zst(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def losses(run_dir) -> list[float]:
    return [json.loads(line)["loss"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def steerable_nllb_dir(tmp_path_factory):
    """A tiny NLLB whose frozen decoder output depends clearly on its encoder states (init_std 0.5:
    at NLLB's 0.02 a random decoder predicts a near-uniform distribution whatever Q is)."""
    texts = [s for sents in DEMO_SENTENCES.values() for s in sents]
    return build_tiny_nllb(tmp_path_factory.mktemp("nllb_steer"), texts=texts, init_std=0.5,
                           langs=("eng_Latn", "fra_Latn", "deu_Latn"))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory, speech_clips, steerable_nllb_dir):
    tiny_nllb_dir = steerable_nllb_dir
    root = tmp_path_factory.mktemp("e2e")
    clips = speech_clips[:6] + speech_clips[6:9]  # 6 English + 3 French clips
    rows = ["file\ttext\tlang"] + [f"{c['path']}\t{c['text']}\t{c['lang']}" for c in clips]
    (root / "clips.tsv").write_text("\n".join(rows) + "\n")
    res = zst("prepare", "folder", root, "--tsv", root / "clips.tsv", "--text-model", tiny_nllb_dir,
              "-o", root / "prep", "-q")
    assert res.exit_code == 0, res.output
    assert "9 utterances" in res.output
    return root


def test_distill_then_train_nll_losses_fall(prepared, tiny_whisper_dir, steerable_nllb_dir):
    tiny_nllb_dir = steerable_nllb_dir
    common = ["--max-steps", "40", "--batch-seconds", "6", "--log-every", "1", "--checkpoint-every", "20", "-q"]
    res = zst("distill", prepared / "prep", "--speech-encoder", tiny_whisper_dir, "--text-model", tiny_nllb_dir,
              "--qformer", "nllb", "--queries", "8", "--adapter-dim", "8", "--lr", "3e-3", *common,
              "-o", prepared / "kd")
    assert res.exit_code == 0, res.output
    kd = losses(prepared / "kd")
    assert len(kd) == 40
    assert sum(kd[-5:]) / 5 < 0.6 * sum(kd[:5]) / 5, kd

    res = zst("train-nll", prepared / "prep", "--init", prepared / "kd", "--lr", "1e-2", *common,
              "-o", prepared / "nll")
    assert res.exit_code == 0, res.output
    nll = losses(prepared / "nll")
    assert sum(nll[-5:]) / 5 < 0.85 * sum(nll[:5]) / 5, nll  # measured ratio: 0.67
    for run in ("kd", "nll"):
        for name in ("config.yaml", "env.json", "log.txt", "metrics.jsonl", "model/config.json",
                     "model/model.safetensors"):
            assert (prepared / run / name).is_file(), (run, name)
        assert not list((prepared / run / "checkpoints").glob(".*tmp"))
    cfg = json.loads((prepared / "nll" / "model" / "config.json").read_text())
    assert cfg["layout"] == {"encoder_adapter_stages": 2, "qformer_adapters": True, "steps": ["kd", "nll"]}

    # translate the manifest (references come from it) into two languages, then score
    res = zst("translate", prepared / "prep" / "cuts.jsonl.gz", "--tgt", "en", "--tgt", "deu_Latn", "-m",
              prepared / "nll", "--beam-size", "2", "--max-new-tokens", "6", "-o", prepared / "tr", "-q")
    assert res.exit_code == 0, res.output
    preds = [json.loads(x) for x in (prepared / "tr" / "predictions" / "predictions.jsonl").read_text().splitlines()]
    assert len(preds) == 18 and {p["tgt_lang"] for p in preds} == {"en", "de"}
    assert sum(p["ref"] is not None for p in preds) == 6  # en->en transcripts are the only references
    assert len(res.output.strip().splitlines()) == 18
    res = zst("eval", prepared / "tr", "-o", prepared / "ev", "-q")
    assert res.exit_code == 0, res.output
    scores = json.loads((prepared / "ev" / "scores.json").read_text())
    en = next(d for d in scores["directions"] if d["src"] == "en" and d["tgt"] == "en")
    assert en["n"] == 6 and 0.0 <= en["wer"]


def test_resume_reproduces_uninterrupted_run(prepared, tiny_wav2vec2_dir, steerable_nllb_dir):
    tiny_nllb_dir = steerable_nllb_dir
    args = ["train-nll", prepared / "prep", "--speech-encoder", tiny_wav2vec2_dir, "--text-model", tiny_nllb_dir,
            "--qformer", "simple", "--queries", "8", "--adapter-dim", "8", "--max-steps", "6", "--batch-seconds",
            "4", "--lr", "1e-3", "--checkpoint-every", "3", "--log-every", "1", "-q"]
    full, resumed = prepared / "full", prepared / "resumed"
    assert zst(*args, "-o", full).exit_code == 0
    shutil.copytree(full, resumed)
    shutil.rmtree(resumed / "checkpoints" / "step-0000006")  # as if interrupted after step 3
    shutil.rmtree(resumed / "model")
    res = zst(*args, "-o", resumed, "--resume")
    assert res.exit_code == 0, res.output
    a, b = losses(full), losses(resumed)
    assert len(b) == 6 and b == a  # bitwise: same batches, RNG and learning rate
    steps = [json.loads(x)["step"] for x in (resumed / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5, 6]


def test_bad_input_exits_2_with_one_line(prepared, tmp_path):
    res = runner.invoke(app, ["translate", str(prepared / "nope.wav"), "-m", str(prepared / "nll")])
    assert res.exit_code == 2 and res.output.strip().startswith("error:") and "nope.wav" in res.output
    res = runner.invoke(app, ["translate", "examples/audio/en_cat.wav", "--tgt", "frx", "-m", str(tmp_path)])
    assert res.exit_code == 2 and "closest" in res.output and "fr" in res.output
    res = runner.invoke(app, ["distill", str(tmp_path / "missing.jsonl.gz"), "-q"])
    assert res.exit_code == 2 and "missing.jsonl.gz" in res.output
    res = runner.invoke(app, ["distill", str(prepared / "prep"), "--config", str(tmp_path / "none.yaml")])
    assert res.exit_code == 2 and "none.yaml" in res.output
    res = runner.invoke(app, ["train-slm"])
    assert res.exit_code == 2 and "no manifest" in res.output
    for flag, value, says in (("--beam-size", "0", "--beam-size must be"), ("--length-penalty", "nan", "finite"),
                              ("--max-new-tokens", "-1", "--max-new-tokens must be")):
        res = runner.invoke(app, ["translate", "examples/audio/en_cat.wav", flag, value, "-m", str(prepared / "nll")])
        assert res.exit_code == 2 and res.output.strip().startswith("error:") and says in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1


def test_console_script_entry_point():
    out = subprocess.run([sys.executable, "-m", "zst.cli.main", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("zst ")
