"""The mini-world rebuild command's bookkeeping and the results tables it writes (no training here)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

MINIWORLD = Path(__file__).resolve().parents[1] / "examples" / "miniworld"
sys.path.insert(0, str(MINIWORLD))

LANGS = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ro")


def _eval(runs: Path, row: str, score) -> None:
    """A europarl-st.json as `zst eval --protocol europarl-st` writes it, from score(src, tgt)."""
    grid = {s: {t: score(s, t) for t in LANGS if t != s} for s in LANGS}
    per_source = {s: sum(v.values()) / len(v) for s, v in grid.items()}
    d = runs / f"eval-{row}" / "scores"
    d.mkdir(parents=True)
    (d / "europarl-st.json").write_text(json.dumps({
        "protocol": "europarl-st", "metric": "bleu", "languages": list(LANGS), "grid": grid,
        "per_source": per_source, "average": sum(per_source.values()) / len(per_source), "missing": [],
        "complete": True}))


def test_list_shows_stages_in_order_and_done_markers(tmp_path, capsys):
    import rebuild

    (tmp_path / "runs" / ".done").mkdir(parents=True)
    (tmp_path / "runs" / ".done" / "nllb").write_text("1 s\n")
    assert rebuild.main(["--world", str(tmp_path), "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    names = [line.split()[-1] for line in lines]
    assert names[:19] == ["corpus", "nllb", "labse", "mt5", "whisper", "whisper-ctc", "whisper-ctc2", "whisper-ctc3",
                          "whisper-ctc4", "whisper-ctc5", "whisper-ctc6", "whisper-ctc7", "whisper-ctc8",
                          "whisper-ctc9", "whisper-ctc10", "whisper-dec", "wav2vec2", "wav2vec2-kd", "prepare"]
    assert names.index("zerost-r3") < names.index("eval-r3") < names.index("tables") < names.index("default-model")
    assert [line.split()[0] for line in lines if line.endswith(" nllb")] == ["done"]
    assert not lines[0].startswith("done")


def test_tables_from_hand_made_grids(tmp_path):
    import tables

    runs = tmp_path / "runs"
    _eval(runs, "r3", lambda s, t: 20.0 if t in ("pl", "ro", "nl") else 30.0)
    _eval(runs, "unseen", lambda s, t: 10.0 if t in ("pl", "ro", "nl") else 40.0)
    _eval(runs, "q16", lambda s, t: 5.0)
    _eval(runs, "topline", lambda s, t: 90.0)
    out = tmp_path / "results"
    assert tables.main(["--runs", str(runs), "--out", str(out)]) == 0
    t1 = (out / "table1.md").read_text().splitlines()
    row3 = next(line for line in t1 if line.startswith("| 3 |"))
    # per source: (5 x 30 + 3 x 20) / 8 = 26.25 for sources outside {pl, ro, nl}; (6x30 + 2x20)/8 = 27.5 inside
    assert row3.split("|")[6].strip() == "26.2" and row3.split("|")[12].strip() == "27.5"
    assert "not run yet" in next(line for line in t1 if line.startswith("| 1 |"))
    assert "**90.0**" in next(line for line in t1 if line.startswith("| 9 |"))
    assert not any(line.startswith("Row") for line in t1)  # no footnoted row (ROW_NOTES) has results
    t2 = (out / "table2.md").read_text()
    assert "| average BLEU | 5.0 | not run yet | not run yet |" in t2 and (out / "table2_queries.png").exists()
    unseen = (out / "unseen_targets.md").read_text().splitlines()
    row = {line.split("|")[1].strip(): line for line in unseen if line.startswith("| ")}
    # mean into the unseen targets (bold), then into the seen ones (X -> X', X != X')
    assert row["unseen"].endswith("| **10.0** | 40.0 |") and row["r3"].endswith("| **20.0** | 30.0 |")
    assert "not run yet" in row["rAu"]


def test_study_tables_from_hand_made_scores(tmp_path):
    import tables

    runs = tmp_path / "runs"

    def write(path: Path, obj) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(obj))

    write(runs / "retr-t1" / "scores.json", {"pairs": [{"src": "en", "tgt": "de", "n": 300, "R@1": 0.1, "R@5": 0.2}]})
    write(runs / "retr-t5-dtw" / "scores.json", {"pairs": [{"src": "de", "tgt": "fr", "n": 300, "R@1": 0.25}]})
    write(runs / "retr-layer-2" / "scores.json", {"pairs": [{"src": "en", "tgt": "fr", "n": 300, "R@1": 0.05}]})
    write(runs / "whisper-st" / "ft-transcribe-scores" / "scores.json",
          {"directions": [{"src": "fr", "tgt": "zh", "bleu": 8.04}]})
    write(runs / "eval-slm-st" / "st-scores" / "scores.json", {"directions": [{"src": "ca", "tgt": "en", "bleu": 8.2}]})
    write(runs / "eval-slm-st" / "st-scores" / "language.json",
          {"directions": [{"src": "ca", "tgt": "en", "language_accuracy": 0.92}]})
    write(runs / "eval-slm-lora" / "asr-scores" / "language.json",
          {"directions": [{"src": "nl", "tgt": "nl", "language_accuracy": 1.0, "wer": 109.4,
                           "wer_right_language": 109.4}]})
    assert tables.main(["--runs", str(runs), "--out", str(tmp_path / "out")]) == 0
    w = (tmp_path / "out" / "whisper_study.md").read_text().splitlines()
    assert "| en |  | — | 10.0 | — | — |" in w  # Table 1 row en: fr —, de 10.0 %
    assert "| dtw | — | — | 25.0 |" in w and "| 2 | 5.0 | — |" in w
    assert any(line.startswith("| en→zh decoder fine-tuned") and line.endswith("| — | 8.0 | — | — |") for line in w)
    s = (tmp_path / "out" / "speech_llm.md").read_text().splitlines()
    st = next(line for line in s if line.startswith("| ST only"))
    assert st.split("|")[7].strip() == "8.2 (92)"  # ca, the sixth source
    asr = next(line for line in s if line.startswith("| CNN + LoRA") and "%" in line)
    assert "100 %, 109.4 / 109.4" in asr


def test_tables_fall_back_to_committed_scores_and_runs_win(tmp_path):
    """A row whose run is gone is read from SCORES/<row>.json; a run on the machine wins over it;
    --only zerost leaves the other studies' tables alone."""
    import tables

    runs, scores, out = tmp_path / "runs", tmp_path / "scores", tmp_path / "out"
    _eval(runs, "r1", lambda s, t: 12.0)
    _eval(runs, "r3p", lambda s, t: 2.0)  # a footnoted row (tables.ROW_NOTES): its note shows, under its label
    _eval(tmp_path / "committed", "r1", lambda s, t: 99.0)  # older committed copy of r1: the run must win
    _eval(tmp_path / "committed", "q64", lambda s, t: 7.0 if s == "en" else 3.0)
    scores.mkdir()
    for row in ("r1", "q64"):
        (scores / f"{row}.json").write_text((tmp_path / "committed" / f"eval-{row}" / "scores" / "europarl-st.json")
                                            .read_text())
    out.mkdir()
    (out / "samu.md").write_text("kept\n")
    assert tables.main(["--runs", str(runs), "--out", str(out), "--scores", str(scores), "--only", "zerost"]) == 0
    t1 = (out / "table1.md").read_text().splitlines()
    assert "**12.0**" in next(line for line in t1 if line.startswith("| 1 |"))
    assert [line for line in t1 if line.startswith("Row")] == [f"Row 3p: {tables.ROW_NOTES['r3p']}."]
    # q64 average: (7 + 8 x 3) / 9 = 3.44
    assert "| average BLEU | not run yet | 3.4 | not run yet |" in (out / "table2.md").read_text()
    assert (out / "samu.md").read_text() == "kept\n"


def test_committed_scores_reproduce_the_published_tables(tmp_path):
    """docs/results/scores holds every evaluated ZeroST row, so the ZeroST tables regenerate from it
    alone (no runs) to what docs/results shows."""
    import tables

    results = MINIWORLD.parents[1] / "docs" / "results"
    assert tables.main(["--runs", str(tmp_path / "none"), "--out", str(tmp_path), "--scores",
                        str(results / "scores"), "--only", "zerost"]) == 0
    for name in ("table1.md", "table2.md", "unseen_targets.md"):
        assert (tmp_path / name).read_text() == (results / name).read_text(), name


def test_control_bleu_separates_content_from_fluent_unrelated_output(tmp_path):
    import diagnose

    refs = ["the cat sees the dog .", "a girl reads two books .", "where is the old table ?"]
    right = [{"src_lang": "de", "tgt_lang": "en", "hyp": r, "ref": r} for r in refs]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r) for r in right))
    own, control = diagnose.control_bleu(tmp_path / "p.jsonl")
    assert abs(own - 100.0) < 1e-6 and control < 20.0
    wrong = [{**r, "hyp": refs[(i + 1) % 3]} for i, r in enumerate(right)]  # each says the next clip's sentence
    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(r) for r in wrong))
    own, control = diagnose.control_bleu(tmp_path / "q.jsonl")
    assert abs(control - 100.0) < 1e-6 and own < 20.0


def test_exact_stats_counts_the_results_tables_columns(tmp_path):
    import diagnose

    def rec(utt, src, tgt, hyp, ref):
        return {"id": utt, "src_lang": src, "tgt_lang": tgt, "hyp": hyp, "ref": ref}

    recs = [  # u1 recognised exactly, one of its two translations exact; u2 misrecognised, both translations wrong
        rec("u1", "de", "de", "Wo ist der Vogel?", "Wo ist der Vogel?"),
        rec("u1", "de", "en", "Where is the bird?", "Where is the bird?"),
        rec("u1", "de", "fr", "Où est le", "Où est l'oiseau ?"),  # truncated: no final punctuation
        rec("u2", "en", "en", "the cat sees a dog.", "The cat sees the dog."),
        rec("u2", "en", "de", "Die Katze sieht.", "Die Katze sieht den Hund."),
        rec("u2", "en", "fr", "Le chien ?", "Le chat voit le chien."),  # wrong, not truncated
        rec("u3", "fr", "en", "no reference", None),  # skipped
    ]
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r) for r in recs))
    s = diagnose.exact_stats(tmp_path / "p.jsonl")
    assert (s["translations"], s["exact"], s["all_exact"], s["none_exact"]) == (4, 1, 0, 1)
    assert (s["own"], s["own_exact"], s["truncated"]) == (2, 1, 1)
    assert s["transfer"] == 50.0  # u1's 2 translations, 1 exact; u2 not recognised, not counted
    assert abs(s["own_wer"] - (0 + 20) / 2) < 1e-6  # de 0; en "a" for "the", 1 of 5 words: mean over languages


def test_from_bundle_unpacks_the_default_model_into_a_trainable_run(tmp_path):
    """``--only from-bundle`` turns the shipped default into models/<the row's speech encoder>,
    models/nllb and the run of the row it was trained as, marked done; the unpacked checkpoint
    encodes exactly like the bundle."""
    import rebuild
    import torch

    from zst.models.zerost import ZeroST

    row = json.loads((rebuild.DEFAULT_MODEL / "config.json").read_text())["miniworld_row"]
    assert rebuild.VARIANTS[row].loss == "nll"
    enc = rebuild.VARIANTS[row].encoder  # whisper, or whisper-ctc* for rows over the encoder trained on
    assert enc in rebuild.MODELS
    assert rebuild.main(["--world", str(tmp_path), "--only", "from-bundle"]) == 0
    done = {p.name for p in (tmp_path / "runs" / ".done").iterdir()}
    assert {enc, "nllb", f"zerost-{row}", f"eval-{row}", "from-bundle"} <= done and "corpus" not in done
    committed = rebuild.REPO / "docs" / "results" / "scores" / f"{row}.json"
    assert (tmp_path / "runs" / f"eval-{row}" / "scores" / "europarl-st.json").read_text() == committed.read_text()
    run = tmp_path / "runs" / f"zerost-{row}" / "nll"
    meta = json.loads((run / "model" / "config.json").read_text())
    assert meta["model"]["speech_encoder"] == str(tmp_path / "models" / enc)
    assert "miniworld_row" not in meta
    unpacked = ZeroST.load(run, with_decoder=False).eval()
    shipped = ZeroST.load(rebuild.DEFAULT_MODEL, with_decoder=False).eval()
    audio = [torch.sin(torch.arange(16000) / 7.0).numpy() * 0.1]
    with torch.no_grad():
        (q_new, _), (q_ref, _) = unpacked.encode(audio), shipped.encode(audio)
    torch.testing.assert_close(q_new, q_ref, atol=1e-5, rtol=0)
    assert all(p.dtype == torch.float32 for p in unpacked.parameters())
    # models built on the machine are kept; the bridge then gets the bundled ones beside its run
    (tmp_path / "models" / enc / "kept").write_text("")
    assert rebuild.main(["--world", str(tmp_path), "--only", "from-bundle", "--force"]) == 0
    meta = json.loads((run / "model" / "config.json").read_text())
    assert meta["model"]["speech_encoder"] == str(tmp_path / "runs" / f"zerost-{row}" / "base" / enc)
    assert (tmp_path / "models" / enc / "kept").exists()


def test_stage_commands_of_the_encoder_rounds(tmp_path, monkeypatch):
    """whisper-ctc2 runs whisper_ctc.py from models/whisper-ctc; row Aw trains row A8's bridge on over
    models/whisper-ctc (train-nll --init ... --speech-encoder ...), row A2 over its own encoder."""
    import argparse

    import rebuild

    rb = rebuild.Rebuild(argparse.Namespace(world=tmp_path, threads=2, device="cpu", kd_steps=500, nll_steps=500,
                                            batch_seconds=40.0, lr=1e-3, stage_minutes=0))
    cmds = []
    monkeypatch.setattr(rb, "sh", lambda cmd: cmds.append([str(c) for c in cmd]))
    models = tmp_path.resolve() / "models"
    rb.run_stage("whisper-ctc2")
    rb.run_stage("whisper-ctc")
    assert cmds[0][1].endswith("models/whisper_ctc.py") and cmds[1][1] == cmds[0][1]
    assert cmds[0][cmds[0].index("--out") + 1] == str(models / "whisper-ctc2")
    assert cmds[0][cmds[0].index("--from") + 1] == str(models / "whisper-ctc")
    assert "--from" not in cmds[1]  # whisper-ctc: the script's default, models/whisper
    cmds.clear()
    rb.run_stage("wav2vec2-kd")  # wav2vec2.py from scratch, the latest Whisper encoder round as its teacher
    (kd,) = cmds
    assert kd[1].endswith("models/wav2vec2.py") and "--from" not in kd
    assert kd[kd.index("--out") + 1] == str(models / "wav2vec2-kd")
    assert kd[kd.index("--teacher") + 1] == str(models / "whisper-ctc9")
    cmds.clear()
    rb.run_stage("zerost-rAw")
    (nll,) = cmds
    assert nll[nll.index("--init") + 1] == str(tmp_path.resolve() / "runs" / "zerost-rA8" / "nll")
    assert nll[nll.index("--speech-encoder") + 1] == str(models / "whisper-ctc")
    cmds.clear()
    rb.run_stage("zerost-rA2")
    assert "--speech-encoder" not in cmds[0] and "--kd-weight" not in cmds[0]
    assert "--max-minutes" not in cmds[0]  # --stage-minutes 0: no time limit
    cmds.clear()
    rb.run_stage("zerost-rAwk")  # KD beside NLL: its weight as a flag, its fine-grained term top-level in
    (aux,) = cmds  # the config (with --init the model section is the checkpoint's)
    assert aux[aux.index("--kd-weight") + 1] == "0.02"
    from zst.config import TrainNLLConfig, resolve

    assert resolve(TrainNLLConfig, aux[aux.index("--config") + 1], {}).kd_fine == "contrastive"
    # the CTC cascade transcribes with the latest encoder round's CTC head, then scores like ZeroST
    cmds.clear()
    monkeypatch.setattr(rb, "keep_scores", lambda system: cmds.append(["kept", system]))
    rb.a.beam, rb.a.eval_per_language = 4, None
    rb.run_stage("cascade-ctc")
    (asr_mt, ev, kept) = cmds
    assert asr_mt[1].endswith("baselines.py") and asr_mt[2] == "cascade-ctc"
    assert asr_mt[asr_mt.index("--whisper") + 1] == str(models / rebuild.CASCADE_CTC_ENCODER)
    assert rebuild.CASCADE_CTC_ENCODER in rebuild.MODEL_RUNS  # a whisper_ctc.py round: it saves the head
    assert ev[ev.index("--protocol") + 1] == "europarl-st" and kept == ["kept", "cascade-ctc"]
    cmds.clear()
    rb.run_stage("cascade")  # the Whisper cascade transcribes with the decoder trained on the latest encoder
    assert cmds[0][cmds[0].index("--whisper") + 1] == str(models / rebuild.CASCADE_WHISPER)
    assert rebuild.MODEL_RUNS[rebuild.CASCADE_WHISPER][0] == "whisper_decoder"


def test_no_keep_scores_leaves_the_committed_copy_alone(tmp_path, monkeypatch, capsys):
    """``eval-<row> --no-keep-scores``: re-checking a published row evaluates it but does not replace its
    committed docs/results/scores/<row>.json; without the flag the copy is made."""
    import shutil

    import rebuild

    copied = []
    monkeypatch.setattr(rebuild.Rebuild, "sh", lambda self, cmd: None)  # translate + eval: not run here
    monkeypatch.setattr(shutil, "copyfile", lambda src, dst: copied.append(Path(dst)))
    _eval(tmp_path / "runs", "r1", lambda s, t: 3.0)
    argv = ["--world", str(tmp_path), "--only", "eval-r1", "--force", "--eval-per-language", "0"]
    assert rebuild.main([*argv, "--no-keep-scores"]) == 0
    assert copied == [] and "scores/r1.json left as committed" in capsys.readouterr().out
    assert rebuild.main(argv) == 0
    assert [(p.parent.name, p.name) for p in copied] == [("scores", "r1.json")]


def test_training_stage_over_its_budget_stops_and_goes_on(tmp_path, monkeypatch, capsys):
    """--stage-minutes: a ZeroST training stage passes what is left of its budget as train-nll
    --max-minutes; when training stops at that limit (no model/), the stage is not marked done and the
    rebuild exits 3; run again, it resumes (--resume) and finishes."""
    import rebuild

    cmds, finish = [], []

    def fake_sh(self, cmd):
        cmds.append([str(c) for c in cmd])
        run = Path(cmds[-1][cmds[-1].index("-o") + 1])
        (run / "checkpoints").mkdir(parents=True, exist_ok=True)
        if finish:
            (run / "model").mkdir()

    monkeypatch.setattr(rebuild.Rebuild, "sh", fake_sh)
    args = ["--world", str(tmp_path), "--only", "zerost-rAq256", "--stage-minutes", "44"]
    assert rebuild.main(args) == 3
    assert "zerost-rAq256: not finished" in capsys.readouterr().out
    assert 43.9 < float(cmds[0][cmds[0].index("--max-minutes") + 1]) <= 44 and "--resume" not in cmds[0]
    assert not (tmp_path / "runs" / ".done" / "zerost-rAq256").exists()
    finish.append(True)
    assert rebuild.main(args) == 0 and "--resume" in cmds[1]
    assert (tmp_path / "runs" / ".done" / "zerost-rAq256").exists()


def test_failed_stage_command_is_one_line_not_a_traceback(tmp_path, monkeypatch, capsys):
    import subprocess

    import rebuild

    def fail(self, cmd):
        raise subprocess.CalledProcessError(2, [str(c) for c in cmd])

    monkeypatch.setattr(rebuild.Rebuild, "sh", fail)
    assert rebuild.main(["--world", str(tmp_path), "--only", "zerost-rA", "--stage-minutes", "0"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith("== zerost-rA failed: ") and "train-nll" in out[-1] and "status 2" in out[-1]
    assert not (tmp_path / "runs" / ".done" / "zerost-rA").exists()
