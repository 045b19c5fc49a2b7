"""The Europarl-ST evaluation protocol: 72 directions, per-source means, overall average, outputs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from zst.cli.main import app
from zst.errors import ZstError
from zst.evaluation.protocols import EUROPARL_ST_LANGUAGES, grid_protocol, protocol_markdown, write_protocol

LANGS = EUROPARL_ST_LANGUAGES


def _result(skip=()):
    """A hand-made grid: BLEU(src, tgt) = 10 * i + j for languages i, j (so means are easy by hand)."""
    dirs = []
    for i, src in enumerate(LANGS):
        for j, tgt in enumerate(LANGS):
            if src != tgt and (src, tgt) not in skip:
                dirs.append({"src": src, "tgt": tgt, "n": 5, "bleu": 10.0 * i + j})
    dirs.append({"src": "en", "tgt": "en", "n": 5, "wer": 3.0})  # transcription rows are ignored
    return {"directions": dirs}


def test_per_source_mean_and_average_by_hand():
    proto = grid_protocol(_result())
    assert proto["complete"] and proto["missing"] == [] and len(proto["grid"]["de"]) == 8
    # source i: mean over j != i of (10 i + j) = 10 i + (36 - i) / 8
    for i, src in enumerate(LANGS):
        assert proto["per_source"][src] == pytest.approx(10 * i + (36 - i) / 8)
    expected_avg = sum(10 * i + (36 - i) / 8 for i in range(9)) / 9
    assert proto["average"] == pytest.approx(expected_avg)
    # complete grid: the average of source means equals the mean of the 72 directions
    assert proto["average"] == pytest.approx(sum(10 * i + j for i in range(9) for j in range(9) if i != j) / 72)


def test_missing_directions_are_listed_and_left_out():
    proto = grid_protocol(_result(skip={("en", "de"), ("en", "fr")}))
    assert not proto["complete"] and proto["missing"] == ["en-de", "en-fr"]
    assert proto["grid"]["en"]["de"] is None
    # en = index 1: targets j in {0, 2..8} minus de (0) and fr (3) -> 2, 4, 5, 6, 7, 8
    assert proto["per_source"]["en"] == pytest.approx(10 + (2 + 4 + 5 + 6 + 7 + 8) / 6)
    md = protocol_markdown(proto)
    assert "70 of 72 directions" in md and "en-de, en-fr" in md


def test_outputs_json_markdown_heatmap(tmp_path):
    proto = grid_protocol(_result())
    paths = write_protocol(proto, tmp_path)
    assert json.loads(paths["json"].read_text())["average"] == pytest.approx(proto["average"])
    md = paths["md"].read_text()
    assert md.splitlines()[0].startswith("| BLEU src \\ tgt | de | en |") and "| ro |" in md
    png = paths["png"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_unknown_protocol():
    with pytest.raises(ZstError, match="unknown evaluation protocol"):
        grid_protocol(_result(), "covost")


def test_cli_eval_protocol(tmp_path):
    rows = []
    for src in ("en", "fr", "de"):
        for tgt in ("en", "fr", "de"):
            if src != tgt:
                rows.append({"id": f"{src}1", "src_lang": src, "tgt_lang": tgt, "hyp": f"the same words {tgt}",
                             "ref": f"the same words {tgt}"})
    pred = tmp_path / "predictions.jsonl"
    pred.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = CliRunner().invoke(app, ["eval", str(pred), "--protocol", "europarl-st", "-o", str(tmp_path / "ev"), "-q"])
    assert r.exit_code == 0, r.output
    proto = json.loads((tmp_path / "ev" / "europarl-st.json").read_text())
    assert proto["grid"]["en"]["fr"] == pytest.approx(100.0) and proto["per_source"]["fr"] == pytest.approx(100.0)
    assert len(proto["missing"]) == 72 - 6 and (tmp_path / "ev" / "europarl-st_bleu.png").is_file()
    bad = CliRunner().invoke(app, ["eval", str(pred), "--protocol", "nope", "-o", str(tmp_path / "x"), "-q"])
    assert bad.exit_code == 2 and "unknown protocol" in bad.output
