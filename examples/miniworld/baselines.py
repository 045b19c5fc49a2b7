"""ZeroST's comparison systems on a prepared manifest (Table 1 rows 8-9 of the ZeroST paper).

    python examples/miniworld/baselines.py topline RUN/prep-ep-test --nllb MODELS/nllb -o RUN/topline
    python examples/miniworld/baselines.py cascade RUN/prep-ep-test --whisper MODELS/whisper \
        --nllb MODELS/nllb -o RUN/cascade
    python examples/miniworld/baselines.py cascade-ctc RUN/prep-ep-test --whisper MODELS/whisper-ctc9 \
        --nllb MODELS/nllb -o RUN/cascade-ctc

* ``topline``: the NLLB model translates the *reference transcripts* (what ZeroST could at best do).
* ``llm-topline``: the mT5 (mT0 stand-in) model translates the reference transcripts with its
  ``translate into {Language}:`` prompt (the zero-resource speech LLM paper's text-only topline);
  ``--nllb`` then names the mT5 folder.
* ``cascade``: the Whisper model transcribes the speech (language given, ``<|transcribe|>``), then the
  NLLB model translates its transcripts ("Whisper-NLLB-cascade").
* ``cascade-ctc``: the same with the Whisper *encoder's* character-CTC head as the ASR (greedy CTC; a
  ``models/whisper_ctc.py`` folder, which saves the head): the mini-world Whisper's decoder does not
  transcribe, its CTC-trained encoder does, and it is the encoder ZeroST's bridges read.

Every source utterance is translated into every ``--tgt`` language other than its own (default:
the nine Europarl-ST languages); the output is ``OUT/predictions/predictions.jsonl`` in the records
``zst translate`` writes (``id, audio, src_lang, tgt_lang, hyp, ref``; cascade records also carry
``asr``), so ``zst eval OUT/predictions/predictions.jsonl --protocol europarl-st`` scores it like ZeroST.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "models"))
sys.path.insert(0, str(HERE.parents[1]))

from grammar import EUROPARL_LANGUAGES  # noqa: E402


def _limit(items, per_language: int | None):
    if not per_language:
        return items
    seen: dict[str, int] = defaultdict(int)
    out = []
    for it in items:
        if seen[it.src_lang] < per_language:
            seen[it.src_lang] += 1
            out.append(it)
    return out


def run(system: str, manifest: str, out: Path, *, nllb: Path, whisper: Path | None, tgts, beam: int, device: str,
        per_language: int | None = None) -> Path:
    """Translate ``manifest``'s utterances with ``system`` (``topline`` | ``cascade`` | ``cascade-ctc`` |
    ``llm-topline``); returns predictions.jsonl."""
    import torch
    from transformers import AutoTokenizer, M2M100ForConditionalGeneration

    import nllb as nllb_script
    from zst.audio import load_audio
    from zst.inference import collect_items, write_predictions

    items = _limit(collect_items([manifest]), per_language)
    if system == "llm-topline":
        return _llm_topline(items, out, nllb, tgts, beam, device)
    tok = AutoTokenizer.from_pretrained(nllb)
    mt = M2M100ForConditionalGeneration.from_pretrained(nllb, dtype=torch.float32).to(device).eval()
    mt.generation_config.max_length = None
    by_lang = defaultdict(list)
    for it in items:
        by_lang[it.src_lang].append(it)
    sources: dict[str, str] = {}
    if system == "topline":
        sources = {it.id: it.transcript for it in items}
    elif system == "cascade-ctc":
        import whisper as whisper_script
        from whisper_ctc import load_ctc_asr

        encoder, head, fe, chars = load_ctc_asr(whisper, device)
        audio = [load_audio(it.audio_path, offset=it.start, duration=it.duration) for it in items]
        hyps = whisper_script.ctc_transcribe(encoder, head, fe, chars, audio, device)
        sources = {it.id: h for it, h in zip(items, hyps)}
    else:
        from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

        import whisper as whisper_script

        wtok = AutoTokenizer.from_pretrained(whisper)
        fe = WhisperFeatureExtractor.from_pretrained(whisper)
        asr = WhisperForConditionalGeneration.from_pretrained(whisper, dtype=torch.float32).to(device).eval()
        for lang, group in by_lang.items():
            audio = [load_audio(it.audio_path, offset=it.start, duration=it.duration) for it in group]
            hyps = whisper_script.generate(asr, fe, wtok, audio, lang, "transcribe", device, beam=beam)
            sources.update({it.id: h for it, h in zip(group, hyps)})
    records = []
    for src, group in by_lang.items():
        for tgt in tgts:
            if tgt == src:
                continue
            hyps = nllb_script.translate(mt, tok, [sources[it.id] for it in group], src, tgt, device, beam=beam)
            for it, h in zip(group, hyps):
                rec = {"id": it.id, "audio": it.audio_path, "src_lang": src, "tgt_lang": tgt, "hyp": h,
                       "ref": it.reference(tgt)}
                if system.startswith("cascade"):
                    rec["asr"] = sources[it.id]
                records.append(rec)
    return write_predictions(records, out / "predictions")


def _llm_topline(items, out: Path, mt5: Path, tgts, beam: int, device: str) -> Path:
    import torch
    from transformers import AutoTokenizer, MT5ForConditionalGeneration

    import mt5 as mt5_script
    from zst.inference import write_predictions

    tok = AutoTokenizer.from_pretrained(mt5)
    model = MT5ForConditionalGeneration.from_pretrained(mt5, dtype=torch.float32).to(device).eval()
    records = []
    for tgt in tgts:
        group = [it for it in items if it.src_lang != tgt]
        prompts = [mt5_script.translate_prompt(tgt, it.transcript) for it in group]
        for it, h in zip(group, mt5_script.generate(model, tok, prompts, device, beam=beam)):
            records.append({"id": it.id, "audio": it.audio_path, "src_lang": it.src_lang, "tgt_lang": tgt, "hyp": h,
                            "ref": it.reference(tgt)})
    return write_predictions(records, out / "predictions")


def main(argv=None) -> int:
    import torch

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("system", choices=["topline", "cascade", "cascade-ctc", "llm-topline"])
    ap.add_argument("manifest", help="cuts.jsonl.gz or a `zst prepare` run dir (with translations)")
    ap.add_argument("--nllb", type=Path, required=True)
    ap.add_argument("--whisper", type=Path, help="Whisper model folder (cascade; cascade-ctc: a whisper_ctc.py one)")
    ap.add_argument("--tgt", default=",".join(EUROPARL_LANGUAGES), help="comma-separated target languages")
    ap.add_argument("--beam", type=int, default=4)
    ap.add_argument("--per-language", type=int, default=None, help="first N utterances per source language")
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("-o", "--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.system.startswith("cascade") and not args.whisper:
        ap.error(f"{args.system} needs --whisper")
    t0 = time.time()
    path = run(args.system, args.manifest, args.out, nllb=args.nllb, whisper=args.whisper,
               tgts=[t for t in args.tgt.split(",") if t], beam=args.beam, device=args.device,
               per_language=args.per_language)
    print(f"{args.system}: {path} in {time.time() - t0:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
