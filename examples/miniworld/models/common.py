"""What the mini-world model scripts (``nllb.py``, ``labse.py``, ``mt5.py``) share: the text
corpus, the command-line options every trainer takes, the warm-up + linear-decay schedule, the
training log and the fp16 save."""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the grammar package
sys.path.insert(0, str(HERE.parents[2]))  # zst checkout

from grammar import LANGUAGES as LANGS  # noqa: E402  (the 13 mini-world languages, in grammar order)

__all__ = ["LANGS", "load_texts", "base_parser", "setup", "warmup_linear", "update", "step_record", "seq2seq_loss",
           "TrainLog", "save_fp16", "write_report"]


def load_texts(world: Path) -> dict[str, list[dict[str, str]]]:
    """``{split: [{lang: sentence}, ...]}`` from ``world/text/tuples.jsonl`` (written by ``build.py``)."""
    by_split: dict[str, list[dict[str, str]]] = {"train": [], "dev": [], "test": []}
    with open(world / "text" / "tuples.jsonl", encoding="utf-8") as f:
        for line in f:
            t = json.loads(line)
            by_split[t["split"]].append(t["text"])
    return by_split


def base_parser(doc: str, name: str, *, steps: int, batch: int, batch_help: str, log_every: int = 50,
                lr: float = 1e-3) -> argparse.ArgumentParser:
    """Options every trainer takes: --world --out --steps --batch --lr --device --threads --seed --log-every."""
    import torch

    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--world", type=Path, default=Path("data/miniworld"))
    ap.add_argument("--out", type=Path, default=Path(f"data/miniworld/models/{name}"))
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--batch", type=int, default=batch, help=batch_help)
    ap.add_argument("--lr", type=float, default=lr)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default; use 1 when "
                    "another job shares the cores)")
    ap.add_argument("--log-every", type=int, default=log_every, help="steps between train_log.jsonl records")
    ap.add_argument("--seed", type=int, default=0)
    return ap


def setup(args) -> tuple[random.Random, dict[str, list[dict[str, str]]], Path]:
    """Threads and seeds from ``args``; returns the data RNG, the texts and the ``.init`` folder
    (random-init model + tokenizer, built once and reused by later runs)."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return random.Random(args.seed), load_texts(args.world), args.out.with_name(args.out.name + ".init")


def warmup_linear(opt, steps: int):
    """Linear warm-up over 5 % of ``steps``, then linear decay to 5 % of the peak learning rate."""
    import torch

    warm = max(1, steps // 20)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.05, 1 - max(0, s - warm) / max(1, steps - warm)))


def update(loss, opt, sched, params, max_norm: float = 1.0) -> None:
    """One optimiser update: backward, gradient clipping to ``max_norm``, step, schedule step."""
    import torch

    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    opt.step()
    sched.step()


def step_record(step: int, loss, sched, t0: float, **extra) -> dict:
    """The training-log record every script writes: step, loss, learning rate, seconds since ``t0``
    and ``extra`` (floats rounded to 4 places)."""
    import time

    rec = {"step": step, "loss": round(loss.item(), 4)}
    rec.update({k: round(v, 4) if isinstance(v, float) else v for k, v in extra.items()})
    rec.update({"lr": sched.get_last_lr()[0], "seconds": round(time.time() - t0, 1)})
    return rec


def seq2seq_loss(model, batch: dict, loss_fn):
    """Teacher-forced token loss of an encoder-decoder on ``encode()``'s batch (labels -100 at padding)."""
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).logits
    return loss_fn(logits.reshape(-1, logits.size(-1)), batch["labels"].reshape(-1))


class TrainLog:
    """``<out>.train_log.jsonl`` next to the output folder; each record is also printed."""

    def __init__(self, out: Path):
        out.parent.mkdir(parents=True, exist_ok=True)
        self._f = open(out.with_name(out.name + ".train_log.jsonl"), "w")

    def write(self, rec: dict) -> None:
        self._f.write(json.dumps(rec) + "\n")
        self._f.flush()
        print(json.dumps(rec), flush=True)


def save_fp16(model, tok, out: Path) -> float:
    """``save_pretrained`` model (as fp16) and tokenizer (unless ``None``) into ``out``; returns the
    safetensors size in MB."""
    model.half()
    model.save_pretrained(out)
    if tok is not None:
        tok.save_pretrained(out)
    return round(sum(p.stat().st_size for p in out.glob("*.safetensors")) / 1e6, 2)


def write_report(out: Path, report: dict) -> None:
    """``out/eval.json`` (also printed)."""
    (out / "eval.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report), flush=True)
