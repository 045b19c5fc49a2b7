"""Run directories: every command writes its resolved config, environment, log, metrics and
outputs to one folder.

Layout::

    run_dir/
      config.yaml      resolved config (defaults <- --config file <- flags)
      env.json         versions, git sha, command line, start time, device
      log.txt          human-readable log (also printed unless --quiet)
      metrics.jsonl    one JSON object per logged step / evaluation
      checkpoints/     step-000100/ ... (written atomically, see zst.train.checkpoint)
      ...              command outputs (predictions/, eval/, cuts.jsonl.gz, ...)

All file writes go through :func:`atomic_write_text` / :func:`atomic_dir`, so an interrupted run
never leaves a half-written file under its final name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import yaml


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


@contextlib.contextmanager
def atomic_dir(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success rename it to ``final`` (replacing an old one).

    On an exception the temporary folder is removed and ``final`` is left untouched.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent))
    try:
        yield tmp
        if final.exists():
            old = final.with_name(f".{final.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(final, old)
            os.replace(tmp, final)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, Paths and tuples to plain JSON/YAML types."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _git_sha() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5
        )
        return out.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def environment() -> dict[str, Any]:
    """Versions, git sha, command line and device facts recorded in ``env.json``."""
    import importlib.metadata as md

    versions = {}
    for pkg in ("zst", "torch", "transformers", "accelerate", "peft", "lhotse", "sacrebleu", "jiwer", "numpy"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    info: dict[str, Any] = {
        "argv": sys.argv,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git_sha": _git_sha(),
        "started": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    try:
        import torch

        info["cuda"] = torch.cuda.is_available()
        if info["cuda"]:
            info["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        info["threads"] = torch.get_num_threads()
    except ImportError:  # pragma: no cover - torch is a hard dependency
        pass
    return info


class RunDir:
    """One command's output folder (see module docstring).

    Args:
        path: the folder; created if missing.
        main_process: only the main process of a distributed run writes files.
        quiet: do not echo log lines to stderr.
    """

    def __init__(self, path: str | os.PathLike, *, main_process: bool = True, quiet: bool = False):
        self.path = Path(path)
        self.main = main_process
        self.quiet = quiet
        if self.main:
            self.path.mkdir(parents=True, exist_ok=True)

    # -- files ---------------------------------------------------------------------------------
    @property
    def checkpoints(self) -> Path:
        return self.path / "checkpoints"

    def write_config(self, config: Any, command: str) -> None:
        """Write ``config.yaml`` (the resolved config) and ``env.json``."""
        if not self.main:
            return
        data = {"command": command, **to_jsonable(config)}
        atomic_write_text(self.path / "config.yaml", yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        atomic_write_text(self.path / "env.json", json.dumps(environment(), indent=2))

    def log(self, message: str) -> None:
        """Append a timestamped line to ``log.txt`` (and echo it unless quiet)."""
        if not self.main:
            return
        stamp = _dt.datetime.now().strftime("%H:%M:%S")
        with open(self.path / "log.txt", "a", encoding="utf-8") as f:
            f.write(f"[{stamp}] {message}\n")
        if not self.quiet:
            print(message, file=sys.stderr)

    def log_metrics(self, record: dict[str, Any]) -> None:
        """Append one JSON line to ``metrics.jsonl``."""
        if not self.main:
            return
        with open(self.path / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(to_jsonable(record)) + "\n")

    def read_metrics(self) -> list[dict[str, Any]]:
        """All records of ``metrics.jsonl`` (empty if none)."""
        p = self.path / "metrics.jsonl"
        if not p.exists():
            return []
        return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]

    def truncate_metrics(self, after_step: int) -> None:
        """Drop metric records of steps > ``after_step`` (used on resume so the log has no gaps or repeats)."""
        if not self.main:
            return
        kept = [r for r in self.read_metrics() if r.get("step", 0) <= after_step]
        atomic_write_text(self.path / "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in kept))
