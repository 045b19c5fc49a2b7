"""Score a predictions file: BLEU/chrF per translation direction, WER/CER per transcription language.

Predictions file (JSONL, one object per line, written by ``zst translate``)::

    {"id": "s1", "audio": "a/s1.wav", "src_lang": "fr", "tgt_lang": "de", "hyp": "...", "ref": "..." | null}

``id``, ``src_lang``, ``tgt_lang`` and ``hyp`` are required (``src_lang`` may be null when the source
language was not given: it is then reported as ``?`` and scored as translation); ``audio`` and
``ref`` are optional.
Language codes are normalised to ISO 639-1 (:func:`zst.languages.to_iso1`). An optional
references file (TSV, ``id<TAB>text`` per line, no header) supplies or overrides ``ref`` by id.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.table import Table


from zst.errors import UnknownLanguageError, ZstError
from zst.languages import to_iso1
from zst.metrics import bleu, cer, chrf, wer
from zst.runs import atomic_write_text

__all__ = ["format_table", "read_predictions", "read_references", "score_predictions", "write_scores"]

_REQUIRED = ("id", "src_lang", "tgt_lang", "hyp")
#: src_lang of predictions made without --src (null in predictions.jsonl); scored as translation.
UNKNOWN_SRC = "?"


def read_predictions(path: str | Path) -> list[dict[str, Any]]:
    """Read a predictions JSONL file.

    Args:
        path: JSONL file, one object per line; blank lines are skipped.

    Returns:
        One dict per line with keys id, audio (str | None), src_lang, tgt_lang (ISO 639-1),
        hyp, ref (str | None), in file order.

    Raises:
        ZstError: (``file:line: problem``) missing file, invalid JSON, a non-object line, a
            missing/non-string required field, a non-string ``ref``, an unknown language code,
            or an id repeated within one direction; also an empty file.
    """
    path = Path(path)
    if not path.is_file():
        raise ZstError(f"{path}: predictions file not found")
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ZstError(f"{where}: invalid JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(obj, dict):
                raise ZstError(f"{where}: expected a JSON object, got {type(obj).__name__}")
            if obj.get("src_lang", "") is None:  # `zst translate` without --src: source unknown
                obj["src_lang"] = UNKNOWN_SRC
            for key in _REQUIRED:
                if key not in obj:
                    raise ZstError(f"{where}: missing field {key!r}")
                if not isinstance(obj[key], str):
                    raise ZstError(f"{where}: field {key!r} must be a string, got {type(obj[key]).__name__}")
            ref = obj.get("ref")
            if ref is not None and not isinstance(ref, str):
                raise ZstError(f"{where}: field 'ref' must be a string or null, got {type(ref).__name__}")
            audio = obj.get("audio")
            try:
                src = UNKNOWN_SRC if obj["src_lang"] == UNKNOWN_SRC else to_iso1(obj["src_lang"])
                tgt = to_iso1(obj["tgt_lang"])
            except UnknownLanguageError as e:
                raise ZstError(f"{where}: {e}") from None
            key3 = (obj["id"], src, tgt)
            if key3 in seen:
                raise ZstError(f"{where}: duplicate id {obj['id']!r} for {src}->{tgt} (first on line {seen[key3]})")
            seen[key3] = lineno
            rows.append(
                {
                    **obj,
                    "id": obj["id"],
                    "audio": audio if isinstance(audio, str) else None,
                    "src_lang": src,
                    "tgt_lang": tgt,
                    "hyp": obj["hyp"],
                    "ref": ref,
                }
            )
    if not rows:
        raise ZstError(f"{path}: predictions file is empty")
    return rows


def read_references(path: str | Path) -> dict[str, str]:
    """Read a references TSV: ``id<TAB>text`` per line, no header, UTF-8.

    The text is everything after the first tab (trailing newline removed, other whitespace
    kept); blank lines are skipped.

    Returns:
        ``{id: reference text}``.

    Raises:
        ZstError: (``file:line: problem``) missing file, a line without a tab, an empty id,
            or a repeated id.
    """
    path = Path(path)
    if not path.is_file():
        raise ZstError(f"{path}: references file not found")
    refs: dict[str, str] = {}
    first: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for lineno, line in enumerate(f, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue
            if "\t" not in line:
                raise ZstError(f"{path}:{lineno}: expected 'id<TAB>text', found no tab")
            rid, text = line.split("\t", 1)
            rid = rid.strip()
            if not rid:
                raise ZstError(f"{path}:{lineno}: empty id before the tab")
            if rid in refs:
                raise ZstError(f"{path}:{lineno}: duplicate id {rid!r} (first on line {first[rid]})")
            refs[rid] = text
            first[rid] = lineno
    return refs


def score_predictions(preds: list[dict[str, Any]], refs: dict[str, str] | None = None) -> dict[str, Any]:
    """Score predictions per (src_lang, tgt_lang) direction.

    Args:
        preds: rows as returned by :func:`read_predictions`.
        refs: optional ``{id: text}`` (from :func:`read_references`); where an id is present it
            overrides the row's own ``ref``.

    Returns:
        ``{"directions": [...], "missing_refs": int}``; directions sorted by (src, tgt). A
        translation direction (src != tgt) is ``{"src", "tgt", "task": "translation", "n",
        "missing_refs", "bleu", "chrf", "bleu_signature", "chrf_signature", "note"}``; a
        transcription one (src == tgt) is ``{"src", "tgt", "task": "transcription", "n",
        "missing_refs", "wer", "cer", "wer_signature", "cer_signature", "note"}``. Scores are on
        a 0-100 scale; ``n`` counts scored rows. Rows without a reference are skipped and
        counted in ``missing_refs``; a direction with none left has ``n == 0`` and None scores.

    Raises:
        ZstError: a row lacks id/src_lang/tgt_lang/hyp.
    """
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    missing: dict[tuple[str, str], int] = defaultdict(int)
    for i, row in enumerate(preds):
        for key in _REQUIRED:
            if key not in row:
                raise ZstError(f"prediction {i}: missing field {key!r}")
        direction = (row["src_lang"], row["tgt_lang"])
        ref = refs.get(row["id"]) if refs and row["id"] in refs else row.get("ref")
        if ref is None:
            missing[direction] += 1
            groups.setdefault(direction, [])
            continue
        groups[direction].append((row["hyp"], ref))

    directions = []
    for (src, tgt) in sorted(groups):
        pairs = groups[(src, tgt)]
        hyps = [h for h, _ in pairs]
        rs = [r for _, r in pairs]
        entry: dict[str, Any] = {"src": src, "tgt": tgt, "n": len(pairs), "missing_refs": missing[(src, tgt)]}
        if src != tgt:
            entry["task"] = "translation"
            b = bleu(hyps, rs, tgt) if pairs else None
            c = chrf(hyps, rs, tgt) if pairs else None
            names = (("bleu", b), ("chrf", c))
        else:
            entry["task"] = "transcription"
            w = wer(hyps, rs) if pairs else None
            c = cer(hyps, rs) if pairs else None
            names = (("wer", w), ("cer", c))
        notes = []
        for name, score in names:
            entry[name] = None if score is None else round(score.score, 4)
            entry[f"{name}_signature"] = None if score is None else score.signature
            if score is not None and score.note and score.note not in notes:
                notes.append(score.note)
        entry["note"] = "; ".join(notes) or None
        directions.append(entry)
    return {"directions": directions, "missing_refs": sum(missing.values())}


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


_COLUMNS = (("BLEU", "bleu"), ("chrF", "chrf"), ("WER", "wer"), ("CER", "cer"))


def format_table(result: dict[str, Any]) -> Table:
    """Render :func:`score_predictions` output as a ``rich.table.Table`` (one row per direction).

    Columns: direction, task, n, BLEU, chrF, WER, CER, missing refs; the caption lists the
    distinct metric signatures and notes.
    """
    table = Table(title="Scores")
    table.add_column("direction")
    table.add_column("task")
    for header in ("n", *(h for h, _ in _COLUMNS), "missing refs"):
        table.add_column(header, justify="right")
    for d in result["directions"]:
        table.add_row(
            f"{d['src']}->{d['tgt']}",
            d.get("task", ""),
            str(d["n"]),
            *(_fmt(d.get(key)) for _, key in _COLUMNS),
            str(d.get("missing_refs", 0)),
        )
    caption = _footnotes(result)
    if caption:
        table.caption = escape("\n".join(caption))  # notes hold "[ja]" etc., not markup
    return table


def _footnotes(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for d in result["directions"]:
        for label, key in _COLUMNS:
            sig = d.get(f"{key}_signature")
            if sig:
                line = f"{label}: {sig}"
                if line not in lines:
                    lines.append(line)
        if d.get("note"):
            lines.append(f"{d['src']}->{d['tgt']}: {d['note']}")
    if result.get("missing_refs"):
        lines.append(f"{result['missing_refs']} rows without a reference were skipped")
    return lines


def _markdown(result: dict[str, Any]) -> str:
    header = ["direction", "task", "n", *(h for h, _ in _COLUMNS), "missing refs"]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * (len(header) - 2)) + "|"]
    for d in result["directions"]:
        cells = [
            f"{d['src']}->{d['tgt']}",
            d.get("task", ""),
            str(d["n"]),
            *(_fmt(d.get(key)) for _, key in _COLUMNS),
            str(d.get("missing_refs", 0)),
        ]
        out.append("| " + " | ".join(cells) + " |")
    notes = _footnotes(result)
    if notes:
        out.append("")
        out.extend(f"- {line}" for line in notes)
    return "\n".join(out) + "\n"


def write_scores(result: dict[str, Any], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``scores.json`` and ``scores.md`` into ``out_dir`` (created if needed), atomically.

    Returns:
        ``(json_path, md_path)``.

    Raises:
        ZstError: ``out_dir`` exists and is not a directory.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ZstError(f"{out_dir}: output path exists and is not a directory")
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "scores.json", out_dir / "scores.md"
    atomic_write_text(json_path, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    atomic_write_text(md_path, _markdown(result))
    return json_path, md_path
