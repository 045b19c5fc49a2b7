"""Per-language temperature sampling (SAMU-XLS-R Eq. 3) and `zst prepare mix`."""

from __future__ import annotations

import json
import math

import pytest
from lhotse import CutSet
from typer.testing import CliRunner

from zst.cli.main import app
from zst.data.manifests import make_cut
from zst.data.mixing import mix, sampling_probabilities
from zst.errors import ZstError


def _cuts(lang: str, n: int, seconds: float = 2.0, prefix: str = "") -> CutSet:
    return CutSet.from_cuts(make_cut(f"{prefix}{lang}_{i:04d}", f"/nowhere/{lang}_{i}.wav", text=f"t{i}", language=lang,
                                     duration=seconds, check=False) for i in range(n))


def test_probabilities_match_eq3_by_hand():
    q = sampling_probabilities({"en": 90.0, "fr": 10.0}, alpha=0.5)
    # p = (0.9, 0.1); p**0.5 = (0.94868, 0.31623); normalised -> (0.75, 0.25)
    assert q["en"] == pytest.approx(0.75, abs=1e-9) and q["fr"] == pytest.approx(0.25, abs=1e-9)
    assert sampling_probabilities({"en": 90.0, "fr": 10.0}, alpha=1.0) == pytest.approx({"en": 0.9, "fr": 0.1})
    flat = sampling_probabilities({"en": 1000.0, "fr": 1.0, "de": 10.0}, alpha=1e-6)
    assert all(v == pytest.approx(1 / 3, abs=1e-4) for v in flat.values())


@pytest.mark.parametrize("alpha", [0.0, -0.5, 1.5])
def test_bad_alpha_is_an_error(alpha):
    with pytest.raises(ZstError, match="alpha"):
        sampling_probabilities({"en": 1.0}, alpha=alpha)


def test_mix_up_and_down_samples_to_the_temperature_shares():
    big, small = _cuts("en", 400), _cuts("pl", 25)
    mixed, rep = mix([big, small], alpha=0.5, seed=3)
    # before: en 400 x 2 s, pl 25 x 2 s; q = sqrt(400), sqrt(25) normalised = 20/25, 5/25
    assert rep.probabilities["en"] == pytest.approx(0.8) and rep.probabilities["pl"] == pytest.approx(0.2)
    assert rep.utterances_after == {"en": 340, "pl": 85}  # 425 * 0.8, 425 * 0.2
    assert sum(rep.after.values()) == pytest.approx(sum(rep.before.values()))
    ids = [c.id for c in mixed]
    assert len(ids) == len(set(ids)) == 425
    pl = [c for c in mixed if c.supervisions[0].language == "pl"]
    # up-sampled: every pl cut three times (ids _rep1, _rep2) + 10 more
    assert sum(c.id.endswith("_rep1") for c in pl) == 25 and sum(c.id.endswith("_rep3") for c in pl) == 10
    en = [c for c in mixed if c.supervisions[0].language == "en"]
    assert not any("_rep" in c.id for c in en) and len({c.id for c in en}) == 340  # sub-sampled, no repeats


def test_mix_is_deterministic_and_seed_dependent():
    a = [c.id for c in mix([_cuts("en", 50), _cuts("fr", 7)], seed=1)[0]]
    b = [c.id for c in mix([_cuts("en", 50), _cuts("fr", 7)], seed=1)[0]]
    c = [c.id for c in mix([_cuts("en", 50), _cuts("fr", 7)], seed=2)[0]]
    assert a == b and a != c


def test_mix_language_selection_and_hours_unit():
    mixed, rep = mix([_cuts("en", 10, seconds=9.0), _cuts("ca", 10), _cuts("af", 10)], alpha=1.0, exclude=("ca",))
    assert set(rep.before) == {"en", "af"}
    assert rep.before["en"] == pytest.approx(10 * 9 / 3600)
    assert rep.utterances_after == {"en": 10, "af": 10}  # alpha 1 keeps the natural distribution
    only, _ = mix([_cuts("en", 4), _cuts("fr", 4)], languages=("fr",))
    assert {c.supervisions[0].language for c in only} == {"fr"}


def test_mix_rejects_duplicate_ids():
    with pytest.raises(ZstError, match="appears in two input manifests"):
        mix([_cuts("en", 3), _cuts("en", 3)])


def test_cli_mix_writes_manifest_and_report(tmp_path):
    _cuts("en", 90, prefix="a").to_file(tmp_path / "a.jsonl.gz")
    run_b = tmp_path / "prep_b"
    run_b.mkdir()
    _cuts("fr", 10, prefix="b").to_file(run_b / "cuts.jsonl.gz")
    r = CliRunner().invoke(app, ["prepare", "mix", str(tmp_path / "a.jsonl.gz"), str(run_b), "--alpha", "0.5",
                                 "-o", str(tmp_path / "mixed"), "-q"])
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "mixed" / "mix.json").read_text())
    assert report["probabilities"]["fr"] == pytest.approx(0.25)
    assert report["utterances_after"] == {"en": 75, "fr": 25}
    assert len(CutSet.from_file(tmp_path / "mixed" / "cuts.jsonl.gz")) == 100
    assert "fr 0.01" in r.output  # hours after mixing, printed per language
    bad = CliRunner().invoke(app, ["prepare", "mix", str(run_b), "--alpha", "2", "-o", str(tmp_path / "x"), "-q"])
    assert bad.exit_code == 2 and "alpha" in bad.output
    assert math.isclose(sum(report["probabilities"].values()), 1.0)
