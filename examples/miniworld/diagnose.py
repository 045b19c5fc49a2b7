"""Does a ZeroST bridge carry what was said? The two checks behind docs/results/README.md.

    python examples/miniworld/diagnose.py data/miniworld/runs/zerost-r2/kd --kd data/miniworld/runs/prep-vp-train
    python examples/miniworld/diagnose.py data/miniworld/runs/zerost-r1/nll --nll data/miniworld/runs/prep-vp-dev

``--kd MANIFEST`` (a manifest with cached teacher states): which teacher token each query matches
best (token 0 is NLLB's language code, shared by every sentence of a language), and the paper's
L_fine (Eq. 2) against each utterance's own transcript vs another utterance's of the same language. ``--nll MANIFEST``:
the teacher-forced NLL of the transcripts through the frozen NLLB decoder with each utterance's own
audio vs another same-language utterance's. A bridge that encodes content scores clearly better with its own.
``--control PREDICTIONS`` (a ``zst translate`` predictions.jsonl, no model needed): corpus BLEU of the
hypotheses against their own references and against the next utterance's reference of the same
direction — the level that fluent output unrelated to the audio reaches.

    python examples/miniworld/diagnose.py --control data/miniworld/runs/eval-rA/predictions/predictions.jsonl

``--exact PREDICTIONS``: the exact-match columns of the results tables — exact translations, sources
with all / none of their cross-lingual translations exact, own-language WER and exact transcripts, the
transfer rate (of the translations of utterances whose own-language output is exact, the share that are
exact) and outputs truncated (without final punctuation where the reference has it).

    python examples/miniworld/diagnose.py --exact data/miniworld/runs/eval-rA/predictions/predictions.jsonl
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _batch(manifest: str, n: int, max_seconds: float, with_teacher: bool) -> dict:
    from lhotse import CutSet

    from zst.data.batching import SpeechDataset

    cuts = [c for c in CutSet.from_file(Path(manifest) / "cuts.jsonl.gz") if c.duration < max_seconds]
    random.Random(0).shuffle(cuts)
    return SpeechDataset(with_teacher=with_teacher)[CutSet.from_cuts(cuts[:n])]


def same_language_partner(langs: list[str]) -> list[int]:
    """For each utterance, the index of the next one in the batch with the same language (itself if
    it is the only one): the "another utterance" of both checks, so the language alone cannot tell
    the two apart."""
    n = len(langs)
    return [next((j % n for j in range(i + 1, i + n) if langs[j % n] == langs[i]), i) for i in range(n)]


def kd_check(model, manifest: str, n: int) -> None:
    import torch

    b = _batch(manifest, n, 5.0, True)
    Q, _ = model.encode(b["audio"])
    T, mask = b["teacher"], b["teacher_mask"]
    Qn, Tn = model.kd.project(Q), model.kd.project(T)

    def fine(Tn, mask):  # Eq. 2 per utterance, summed over queries
        sim = torch.einsum("bqd,bmd->bqm", Qn, Tn).masked_fill(~mask[:, None, :], -9.0)
        return sim, (1 - sim.max(-1).values).sum(-1).mean().item()

    sim, own = fine(Tn, mask)
    other_of = same_language_partner(b["lang"])
    _, other = fine(Tn[other_of], mask[other_of])
    best = sim.argmax(-1)
    qm = torch.nn.functional.normalize(Q.mean(1), dim=-1)
    off = ~torch.eye(len(qm), dtype=torch.bool)
    print(f"queries whose best teacher token is token 0 (language code): {(best == 0).float().mean():.2f}")
    print(f"distinct best tokens per utterance: {sum(len(set(r.tolist())) for r in best) / len(best):.1f} "
          f"of {mask.sum(1).float().mean():.1f} tokens")
    print(f"L_fine (Eq. 2) with the own transcript {own:.3f}, with another same-language one's {other:.3f}")
    print(f"cosine between different utterances' mean queries: {(qm @ qm.T)[off].mean():.3f}")


def nll_check(model, manifest: str, n: int) -> None:
    b = _batch(manifest, n, 5.5, False)
    own = model.nll_loss(b["audio"], b["text"], b["lang"]).item()
    other = model.nll_loss([b["audio"][j] for j in same_language_partner(b["lang"])], b["text"], b["lang"]).item()
    print(f"teacher-forced NLL with the own audio {own:.3f}, with another same-language utterance's {other:.3f}")


def control_bleu(predictions: str | Path) -> tuple[float, float]:
    """Mean over directions (src, tgt) of corpus BLEU against the own references and against each
    hypothesis's next neighbour's reference in the same direction (a content-free control).

    Args:
        predictions: ``predictions.jsonl`` with ``src_lang``, ``tgt_lang``, ``hyp`` and ``ref``.

    Returns:
        ``(own, control)`` mean BLEU over the directions.

    Raises:
        SystemExit: no cross-lingual prediction with a reference in the file.
    """
    import json

    from zst.metrics import bleu

    groups: dict[tuple[str, str], list[dict]] = {}
    for line in Path(predictions).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("ref") is not None and rec["src_lang"] != rec["tgt_lang"]:
            groups.setdefault((rec["src_lang"], rec["tgt_lang"]), []).append(rec)
    if not groups:
        raise SystemExit(f"{predictions}: no cross-lingual prediction with a reference")
    own, control = [], []
    for (_, tgt), recs in groups.items():
        hyps, refs = [r["hyp"] for r in recs], [r["ref"] for r in recs]
        own.append(bleu(hyps, refs, tgt).score)
        control.append(bleu(hyps, refs[1:] + refs[:1], tgt).score)
    return sum(own) / len(own), sum(control) / len(control)


def exact_stats(predictions: str | Path) -> dict:
    """Exact-match statistics of a ``zst translate`` predictions file over several targets.

    Args:
        predictions: ``predictions.jsonl`` with ``id``, ``src_lang``, ``tgt_lang``, ``hyp`` and ``ref``;
            each utterance translated into its own language too (``--tgt`` for every source language).

    Returns:
        ``translations`` and ``exact`` (cross-lingual outputs, exactly right); ``all_exact`` / ``none_exact``
        (utterances whose cross-lingual outputs are all / none exact); ``own``, ``own_exact`` and ``own_wer``
        (own-language outputs, exact ones, and their WER in %: per source language after zst's normalisation,
        then averaged over the languages, as ``zst eval``'s transcription directions); ``transfer`` (of the
        cross-lingual outputs of utterances with an exact own-language output, the share exact, in %);
        ``truncated`` (outputs, own-language ones included, that end in no final punctuation where
        the reference does).

    Raises:
        SystemExit: no prediction with a reference in the file.
    """
    import json

    from zst.metrics import wer

    by_utt: dict[str, list[dict]] = {}
    for line in Path(predictions).read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("ref") is not None:
            by_utt.setdefault(rec["id"], []).append(rec)
    if not by_utt:
        raise SystemExit(f"{predictions}: no prediction with a reference")
    s = dict(translations=0, exact=0, all_exact=0, none_exact=0, own=0, own_exact=0, truncated=0)
    own_by_lang: dict[str, tuple[list, list]] = {}
    carried, carried_exact = 0, 0
    for recs in by_utt.values():
        cross = [r["hyp"] == r["ref"] for r in recs if r["src_lang"] != r["tgt_lang"]]
        own = [r for r in recs if r["src_lang"] == r["tgt_lang"]]
        s["translations"] += len(cross)
        s["exact"] += sum(cross)
        s["all_exact"] += bool(cross) and all(cross)
        s["none_exact"] += bool(cross) and not any(cross)
        s["truncated"] += sum(1 for r in recs if r["ref"][-1:] in ".?!" and r["hyp"][-1:] not in ".?!")
        for r in own:
            hyps, refs = own_by_lang.setdefault(r["src_lang"], ([], []))
            hyps.append(r["hyp"])
            refs.append(r["ref"])
            s["own"] += 1
            s["own_exact"] += r["hyp"] == r["ref"]
        if own and own[0]["hyp"] == own[0]["ref"]:
            carried += len(cross)
            carried_exact += sum(cross)
    per_lang = [wer(h, r).score for h, r in own_by_lang.values()]
    s["own_wer"] = sum(per_lang) / len(per_lang) if per_lang else None
    s["transfer"] = 100 * carried_exact / carried if carried else None
    return s


def main(argv=None) -> int:
    import torch

    from zst.models.zerost import ZeroST

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run", nargs="?", help="ZeroST run dir (distill or train-nll) or model folder")
    ap.add_argument("--kd", metavar="MANIFEST", help="prepare run dir with teacher states: KD checks")
    ap.add_argument("--nll", metavar="MANIFEST", help="prepare run dir: own- vs other-audio NLL")
    ap.add_argument("--control", metavar="PREDICTIONS", help="predictions.jsonl: own vs next-reference BLEU")
    ap.add_argument("--exact", metavar="PREDICTIONS", help="predictions.jsonl: exact-match statistics")
    ap.add_argument("-n", type=int, default=48, help="utterances (default 48)")
    args = ap.parse_args(argv)
    if args.control:
        own, control = control_bleu(args.control)
        print(f"mean BLEU over directions: own references {own:.1f}, next utterance's reference {control:.1f}")
    if args.exact:
        s = exact_stats(args.exact)
        wer_, transfer = (("-" if s[k] is None else f"{s[k]:.1f}") for k in ("own_wer", "transfer"))
        print(f"exact {s['exact']:,} of {s['translations']:,} translations; utterances with all / none exact "
              f"{s['all_exact']} / {s['none_exact']}; own-language WER {wer_}, exact {s['own_exact']} of "
              f"{s['own']}; transfer {transfer} %; truncated {s['truncated']}")
    if not args.run:
        return 0
    torch.set_num_threads(1)
    model = ZeroST.load(args.run, with_decoder=bool(args.nll)).eval()
    with torch.no_grad():
        if args.kd:
            kd_check(model, args.kd, args.n)
        if args.nll:
            nll_check(model, args.nll, args.n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
