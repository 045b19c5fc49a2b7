"""Write the mini-world versions of the ZeroST paper's tables from the evaluations ``rebuild.py`` made.

    python examples/miniworld/tables.py --runs data/miniworld/runs --out docs/results

Reads ``RUNS/eval-<row>/scores/europarl-st.json`` (``zst eval --protocol europarl-st``) for every
row of ``rebuild.VARIANTS`` and for ``cascade``/``topline``; rows not evaluated yet are listed as
such, never invented. A row whose run is not on this machine is read from the committed copy of its
scores, ``SCORES/<row>.json`` (``rebuild.py`` copies every ``europarl-st.json`` there; default
``OUT/scores``), so the tables survive a machine that keeps only some runs. Writes
``OUT/table1.md`` (rows 1-9, per source language = mean BLEU over its eight targets, and the
average), ``OUT/table2.md`` + ``OUT/table2_queries.png`` (average BLEU against the number of queries) and ``OUT/unseen_targets.md`` (X = en fr de it es → Y = pl ro nl).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from rebuild import AWK_CHAIN, CASCADE_CTC_ENCODER, CASCADE_WHISPER, SEEN_SPEECH, VARIANTS  # noqa: E402

PAPER_ORDER = ("en", "fr", "de", "it", "es", "pt", "pl", "ro", "nl")
#: Table 1's rows in order, with their labels there (also how other rows name the row they go on from)
ROW_LABELS = {
    "r1": "1", "r2": "2", "r3": "3", "r4": "4", "r5": "5", "r6": "6", "r7": "7",
    "r2p": "2p", "r3p": "3p", "r2c": "2c", "r3c": "3c",  # KD investigation rows (docs/results/README.md)
    "r1L": "1L", "r3cL": "3cL",  # rows 1 and 3c with longer budgets
    "r1B": "1B",  # row 1L trained on on the Big mix
    "rA": "A",  # the default-model candidate (Q-NLLB, 64 queries, NLL only, all transcribed speech)
    "rA2": "A2",  # row A trained on for 2,000 more steps
    # row A2 (then A3 ...) trained on further
    "rA3": "A3", "rA4": "A4", "rA5": "A5", "rA6": "A6", "rA7": "A7", "rA8": "A8", "rA9": "A9",
    "rAo": "Ao",  # row A8 + 2,500 steps at lr 2.5e-4: row Aw's control, over the old encoder
    "rAw": "Aw",  # row A8 trained on over the Whisper encoder whose CTC training went on (whisper-ctc)
    "rAw2": "Aw2",  # row Aw trained on over that encoder's second CTC round (whisper-ctc2)
    "rAw3": "Aw3",  # row Aw2 trained on over the same encoder
    "rAw4": "Aw4",  # row Aw3 trained on over the same encoder
    "rAw5": "Aw5", "rAw6": "Aw6",  # row Aw4 trained on over the encoder's third CTC round (whisper-ctc3), then on
    "rAw7": "Aw7",  # row Aw6 trained on over the encoder's fourth CTC round (whisper-ctc4)
    "rAw8": "Aw8",  # row Aw7 trained on over the encoder's sixth CTC round (whisper-ctc6, speed-perturbed)
    "rAw9": "Aw9",  # row Aw8 trained on over the encoder's seventh CTC round (whisper-ctc7)
    "rAw10": "Aw10",  # row Aw9 trained on over the encoder's ninth CTC round (whisper-ctc9)
    "rAv": "Av",  # row A's setting over the wav2vec2 stand-in distilled from the Whisper encoder (wav2vec2-kd)
    "rAc": "Ac",  # row A's setting over whisper-ctc9 (row Av's teacher), from scratch
    "rAk": "Ak",  # row Ac's budget split into KD (2,000 steps) → NLL (2,000 steps)
    "rAkc": "Akc",  # row Ak with the contrastive fine-grained KD
    "rAcl": "Acl",  # row Ac with Q-Lite (same data, queries, steps and lr)
    "rAcs": "Acs",  # row Ac with Q-Simple
    "rAck": "Ack",  # row Ac with KD beside NLL from the start (λ 0.1, contrastive fine KD)
    "rAw11": "Aw11",  # row Aw10 trained on over the encoder's tenth CTC round (whisper-ctc10)
    "rAwn": "Awn",  # row Aw11 + 1,500 NLL steps over the same encoder: row Awk's control
    "rAwk": "Awk",  # row Awn's steps with KD beside NLL (contrastive fine KD, weight 0.02)
    "rAwk2": "Awk2",  # row Awk with KD weight 0.1
    "rAwk3": "Awk3",  # row Awk with KD weight 0.5
    "rAwk4": "Awk4",  # row Awk2 + 2,500 steps with the same KD beside NLL
    "rAwk5": "Awk5",  # row Awk4 + 2,500 steps with the same KD beside NLL
    "rAwk6": "Awk6",  # row Awk5 + 2,500 steps with the same KD beside NLL
    "rAwk7": "Awk7",  # row Awk6 + 2,500 steps with the same KD beside NLL
    "rAwn2": "Awn2",  # row Awk6 + 2,500 NLL-only steps: row Awk7's control
    "rAwk8": "Awk8",  # row Awk7 + 2,500 steps with KD beside NLL at twice the weight (0.2)
    "rAwk8c": "Awk8c",  # row Awk8's control: the same steps at λ 0.1
    # rows Awk9, Awk10, …: the row before (Awk8c for Awk9) + 2,500 steps with KD beside NLL at λ 0.1
    **{f"rAwk{k}": f"Awk{k}" for k in AWK_CHAIN},
    "rAwn3": "Awn3",  # row Awk10's control: Awk9 + the same 2,500 steps with NLL only
    "rAs": "As",  # row A with its Q-Former ablated (Q-Simple, same data, queries and steps)
    "cascade": "8",  # Whisper ASR (its decoder, trained again on the CTC-trained encoder) -> NLLB
    "cascade-ctc": "8c",  # the Whisper encoder's CTC head as the ASR -> NLLB
    "topline": "9",
}
BASELINE_NAMES = {"cascade": f"Whisper ({CASCADE_WHISPER}) → NLLB cascade",
                  "cascade-ctc": f"Whisper encoder CTC ({CASCADE_CTC_ENCODER}) → NLLB cascade",
                  "topline": "NLLB topline (reference transcripts)"}
DATA_NAMES = {"vp": "VP", "big": "Big", "vp5": "VP en fr de it es", "all": "All (VP+MLS+CV+EP+FLEURS)",
              "all5": "All, en fr de it es"}
ENCODER_NAMES = {"wav2vec2": "wav2vec2 (MMS)",
                 "wav2vec2-kd": "wav2vec2 (MMS), CTC + distilled from Whisper ×9",
                 "whisper": "Whisper", "whisper-ctc": "Whisper, CTC trained on",
                 "whisper-ctc2": "Whisper, CTC trained on ×2", "whisper-ctc3": "Whisper, CTC trained on ×3",
                 "whisper-ctc4": "Whisper, CTC trained on ×4", "whisper-ctc5": "Whisper, CTC trained on ×5",
                 "whisper-ctc6": "Whisper, CTC trained on ×6", "whisper-ctc7": "Whisper, CTC trained on ×7",
                 "whisper-ctc8": "Whisper, CTC trained on ×8", "whisper-ctc9": "Whisper, CTC trained on ×9",
                 "whisper-ctc10": "Whisper, CTC trained on ×10"}
QFORMER_NAMES = {"simple": "Q-Simple", "lite": "Q-Lite", "nllb": "Q-NLLB"}
LOSS_NAMES = {"nll": "NLL", "kd": "KD", "kd-nll": "KD→NLL"}
SEEN, UNSEEN = SEEN_SPEECH, ("pl", "ro", "nl")
#: Table 1's footnotes: rows measured over another build of a foundation model than the rows beside them
#: (rows with one note share its line; a note shows only when one of its rows has results)
ROW_NOTES = {row: "measured over the stand-ins as the current `whisper.py` and `wav2vec2.py` rebuild them "
                  "(2026-12-07), not the builds rows 1–5 and 7 were measured over; rows 1–5 and 7 rebuilt "
                  "over them are in docs/results/README.md" for row in ("r6", "r2p", "r3p")}


def load(runs: Path, row: str, scores: Path | None = None) -> dict | None:
    """The Europarl-ST scores of ``row``: its run's ``europarl-st.json``, else the committed copy
    ``scores/<row>.json``; ``None`` when neither exists."""
    for f in (runs / f"eval-{row}" / "scores" / "europarl-st.json", scores / f"{row}.json" if scores else None):
        if f is not None and f.exists():
            return json.loads(f.read_text())
    return None


def _fmt(x) -> str:
    return "—" if x is None else f"{x:.1f}"


def table1(runs: Path, scores: Path | None = None) -> str:
    head = "| # | data | encoder | Q-Former | loss | " + " | ".join(PAPER_ORDER) + " | Avg. |"
    lines = [head, "|" + "---|" * (6 + len(PAPER_ORDER))]
    notes: dict[str, list[str]] = {}  # footnote -> labels of its rows that have results
    for row in ROW_LABELS:  # Table 1's rows, in its order
        res = load(runs, row, scores)
        if res is not None and row in ROW_NOTES:
            notes.setdefault(ROW_NOTES[row], []).append(ROW_LABELS[row])
        if row in VARIANTS:
            v = VARIANTS[row]
            loss = LOSS_NAMES[v.loss]
            if "kd" in v.loss and v.kd_proj == "trained":
                loss += " (KD Proj trained, as the paper)"
            if v.kd_weight:
                loss += f" + {v.kd_weight} × KD beside it"
            if ("kd" in v.loss or v.kd_weight) and v.kd_fine == "contrastive":
                loss += " (contrastive fine KD)"
            if v.kd_steps or v.nll_steps:
                loss += f" ({' + '.join(f'{n} {k}' for n, k in ((v.kd_steps, 'KD'), (v.nll_steps, 'NLL')) if n)} steps"
                loss += f" after row {ROW_LABELS[v.nll_from]})" if v.nll_from else ")"
            qformer = QFORMER_NAMES[v.qformer] + (f" ({v.queries} queries)" if v.queries != 256 else "")
            desc = [DATA_NAMES[v.data], ENCODER_NAMES[v.encoder], qformer, loss]
        else:
            desc = [BASELINE_NAMES[row], "", "", ""]
        if res is None:
            cells = ["not run yet"] + [""] * len(PAPER_ORDER)
        else:
            cells = [_fmt(res["per_source"].get(s)) for s in PAPER_ORDER] + [f"**{res['average']:.1f}**"]
        lines.append(f"| {ROW_LABELS[row]} | " + " | ".join(desc + cells) + " |")
    for note, rows in notes.items():
        lines += ["", f"Row{'s' if len(rows) > 1 else ''} {', '.join(rows)}: {note}."]
    return "\n".join(lines) + "\n"


#: Table 2's rows: (table label, plot label, {number of queries: row}) — the row-3 setting (Q-Simple,
#: VP, KD→NLL, 500 + 500 steps), row A's (Q-NLLB, All, NLL only, 4,000 steps), where output has content,
#: and row Ac's (row A's over whisper-ctc9, an encoder that transcribes)
TABLE2_SETTINGS = (
    ("average BLEU", "row-3 setting", {16: "q16", 64: "q64", 128: "q128", 256: "r3", 512: "q512"}),
    ("average BLEU, row-A setting", "row-A setting", {16: "rAq16", 64: "rA", 128: "rAq128", 256: "rAq256"}),
    ("average BLEU, row-Ac setting", "row-Ac setting",
     {16: "rAcq16", 64: "rAc", 128: "rAcq128", 256: "rAcq256"}),
)
TABLE2_QUERIES = (16, 64, 128, 256, 512)


def table2(runs: Path, out: Path, scores: Path | None = None) -> str:
    """Table 2 (ZeroST: average Europarl-ST BLEU against the number of queries) as markdown, one row
    per setting of :data:`TABLE2_SETTINGS` ("—" where the setting has no such row); also writes
    ``out/table2_queries.png`` when a setting has two or more evaluated points."""
    lines = ["| queries | " + " | ".join(str(q) for q in TABLE2_QUERIES) + " |", "|---|" + "---:|" * len(TABLE2_QUERIES)]
    curves = []
    for label, curve, rows in TABLE2_SETTINGS:
        got = {q: load(runs, r, scores) for q, r in rows.items()}
        cells = [("not run yet" if got[q] is None else _fmt(got[q]["average"])) if q in got else "—"
                 for q in TABLE2_QUERIES]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
        pts = [(q, r["average"]) for q, r in got.items() if r]
        if len(pts) >= 2:
            curves.append((curve, pts))
    if curves:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(4.5, 3))
        for name, pts in curves:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=name)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("number of queries")
        ax.set_ylabel("Europarl-ST average BLEU")
        ax.set_title("mini-world Table 2")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "table2_queries.png", dpi=120)
        plt.close(fig)
        lines.append("\n![BLEU against the number of queries](table2_queries.png)")
    return "\n".join(lines) + "\n"


def unseen(runs: Path, scores: Path | None = None) -> str:
    """X = en fr de it es → Y = pl ro nl BLEU of the models trained on X speech only, each beside the
    same setting trained on every language's speech, and (last column) their mean into the seen
    targets (X → X', X ≠ X'), the level "nearly as good" is measured against."""
    lines = ["| model | trained on | " + " | ".join(f"{s}→{t}" for s in SEEN for t in UNSEEN)
             + " | mean into unseen | mean into seen |",
             "|---|---|" + "---:|" * (len(SEEN) * len(UNSEEN) + 2)]
    for row, label in (("unseen", "VoxPopuli en fr de it es (row-3 setting)"), ("r3", "all VoxPopuli languages"),
                       ("rAu", "All mix, en fr de it es speech only (row-A setting)"),
                       ("rA", "All mix, every language"),
                       ("rAcu", "All mix, en fr de it es speech only (row-Ac setting)"),
                       ("rAc", "All mix, every language (row-Ac setting)")):
        res = load(runs, row, scores)
        if res is None:
            lines.append(f"| {row} | {label} | not run yet |" + " |" * (len(SEEN) * len(UNSEEN) + 1))
            continue
        vals = [res["grid"].get(s, {}).get(t) for s in SEEN for t in UNSEEN]
        seen = [res["grid"].get(s, {}).get(t) for s in SEEN for t in SEEN if s != t]
        lines.append(f"| {row} | {label} | " + " | ".join(_fmt(x) for x in vals)
                     + f" | **{_fmt(_mean(vals))}** | {_fmt(_mean(seen))} |")
    return "\n".join(lines) + "\n"


def _mean(xs: list) -> float | None:
    have = [x for x in xs if x is not None]
    return sum(have) / len(have) if have else None


def _json(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def _recall(runs: Path, run: str) -> dict[tuple[str, str], float]:
    res = _json(runs / run / "scores.json")
    return {} if res is None else {(p["src"], p["tgt"]): 100 * p["R@1"] for p in res["pairs"]}


def _directions(path: Path) -> dict[tuple[str, str], dict]:
    res = _json(path)
    return {} if res is None else {(d["src"], d["tgt"]): d for d in res["directions"]}


def whisper_retrieval(runs: Path) -> str:
    """Tables 1 and 5 and the layer sweep (Fig. 4) of the Whisper cross-lingual study, R@1 in %."""
    from rebuild import RETRIEVAL_LANGS

    t1 = _recall(runs, "retr-t1")
    out = ["## Table 1: SeqSim R@1 (%), last encoder layer (query language ↓, candidates →; chance 0.3)\n",
           "| src | " + " | ".join(RETRIEVAL_LANGS) + " |", "|---|" + "---:|" * len(RETRIEVAL_LANGS)]
    for s in RETRIEVAL_LANGS:
        out.append(f"| {s} | " + " | ".join("" if s == t else _fmt(t1.get((s, t))) for t in RETRIEVAL_LANGS) + " |")
    pairs = (("en", "fr"), ("en", "de"), ("de", "fr"))
    out += ["", "## Table 5: similarity measures, R@1 (%)\n", "| metric | " + " | ".join(f"{a}-{b}" for a, b in pairs)
            + " |", "|---|" + "---:|" * len(pairs)]
    for m in ("seqsim", "avgsim", "dtw", "ot"):
        r = t1 if m == "seqsim" else _recall(runs, f"retr-t5-{m}")
        out.append(f"| {m} | " + " | ".join(_fmt(r.get(p)) for p in pairs) + " |")
    layers = sorted(int(p.name.rsplit("-", 1)[1]) for p in runs.glob("retr-layer-*") if (p / "scores.json").exists())
    if layers:
        out += ["", "## Fig. 4: SeqSim R@1 (%) by encoder layer (0 = embeddings)\n", "| layer | en-fr | de-fr |",
                "|---:|---:|---:|"]
        for k in layers:
            r = _recall(runs, f"retr-layer-{k}")
            out.append(f"| {k} | {_fmt(r.get(('en', 'fr')))} | {_fmt(r.get(('de', 'fr')))} |")
    return "\n".join(out) + "\n"


def whisper_st(runs: Path) -> str:
    """Tables 2 and 3 of the Whisper study: BLEU into zh (zero-shot, fine-tuned); held-out ca / af."""
    base = runs / "whisper-st"
    srcs = ("en", "fr", "de", "ja")
    out = ["## Table 2: BLEU into zh (FLEURS test)\n", "| context | " + " | ".join(srcs) + " |",
           "|---|" + "---:|" * len(srcs)]
    for name, label in (("zs-translate", r"zero-shot <\|zh\|><\|translate\|>"),
                        ("zs-transcribe", r"zero-shot <\|zh\|><\|transcribe\|>"),
                        ("ft-transcribe", r"en→zh decoder fine-tuned, <\|zh\|><\|transcribe\|>"),
                        ("lora-transcribe", "en→zh LoRA in the decoder (Table 8)"),
                        ("ftall-transcribe", "en→zh all weights fine-tuned (Table 8)")):
        d = _directions(base / f"{name}-scores" / "scores.json")
        out.append(f"| {label} | " + " | ".join(_fmt((d.get((s, "zh")) or {}).get("bleu")) for s in srcs) + " |")
    out += ["", "## Table 3: held-out source languages decoded with a similar language's token\n",
            "| source | token | WER | R@1 to en (%) | BLEU into en |", "|---|---|---:|---:|---:|"]
    for lang, similar in (("ca", "es"), ("af", "nl")):
        asr = _directions(base / f"{lang}-asr-scores" / "scores.json").get((lang, lang)) or {}
        st = _directions(base / f"{lang}-en-scores" / "scores.json").get((lang, "en")) or {}
        r1 = _recall(runs, f"retr-{lang}-en").get((lang, "en"))
        out.append(f"| {lang} | <\\|{similar}\\|> | {_fmt(asr.get('wer'))} | {_fmt(r1)} | {_fmt(st.get('bleu'))} |")
    return "\n".join(out) + "\n"


def slm(runs: Path) -> str:
    """The zero-resource speech LLM's Table I (BLEU into en) and Table II (held-out ASR) analogues."""
    from rebuild import SLM_EVAL, SLM_ROWS

    labels = {"cnn": "CNN only", "lora": "CNN + LoRA", "seq": "CNN pretrained on ASR, then CNN + LoRA",
              "st": "ST only (CNN + LoRA)"}
    out = ["## Table I: BLEU into en (CoVoST 2 test; ca nl ro never heard) — language accuracy (%) in brackets\n",
           "| system | " + " | ".join(SLM_EVAL) + " |", "|---|" + "---:|" * len(SLM_EVAL)]
    labels["topline"] = "text-only LLM topline (mT5 stand-in on reference transcripts)"
    for row in [*SLM_ROWS, "topline"]:
        d = _directions(runs / f"eval-slm-{row}" / "st-scores" / "scores.json")
        lang = _directions(runs / f"eval-slm-{row}" / "st-scores" / "language.json")
        cells = []
        for s in SLM_EVAL:
            b, a = (d.get((s, "en")) or {}).get("bleu"), (lang.get((s, "en")) or {}).get("language_accuracy")
            cells.append(_fmt(b) + ("" if a is None else f" ({100 * a:.0f})"))
        out.append(f"| {labels[row]} | " + " | ".join(cells) + " |")
    out += ["", "## Table II: ASR of never-heard languages (language accuracy %, WER on all / right-language "
            "hypotheses)\n", "| system | " + " | ".join(("ca", "nl", "ro")) + " |", "|---|---|---|---|"]
    for row in SLM_ROWS:
        lang = _directions(runs / f"eval-slm-{row}" / "asr-scores" / "language.json")
        if not lang:
            continue
        cells = []
        for s in ("ca", "nl", "ro"):
            x = lang.get((s, s)) or {}
            acc = x.get("language_accuracy")
            cells.append("—" if acc is None else
                         f"{100 * acc:.0f} %, {_fmt(x.get('wer'))} / {_fmt(x.get('wer_right_language'))}")
        out.append(f"| {labels[row]} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def samu(runs: Path) -> str:
    """SAMU-initialised vs plain encoder: BLEU into en, sources seen in ST training and zero-shot."""
    from rebuild import ST_EVAL, ST_TRAIN

    out = ["## BLEU into en (CoVoST 2 test); ST trained on " + " ".join(ST_TRAIN) + " → en only\n",
           "| encoder | " + " | ".join(s + ("" if s in ST_TRAIN else " (zero-shot)") for s in ST_EVAL) + " |",
           "|---|" + "---:|" * len(ST_EVAL)]
    for row, label in (("st-plain", "plain"), ("st-samu", "SAMU-initialised")):
        d = _directions(runs / f"eval-{row}" / "scores" / "scores.json")
        out.append(f"| {label} | " + " | ".join(_fmt((d.get((s, "en")) or {}).get("bleu")) for s in ST_EVAL) + " |")
    r = _recall(runs, "retr-samu")
    if r:
        out += ["", "## SAMU utterance embeddings, speech→speech retrieval on FLEURS test (R@1 %, chance 0.3)\n",
                "| pair | R@1 |", "|---|---:|"] + [f"| {a}→{b} | {_fmt(v)} |" for (a, b), v in sorted(r.items())]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=Path, default=Path("data/miniworld/runs"))
    ap.add_argument("--out", type=Path, default=Path("docs/results"))
    ap.add_argument("--scores", type=Path, default=None,
                    help="committed ZeroST row scores (<row>.json) for rows not in --runs (default: OUT/scores)")
    ap.add_argument("--only", choices=("all", "zerost"), default="all",
                    help="zerost: write only the ZeroST tables (Table 1, Table 2, unseen targets)")
    args = ap.parse_args(argv)
    scores = args.scores or args.out / "scores"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table1.md").write_text("# Table 1 in miniature (Europarl-ST test, BLEU)\n\n"
                                        + table1(args.runs, scores))
    (args.out / "table2.md").write_text("# Table 2 in miniature: number of queries\n\n"
                                        + table2(args.runs, args.out, scores))
    (args.out / "unseen_targets.md").write_text(
        "# Unseen target languages (X = en fr de it es → Y = pl ro nl, BLEU)\n\n" + unseen(args.runs, scores))
    if args.only == "zerost":
        print(f"ZeroST tables written to {args.out}", flush=True)
        return 0
    (args.out / "whisper_study.md").write_text(
        "# Whisper cross-lingual study in miniature (mini-world Whisper, FLEURS test, 300 per language)\n\n"
        + whisper_retrieval(args.runs) + "\n" + whisper_st(args.runs))
    (args.out / "speech_llm.md").write_text("# Zero-resource speech LLM in miniature (mini-world Whisper encoder "
                                            "+ mT5 stand-in)\n\n" + slm(args.runs))
    (args.out / "samu.md").write_text("# SAMU-XLS-R in miniature (mini-world Whisper encoder + LaBSE and NLLB "
                                      "stand-ins)\n\n" + samu(args.runs))
    print(f"tables written to {args.out}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
