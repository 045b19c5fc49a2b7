"""Batch translation of audio files, folders or manifests with a ZeroST model or a speech LLM
(``zst train-slm``; the checkpoint's ``config.json`` format decides), and transcription with a
speech LLM (``task="transcribe"``: the ASR test prompt in each input's source language).

Input longer than the speech encoder's window is split into segments of at most the window
length, each cut at the quietest 20 ms frame of its last fifth (so words are rarely split);
segment translations are joined with a space. Segments are batched in order of length.
Outputs, in ``run_dir/predictions/``: ``predictions.jsonl`` (one object per input and target:
``id, audio, src_lang, tgt_lang, hyp, ref``) and ``{tgt}.txt`` (one hypothesis per line).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from zst.audio import AUDIO_EXTENSIONS, SAMPLE_RATE, load_audio
from zst.data.manifests import MANIFEST_NAME, BadRow, cut_language, cut_text, cut_translations, load_manifest, \
    write_bad_rows
from zst.errors import ConfigError, ZstError
from zst.languages import to_iso1
from zst.progress import add_task, progress
from zst.runs import atomic_write_text

FRAME = 320  # 20 ms at 16 kHz: the unit in which segment boundaries are searched


@dataclass
class Item:
    """One utterance to translate."""

    id: str
    audio_path: str
    start: float = 0.0  # seconds
    duration: float | None = None  # seconds; None = to the end
    src_lang: str | None = None
    transcript: str | None = None
    translations: dict[str, str] = field(default_factory=dict)

    def reference(self, tgt: str) -> str | None:
        if self.src_lang is not None and tgt == self.src_lang:
            return self.transcript
        return self.translations.get(tgt)


def collect_items(inputs: Sequence[str | Path], src_lang: str | None = None) -> list[Item]:
    """Expand audio files, folders (searched recursively for audio suffixes) and manifests
    (``*.jsonl.gz`` / ``*.jsonl`` or a folder holding ``cuts.jsonl.gz``) into items.

    Raises:
        ZstError: a path that does not exist, or a folder holding no audio.
    """
    items: list[Item] = []
    src = to_iso1(src_lang) if src_lang else None
    for raw in inputs:
        p = Path(raw)
        if not p.exists():
            raise ZstError(f"{p}: no such file or folder")
        if p.is_dir() and (p / MANIFEST_NAME).is_file() or p.name.endswith((".jsonl.gz", ".jsonl")):
            for c in load_manifest(p):
                items.append(Item(c.id, c.recording.sources[0].source, c.start, c.duration, cut_language(c),
                                  cut_text(c), cut_translations(c)))
        elif p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.suffix.lower() in AUDIO_EXTENSIONS and f.is_file())
            if not files:
                raise ZstError(f"{p}: folder holds no audio files ({', '.join(AUDIO_EXTENSIONS)})")
            items += [Item(str(f.relative_to(p).with_suffix("")), str(f), src_lang=src) for f in files]
        else:
            items.append(Item(p.stem, str(p), src_lang=src))
    return items


def split_long(audio: np.ndarray, window_seconds: float) -> list[np.ndarray]:
    """Split ``audio`` (16 kHz) into pieces of at most ``window_seconds``, cutting each at the
    quietest 20 ms frame within the last fifth of the window. Short audio is returned whole."""
    window = int(window_seconds * SAMPLE_RATE)
    if len(audio) <= window:
        return [audio]
    pieces, pos = [], 0
    while len(audio) - pos > window:
        lo = pos + int(window * 0.8)
        hi = min(pos + window, len(audio) - FRAME)  # leave at least a frame after the cut
        frames = (hi - lo) // FRAME
        if frames > 0:
            energy = np.square(audio[lo : lo + frames * FRAME]).reshape(frames, FRAME).sum(1)
            cut = lo + int(np.argmin(energy)) * FRAME + FRAME // 2
        else:
            cut = pos + window
        pieces.append(audio[pos:cut])
        pos = cut
    pieces.append(audio[pos:])
    return [p for p in pieces if len(p) >= FRAME]


def translate_items(model, items: Sequence[Item], tgts: Sequence[str], *, beam_size: int = 4, batch_size: int = 8,
                    max_new_tokens: int = 200, length_penalty: float | None = None, quiet: bool = False,
                    task: str = "translate") -> tuple[list[dict], list[BadRow]]:
    """Translate every item into every target language, or (``task="transcribe"``, a model with
    ``transcribe(audio, langs)`` such as :class:`zst.models.slm.SpeechLLM`) transcribe each item in
    its own ``src_lang``; ``tgts`` is then ignored and each record's ``tgt_lang`` is its ``src_lang``.

    Unreadable audio is skipped and returned as a :class:`BadRow`; the rest is translated. ``beam_size``,
    ``max_new_tokens`` (per segment) and ``length_penalty`` (beam search's length exponent; ``None``:
    the model's generation config) go to the model's decoder.

    Returns:
        Prediction records (``id, audio, src_lang, tgt_lang, hyp, ref``) in input order per target,
        and the skipped items.

    Raises:
        ZstError: transcription of an item whose source language is unknown.
    """
    transcribe = task == "transcribe"
    if transcribe:
        unknown = [it.id for it in items if not it.src_lang]
        if unknown:
            raise ZstError(f"--task transcribe: the language of '{unknown[0]}' is unknown (give --src, or a "
                           f"manifest)")
        tgts = ("src",)  # one pseudo-target: each item's own language
    segments: list[tuple[int, np.ndarray]] = []  # (item index, samples)
    bad: list[BadRow] = []
    ok: list[int] = []
    for i, it in enumerate(items):
        try:
            audio = load_audio(it.audio_path, offset=it.start, duration=it.duration)
        except ZstError as e:
            bad.append(BadRow(it.audio_path, None, it.id, str(e)))
            continue
        ok.append(i)
        segments += [(i, s) for s in split_long(audio, model.speech.window_seconds)]
    order = sorted(range(len(segments)), key=lambda k: len(segments[k][1]), reverse=True)
    decode = {"beam_size": beam_size, "max_new_tokens": max_new_tokens, "length_penalty": length_penalty}
    hyps: dict[str, dict[int, str]] = {tgt: {} for tgt in tgts}
    with progress(quiet) as bar:  # each batch is encoded once and decoded into every target
        bar_task = add_task(bar, "transcribe" if transcribe else f"translate → {', '.join(tgts)}",
                            len(segments) * len(tgts))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            audio = [segments[k][1] for k in idx]
            srcs = [items[segments[k][0]].src_lang for k in idx]
            if transcribe:
                out = {"src": model.transcribe(audio, srcs, **decode)}
            else:
                kw = {"src_langs": srcs} if getattr(model, "needs_source_language", False) else {}
                out = model.translate_many(audio, tgts, **decode, **kw)
            for tgt in tgts:
                hyps[tgt].update(zip(idx, out[tgt]))
            bar.advance(bar_task, len(idx) * len(tgts))
    records = []
    for tgt in tgts:
        joined: dict[int, list[str]] = {i: [] for i in ok}
        for k, (i, _) in enumerate(segments):
            joined[i].append(hyps[tgt][k])
        for i in ok:
            it = items[i]
            tgt1 = it.src_lang if transcribe else to_iso1(tgt)
            records.append({"id": it.id, "audio": it.audio_path, "src_lang": it.src_lang, "tgt_lang": tgt1,
                            "hyp": " ".join(h for h in joined[i] if h), "ref": it.reference(tgt1)})
    return records, bad


def write_predictions(records: Sequence[dict], out_dir: str | Path) -> Path:
    """Write ``predictions.jsonl`` and one ``{tgt}.txt`` per target language into ``out_dir``."""
    out = Path(out_dir)
    atomic_write_text(out / "predictions.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    for tgt in dict.fromkeys(r["tgt_lang"] for r in records):
        atomic_write_text(out / f"{tgt}.txt", "".join(r["hyp"] + "\n" for r in records if r["tgt_lang"] == tgt))
    return out / "predictions.jsonl"


def check_decoding(cfg) -> None:
    """Validate a :class:`zst.config.TranslateConfig`'s decoding options before any model loads.

    Raises:
        ConfigError: ``beam_size``, ``batch_size`` or ``max_new_tokens`` below 1, or a ``length_penalty``
            that is not a finite number.
    """
    for flag, value in (("--beam-size", cfg.beam_size), ("--batch-size", cfg.batch_size),
                        ("--max-new-tokens", cfg.max_new_tokens)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigError(f"{flag} must be a whole number of at least 1, got {value!r}")
    lp = cfg.length_penalty
    if lp is not None and (isinstance(lp, bool) or not isinstance(lp, (int, float)) or not math.isfinite(lp)):
        raise ConfigError(f"--length-penalty must be a finite number, got {lp!r}")


def translate(cfg, inputs: Sequence[str | Path], run_dir: str | Path, *, quiet: bool = False) -> list[dict]:
    """``zst translate``: load the model (ZeroST, ST, speech LLM or Whisper), translate ``inputs`` into ``cfg.tgt``
    (or, ``cfg.task == "transcribe"``, transcribe them), write predictions.

    Raises:
        ZstError: bad model path, input path or language code; every input unreadable.
    """
    from zst.data.teacher import pick_device
    from zst.languages import language_name, to_nllb
    from zst.models import slm, st, whisper_st
    from zst.models.zerost import ZeroST, checkpoint_format
    from zst.runs import RunDir

    speech_llm = cfg.model is not None and checkpoint_format(cfg.model) == slm.CHECKPOINT_FORMAT
    whisper = cfg.model is not None and not speech_llm and whisper_st.is_whisper(cfg.model)
    tgts = cfg.tgt or ("en",)
    whisper_st.check_task(cfg.task)
    check_decoding(cfg)
    if cfg.task == "transcribe" and not (speech_llm or whisper):
        raise ConfigError("--task transcribe needs a speech-LLM checkpoint (`zst train-slm`) or a Whisper model; "
                          "a ZeroST model transcribes with --tgt set to the source language")
    if cfg.decode_lang and not whisper:
        raise ConfigError("--decode-lang is for Whisper models (it replaces the source-language token)")
    for t in tgts:
        # reject an unknown code before loading anything: mT0 prompts name the language, NLLB needs its code
        (language_name if speech_llm else to_iso1 if whisper else to_nllb)(t)
    items = collect_items(inputs, cfg.src)
    if not items:
        raise ZstError("no inputs to translate")
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "translate")
    device = pick_device(cfg.device)
    if speech_llm:
        model = slm.SpeechLLM.load(cfg.model, device=device)
    elif whisper:
        model = whisper_st.WhisperST.load(cfg.model, device=device, task=cfg.task, decode_lang=cfg.decode_lang)
        for t in map(to_iso1, cfg.tgt):  # the target's token is forced unless it is X→en's source slot
            if not (cfg.task == "translate" and t == "en"):
                model.check_language(t, "--tgt")
    elif cfg.model is not None and checkpoint_format(cfg.model) == st.CHECKPOINT_FORMAT:
        model = st.STModel.load(cfg.model, device=device)  # encoder-decoder ST (`train-nll --arch st`)
    else:
        model = ZeroST.load(cfg.model or default_model_path(), with_decoder=True, device=device).eval()
    # Whisper with --task transcribe and explicit --tgt: <|tgt|><|transcribe|> (paper Table 2), not ASR
    item_task = "translate" if whisper and cfg.tgt else cfg.task
    records, bad = translate_items(model, items, tgts, beam_size=cfg.beam_size, batch_size=cfg.batch_size,
                                   max_new_tokens=cfg.max_new_tokens, length_penalty=cfg.length_penalty, quiet=quiet,
                                   task=item_task)
    if bad:
        write_bad_rows(bad, run.path / "skipped.tsv")
        run.log(f"skipped {len(bad)} unreadable input(s), see {run.path / 'skipped.tsv'}: {bad[0].reason}")
    if not records:
        raise ZstError(f"none of the {len(items)} input(s) could be read ({bad[0].reason})")
    write_predictions(records, run.path / "predictions")
    return records


def default_model_path() -> Path:
    """The embedded default ZeroST model shipped inside the package.

    Raises:
        ZstError: this install has none (pass ``--model``).
    """
    p = Path(__file__).parent / "assets" / "default_model"
    if not (p / "config.json").is_file():
        raise ZstError("no --model given and this install has no embedded default model; "
                       "pass --model RUN_DIR (a train-nll run or checkpoint)")
    return p
