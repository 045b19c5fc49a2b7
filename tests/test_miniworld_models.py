"""Mini-world foundation-model scripts on a tiny world: they train, save with save_pretrained and load
back through zst's public loaders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

MINIWORLD = Path(__file__).resolve().parents[1] / "examples" / "miniworld"
sys.path.insert(0, str(MINIWORLD))
sys.path.insert(0, str(MINIWORLD / "models"))


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
