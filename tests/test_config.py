"""Config resolution: defaults <- YAML file <- CLI flags (zst.config.resolve and through the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from zst.cli.main import app
from zst.config import (DistillConfig, ModelConfig, OptimConfig, PrepareConfig, TrainNLLConfig, TranslateConfig,
                        load_yaml, resolve)
from zst.errors import ConfigError, ZstError
from zst.runs import RunDir

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "audio"


def _yaml(tmp_path: Path, data, name: str = "cfg.yaml") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return p


def _invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


# -- resolve() -----------------------------------------------------------------------------------


def test_defaults_without_file_or_flags():
    cfg = resolve(DistillConfig, None, {})
    assert cfg == DistillConfig()
    assert cfg.optim.lr == 1e-4 and cfg.optim.max_steps == 100_000 and cfg.model.num_queries == 256


def test_precedence_default_yaml_flag(tmp_path):
    f = _yaml(tmp_path, {"optim": {"lr": 0.5, "max_steps": 7}, "model": {"qformer": "lite"}})
    # YAML beats the default ...
    cfg = resolve(DistillConfig, f, {"optim.lr": None, "model.qformer": None})  # None = flag not given
    assert cfg.optim.lr == 0.5 and cfg.optim.max_steps == 7 and cfg.model.qformer == "lite"
    # ... and a flag beats the YAML, leaving the YAML's other keys in place.
    cfg = resolve(DistillConfig, f, {"optim.lr": 0.25, "model.qformer": "simple"})
    assert cfg.optim.lr == 0.25 and cfg.optim.max_steps == 7 and cfg.model.qformer == "simple"
    # Untouched keys keep their defaults.
    assert cfg.optim.batch_seconds == OptimConfig().batch_seconds
    assert cfg.model.speech_encoder == ModelConfig().speech_encoder


def test_dotted_flags_merge_into_nested_yaml(tmp_path):
    f = _yaml(tmp_path, {"manifest": "from_yaml.jsonl.gz", "model": {"lite_dim": 32, "lite_ffn": 64}})
    cfg = resolve(DistillConfig, f, {"model.num_queries": 4, "model.lite_heads": 2, "optim.seed": 3})
    assert (cfg.model.lite_dim, cfg.model.lite_ffn, cfg.model.lite_heads, cfg.model.num_queries) == (32, 64, 2, 4)
    assert cfg.optim.seed == 3 and cfg.manifest == "from_yaml.jsonl.gz"
    assert cfg.model.lite_layers == ModelConfig().lite_layers


def test_dotted_flags_without_yaml():
    cfg = resolve(TrainNLLConfig, None, {"model.adapter_dim": 8, "optim.grad_accum": 2, "init": "runs/kd"})
    assert cfg.model.adapter_dim == 8 and cfg.optim.grad_accum == 2 and cfg.init == "runs/kd"


@pytest.mark.parametrize(
    "data, key",
    [
        ({"optim": {"lrr": 1.0}}, "optim.lrr"),
        ({"model": {"queries": 4}}, "model.queries"),
        ({"manifesto": "x"}, "manifesto"),
    ],
)
def test_unknown_key_names_the_key(tmp_path, data, key):
    f = _yaml(tmp_path, data)
    with pytest.raises(ConfigError, match=f"'{key}'"):
        resolve(DistillConfig, f, {})


def test_unknown_dotted_flag_names_the_key():
    with pytest.raises(ConfigError, match="'optim.learning_rate'"):
        resolve(DistillConfig, None, {"optim.learning_rate": 1.0})


@pytest.mark.parametrize(
    "data, key",
    [
        ({"optim": {"lr": "fast"}}, "optim.lr"),
        ({"optim": {"max_steps": 2.5}}, "optim.max_steps"),
        ({"optim": {"max_steps": "ten"}}, "optim.max_steps"),
        ({"model": 5}, "model"),
        ({"model": {"kd_proj_trainable": "maybe"}}, "model.kd_proj_trainable"),
        ({"optim": {"stages": 0.1}}, "optim.stages"),
        ({"manifest": None}, "manifest"),
    ],
)
def test_wrong_type_names_the_key(tmp_path, data, key):
    f = _yaml(tmp_path, data)
    with pytest.raises(ConfigError, match=f"'{key}'"):
        resolve(DistillConfig, f, {})


def test_values_are_coerced(tmp_path):
    f = _yaml(tmp_path, {"optim": {"max_steps": 3.0, "lr": 1, "stages": [0.2, 0.3, 0.5]},
                         "model": {"kd_proj_trainable": "no"}})
    cfg = resolve(DistillConfig, f, {})
    assert cfg.optim.max_steps == 3 and isinstance(cfg.optim.max_steps, int)
    assert cfg.optim.lr == 1.0 and isinstance(cfg.optim.lr, float)
    assert cfg.optim.stages == (0.2, 0.3, 0.5)
    assert cfg.model.kd_proj_trainable is False
    tr = resolve(TranslateConfig, None, {"tgt": "de, fra zho_Hans", "beam_size": "2"})
    assert tr.tgt == ("de", "fra", "zho_Hans") and tr.beam_size == 2
    pc = resolve(PrepareConfig, _yaml(tmp_path, {"text_model": None}, "p.yaml"), {})
    assert pc.text_model is None  # optional field accepts null


@pytest.mark.parametrize("text, match", [("- a\n- b\n", "mapping"), ("optim: [1, 2\n", "invalid YAML")])
def test_bad_yaml_file(tmp_path, text, match):
    f = _yaml(tmp_path, text)
    with pytest.raises(ConfigError, match=match) as e:
        resolve(DistillConfig, f, {})
    assert str(f) in str(e.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        resolve(DistillConfig, tmp_path / "nope.yaml", {})


def test_config_errors_are_zst_errors():
    assert issubclass(ConfigError, ZstError)


def test_run_dir_config_yaml_round_trips(tmp_path):
    cfg = resolve(DistillConfig, None, {"manifest": "m.jsonl.gz", "model.qformer": "lite", "model.num_queries": 8,
                                        "optim.lr": 3e-3, "optim.stages": (0.2, 0.2, 0.6)})
    run = RunDir(tmp_path / "run", quiet=True)
    run.write_config(cfg, "distill")
    saved = yaml.safe_load((run.path / "config.yaml").read_text())
    assert saved["command"] == "distill"
    assert "command" not in load_yaml(run.path / "config.yaml")
    again = resolve(DistillConfig, run.path / "config.yaml", {})
    assert again == cfg
    # A flag still wins over the re-used file.
    assert resolve(DistillConfig, run.path / "config.yaml", {"optim.lr": 1e-2}).optim.lr == 1e-2


# -- through the CLI -----------------------------------------------------------------------------


def test_cli_precedence_on_prepare(tmp_path):
    """YAML max_seconds 0.5 rejects every example clip (all ~1-1.5 s); the flag --max-seconds 60 wins."""
    f = _yaml(tmp_path, {"max_seconds": 0.5, "tsv": str(EXAMPLES / "clips.tsv")})
    r = _invoke("prepare", "folder", EXAMPLES, "--no-teacher", "-c", f, "-o", tmp_path / "a", "-q")
    assert r.exit_code == 2, r.output
    assert "no valid utterance" in r.stderr
    bad = (tmp_path / "a" / "bad_rows.tsv").read_text().splitlines()
    assert len(bad) == 1 + 3 and all("longer than the maximum of 0.5 s" in line for line in bad[1:])

    r = _invoke("prepare", "folder", EXAMPLES, "--no-teacher", "-c", f, "--max-seconds", "60", "-o", tmp_path / "b",
                "-q")
    assert r.exit_code == 0, r.output
    assert "prepare: 3 utterances" in r.stdout and "0 bad rows" in r.stdout
    saved = yaml.safe_load((tmp_path / "b" / "config.yaml").read_text())
    assert saved["max_seconds"] == 60.0  # flag
    assert saved["tsv"] == str(EXAMPLES / "clips.tsv")  # YAML (no --tsv flag given)
    assert saved["text_model"] is None and saved["command"] == "prepare folder"


def test_cli_reuses_run_dir_config(tmp_path):
    r = _invoke("prepare", "folder", EXAMPLES, "--tsv", EXAMPLES / "clips.tsv", "--no-teacher", "--max-seconds", "5",
                "-o", tmp_path / "a", "-q")
    assert r.exit_code == 0, r.output
    # No --tsv and no --max-seconds: both come from a's config.yaml (its `command` key is ignored).
    r = _invoke("prepare", "folder", EXAMPLES, "-c", tmp_path / "a" / "config.yaml", "-o", tmp_path / "b", "-q")
    assert r.exit_code == 0, r.output
    assert "prepare: 3 utterances" in r.stdout
    a = yaml.safe_load((tmp_path / "a" / "config.yaml").read_text())
    b = yaml.safe_load((tmp_path / "b" / "config.yaml").read_text())
    assert a == b and b["max_seconds"] == 5.0 and b["text_model"] is None


@pytest.mark.parametrize(
    "data, key",
    [({"optim": {"lrr": 1}}, "unknown config key 'optim.lrr'"), ({"optim": {"lr": "fast"}}, "'optim.lr'")],
)
def test_cli_bad_config_exits_2_naming_the_key(tmp_path, data, key):
    f = _yaml(tmp_path, data)
    r = _invoke("distill", tmp_path / "cuts.jsonl.gz", "-c", f, "-o", tmp_path / "run", "-q")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and key in lines[0]
    assert not (tmp_path / "run").exists()  # rejected before anything was written


@pytest.mark.parametrize("key, value, says", [
    ("lr", 0.0, "> 0"), ("max_steps", 0, ">= 1"), ("batch_seconds", -5.0, "> 0"), ("grad_accum", 0, ">= 1"),
    ("keep_checkpoints", 0, ">= 1"), ("max_minutes", -1.0, ">= 0 (0: no limit)"),
    ("max_grad_norm", -1.0, ">= 0"), ("stages", (0.6, 0.6, 0.0), "warm-up + hold <= 1"),
])
def test_optim_values_no_trainer_can_run_with_are_rejected(key, value, says):
    with pytest.raises(ConfigError, match=rf"optim\.{key} \(--{key.replace('_', '-')}\) must be") as e:
        OptimConfig(**{key: value})
    assert says in str(e.value) and repr(value) in str(e.value)
    OptimConfig(max_minutes=0.5, max_grad_norm=0.0, stages=(0.0, 0.0, 1.0))  # the edges that are fine


@pytest.mark.parametrize("flag, value", [("--max-minutes", "-1"), ("--lr", "0"), ("--max-steps", "0")])
def test_cli_bad_optim_value_exits_2_before_anything_is_written(tmp_path, flag, value):
    r = _invoke("train-nll", tmp_path / "cuts.jsonl.gz", flag, value, "-o", tmp_path / "run", "-q")
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: optim.") and flag in lines[0], r.stderr
    assert not (tmp_path / "run").exists()


def test_cli_missing_config_file_exits_2(tmp_path):
    r = _invoke("train-nll", tmp_path / "cuts.jsonl.gz", "-c", tmp_path / "missing.yaml", "-o", tmp_path / "run",
                "-q")
    assert r.exit_code == 2
    assert r.stderr.strip() == f"error: {tmp_path / 'missing.yaml'}: config file not found"
