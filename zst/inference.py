"""Batch translation of audio files, folders or manifests with a ZeroST model.

Input longer than the speech encoder's window is split into segments of at most the window
length, each cut at the quietest 20 ms frame of its last fifth (so words are rarely split);
segment translations are joined with a space. Segments are batched in order of length.
Outputs, in ``run_dir/predictions/``: ``predictions.jsonl`` (one object per input and target:
``id, audio, src_lang, tgt_lang, hyp, ref``) and ``{tgt}.txt`` (one hypothesis per line).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from zst.audio import AUDIO_EXTENSIONS, SAMPLE_RATE, load_audio
from zst.data.manifests import MANIFEST_NAME, BadRow, cut_language, cut_text, cut_translations, load_manifest, \
    write_bad_rows
from zst.errors import ZstError
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
                    max_new_tokens: int = 200, quiet: bool = False) -> tuple[list[dict], list[BadRow]]:
    """Translate every item into every target language.

    Unreadable audio is skipped and returned as a :class:`BadRow`; the rest is translated.

    Returns:
        Prediction records (``id, audio, src_lang, tgt_lang, hyp, ref``) in input order per target,
        and the skipped items.
    """
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
    hyps: dict[str, dict[int, str]] = {tgt: {} for tgt in tgts}
    with progress(quiet) as bar:  # each batch is encoded once and decoded into every target
        task = add_task(bar, f"translate → {', '.join(tgts)}", len(segments) * len(tgts))
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            out = model.translate_many([segments[k][1] for k in idx], tgts, beam_size=beam_size,
                                       max_new_tokens=max_new_tokens)
            for tgt in tgts:
                hyps[tgt].update(zip(idx, out[tgt]))
            bar.advance(task, len(idx) * len(tgts))
    records = []
    for tgt in tgts:
        joined: dict[int, list[str]] = {i: [] for i in ok}
        for k, (i, _) in enumerate(segments):
            joined[i].append(hyps[tgt][k])
        tgt1 = to_iso1(tgt)
        for i in ok:
            it = items[i]
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


def translate(cfg, inputs: Sequence[str | Path], run_dir: str | Path, *, quiet: bool = False) -> list[dict]:
    """``zst translate``: load the model, translate ``inputs`` into ``cfg.tgt``, write predictions.

    Raises:
        ZstError: bad model path, input path or language code; every input unreadable.
    """
    from zst.data.teacher import pick_device
    from zst.languages import to_nllb
    from zst.models.zerost import ZeroST
    from zst.runs import RunDir

    for t in cfg.tgt:
        to_nllb(t)  # reject an unknown code before loading anything
    items = collect_items(inputs, cfg.src)
    if not items:
        raise ZstError("no inputs to translate")
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "translate")
    model_path = cfg.model or default_model_path()
    model = ZeroST.load(model_path, with_decoder=True, device=pick_device(cfg.device)).eval()
    records, bad = translate_items(model, items, cfg.tgt, beam_size=cfg.beam_size, batch_size=cfg.batch_size,
                                   max_new_tokens=cfg.max_new_tokens, quiet=quiet)
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
