"""The training loop every zst trainer shares.

* Accelerate for devices and distribution: the same command runs on a CPU, one GPU, or several
  under ``accelerate launch`` / ``torchrun`` (DDP); mixed precision where the device has it.
* Adam at ``lr`` with the tri-stage schedule [warm-up, hold, decay] (ZeroST §3, after wav2vec 2.0 /
  fairseq's ``tri_stage``): linear warm-up from ``lr * init_lr_scale``, constant, then exponential
  decay to ``lr * final_lr_scale``.
* Gradient accumulation, clipping, batches bounded by total audio seconds.
* Checkpoints every ``checkpoint_every`` steps in ``checkpoints/step-NNNNNNN/``, written to a
  temporary folder and renamed (main process only): the model folder (loadable by ``translate``),
  optimizer, scheduler, RNG states and the data position. ``resume=True`` continues from the
  newest one exactly: the next step sees the same batch, RNG and learning rate it would have seen.
* A wall-clock budget per invocation (``max_minutes``): at the first step past it the loop
  checkpoints and stops unfinished, and ``resume=True`` goes on — time-limited or preemptible jobs
  run a long training as several invocations with the same result as one.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

from zst.config import OptimConfig
from zst.data.batching import SpeechDataset, batch_stream
from zst.data.manifests import BadRow, write_bad_rows
from zst.errors import ManifestError, ZstError
from zst.progress import add_task, progress
from zst.runs import RunDir, atomic_dir, atomic_write_text

LossFn = Callable[[nn.Module, dict], tuple[torch.Tensor, dict[str, float]]]
SaveFn = Callable[[nn.Module, Path], None]


@dataclass
class TrainState:
    step: int = 0  # optimizer updates done
    epoch: int = 0  # epoch of the next batch
    batch_in_epoch: int = 0  # batches of that epoch already consumed (per process)


TRAINABLE_FILE = "trainable.safetensors"


def tri_stage(step: int, max_steps: int, stages: tuple[float, float, float], init_scale: float = 0.01,
              final_scale: float = 0.05) -> float:
    """Learning-rate multiplier at ``step`` (0-based) of the tri-stage schedule.

    ``stages`` = fractions of ``max_steps`` for warm-up, hold and decay (ZeroST: [0.1, 0.4, 0.5]).
    Warm-up is linear from ``init_scale`` to 1, hold is 1, decay is exponential from 1 to
    ``final_scale`` at ``max_steps``.
    """
    warm = int(round(max_steps * stages[0]))
    hold = int(round(max_steps * stages[1]))
    decay = max(1, max_steps - warm - hold)
    if step < warm:
        return init_scale + (1.0 - init_scale) * step / warm
    if step < warm + hold:
        return 1.0
    return final_scale ** (min(step - warm - hold, decay) / decay)


def _mixed_precision(requested: str) -> str:
    if requested != "auto":
        return requested
    return "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"


def latest_checkpoint(run: RunDir) -> Path | None:
    """Newest complete ``checkpoints/step-*`` folder (temporary ``.tmp`` folders are ignored)."""
    if not run.checkpoints.is_dir():
        return None
    done = sorted(p for p in run.checkpoints.glob("step-*") if (p / "trainer_state.json").is_file())
    return done[-1] if done else None


def _rng_state() -> dict:
    np_state = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def _set_rng_state(state: dict) -> None:
    random.setstate(tuple(state["python"][0:1]) + (tuple(state["python"][1]),) + tuple(state["python"][2:]))
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def train(*, model: nn.Module, loss_fn: LossFn, save_model: SaveFn, cuts, dataset: SpeechDataset, cfg: OptimConfig,
          run: RunDir, resume: bool = False, quiet: bool = False, description: str = "train",
          deadline: float | None = None) -> dict:
    """Train ``model``'s parameters that have ``requires_grad`` on ``cuts``.

    Args:
        model: the full model; only parameters with ``requires_grad`` are optimised and saved.
        loss_fn: ``(model, batch) -> (loss, extra_logs)``; batches come from ``dataset``.
        save_model: ``(unwrapped_model, folder)`` writes a loadable model folder (config + weights).
        cuts: the training CutSet.
        cfg: optimisation settings.
        run: the run directory (``checkpoints/``, ``metrics.jsonl``, ``model/`` at the end).
        resume: continue from the newest checkpoint in ``run`` (fresh start if there is none).
        deadline: ``time.time()`` (seconds since the epoch) after which to stop; default
            ``cfg.max_minutes`` from now (none when it is 0). Trainers that call ``train`` more than
            once per invocation pass one deadline (:func:`deadline_of`) to every call.

    Returns:
        ``{"steps", "final_loss", "seconds", "finished"}``; ``finished`` is False when the deadline
        stopped training before ``cfg.max_steps``: the newest checkpoint holds the last step, ``model/``
        is not written, and ``resume=True`` goes on.

    Raises:
        ZstError: nothing trainable, or a checkpoint that does not fit the model.
    """
    from accelerate import Accelerator

    if deadline is None:
        deadline = deadline_of(cfg)

    accelerator = Accelerator(mixed_precision=_mixed_precision(cfg.mixed_precision), cpu=not torch.cuda.is_available())
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ZstError("the model has no trainable parameters")
    optimizer = torch.optim.Adam(params, lr=cfg.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: tri_stage(s, cfg.max_steps, cfg.stages, cfg.init_lr_scale, cfg.final_lr_scale))
    model, optimizer = accelerator.prepare(model, optimizer)
    raw = accelerator.unwrap_model(model)
    state = TrainState()

    ckpt = latest_checkpoint(run) if resume else None
    if ckpt is not None:
        # a model folder whose model.safetensors is an export (e.g. LoRA merged into the base weights)
        # keeps the trainable weights as they are in TRAINABLE_FILE, which resume reads instead
        own = ckpt / "model" / TRAINABLE_FILE
        weights = load_file(str(own if own.is_file() else ckpt / "model" / "model.safetensors"))
        missing, unexpected = raw.load_state_dict(weights, strict=False)
        trainable = {n for n, p in raw.named_parameters() if p.requires_grad}
        if unexpected or trainable - set(weights):
            raise ZstError(f"{ckpt}: checkpoint does not fit this model (was the config changed?)")
        optimizer.load_state_dict(torch.load(ckpt / "optimizer.pt", weights_only=True))
        sched.load_state_dict(torch.load(ckpt / "scheduler.pt", weights_only=True))
        _set_rng_state(torch.load(ckpt / "rng.pt", weights_only=True))
        state = TrainState(**json.loads((ckpt / "trainer_state.json").read_text())["state"])
        run.truncate_metrics(state.step)
        run.log(f"resumed from {ckpt.name} (step {state.step}, epoch {state.epoch})")
    elif resume:
        run.log("no checkpoint to resume from; starting fresh")

    if state.step >= cfg.max_steps:
        run.log(f"already at step {state.step} of {cfg.max_steps}")
    stream = batch_stream(cuts, dataset, batch_seconds=cfg.batch_seconds, seed=cfg.seed, start_epoch=state.epoch,
                          skip=state.batch_in_epoch, num_workers=cfg.num_workers,
                          world_size=accelerator.num_processes, rank=accelerator.process_index)
    model.train()
    t0 = time.time()
    last_loss = math.nan
    window: list[float] = []
    with progress(quiet or not accelerator.is_main_process) as bar:
        task = add_task(bar, description, cfg.max_steps, completed=state.step)
        while state.step < cfg.max_steps:
            seconds, logs = 0.0, {}
            for k in range(cfg.grad_accum):
                epoch, index, batch = next(stream)
                sync = k == cfg.grad_accum - 1
                with (nullcontext() if sync else accelerator.no_sync(model)):
                    loss, logs = loss_fn(model, batch)
                    if not torch.isfinite(loss):
                        raise ZstError(f"non-finite loss at step {state.step + 1} (batch {batch['ids'][:3]}...); "
                                       f"lower --lr or check the data")
                    accelerator.backward(loss / cfg.grad_accum)
                seconds += batch["seconds"]
                window.append(float(loss.detach()))
                state.epoch, state.batch_in_epoch = epoch, index + 1
            if cfg.max_grad_norm > 0:
                accelerator.clip_grad_norm_(params, cfg.max_grad_norm)
            optimizer.step()
            sched.step()
            optimizer.zero_grad(set_to_none=True)
            state.step += 1
            last_loss = float(np.mean(window))
            if state.step % cfg.log_every == 0 or state.step == cfg.max_steps:
                run.log_metrics({"step": state.step, "epoch": state.epoch, "loss": last_loss,
                                 "lr": sched.get_last_lr()[0], "audio_seconds": seconds,
                                 "elapsed": round(time.time() - t0, 3), **logs})
            window = []
            bar.update(task, completed=state.step, info=f"loss {last_loss:.4f}")
            saved = state.step % cfg.checkpoint_every == 0 or state.step == cfg.max_steps
            stop = state.step < cfg.max_steps and _past(deadline, accelerator)
            if saved or stop:
                accelerator.wait_for_everyone()
                if accelerator.is_main_process:
                    _save_checkpoint(run, raw, save_model, optimizer, sched, state, cfg)
            if stop:
                run.log(f"{description}: time limit ({cfg.max_minutes:g} min) reached at step {state.step} of "
                        f"{cfg.max_steps}, checkpoint step-{state.step:07d} written; run again with --resume "
                        f"to go on")
                return {"steps": state.step, "final_loss": last_loss, "seconds": time.time() - t0,
                        "finished": False}
    accelerator.wait_for_everyone()
    if accelerator.is_main_process:
        with atomic_dir(run.path / "model") as tmp:
            save_model(raw, tmp)
    run.log(f"{description}: {state.step} steps, last loss {last_loss:.4f}, {time.time() - t0:.1f} s")
    return {"steps": state.step, "final_loss": last_loss, "seconds": time.time() - t0, "finished": True}


def deadline_of(cfg: OptimConfig) -> float | None:
    """``time.time()`` ``cfg.max_minutes`` from now (seconds since the epoch), or None when it is 0
    (no limit); :class:`OptimConfig` has already rejected a negative value."""
    return time.time() + 60.0 * cfg.max_minutes if cfg.max_minutes else None


def _past(deadline: float | None, accelerator) -> bool:
    """Whether ``deadline`` has passed, agreed by every process (any one past it stops all, so no
    process waits on a collective the others left)."""
    if deadline is None:
        return False
    past = time.time() >= deadline
    if accelerator.num_processes > 1:
        past = bool(accelerator.gather(torch.tensor([float(past)], device=accelerator.device)).max() > 0)
    return past


def _save_checkpoint(run: RunDir, raw: nn.Module, save_model: SaveFn, optimizer, sched, state: TrainState,
                     cfg: OptimConfig) -> None:
    final = run.checkpoints / f"step-{state.step:07d}"
    with atomic_dir(final) as tmp:
        save_model(raw, tmp / "model")
        torch.save(optimizer.state_dict(), tmp / "optimizer.pt")
        torch.save(sched.state_dict(), tmp / "scheduler.pt")
        torch.save(_rng_state(), tmp / "rng.pt")
        atomic_write_text(tmp / "trainer_state.json", json.dumps({"state": asdict(state), "max_steps": cfg.max_steps}))
    done = sorted(p for p in run.checkpoints.glob("step-*") if (p / "trainer_state.json").is_file())
    for old in done[: -cfg.keep_checkpoints] if cfg.keep_checkpoints > 0 else []:
        shutil.rmtree(old, ignore_errors=True)


def training_cuts(manifest: str, cuts, limit: float, run: RunDir, problem: Callable[[object], str | None]):
    """The CutSet of the cuts at most ``limit`` s long for which ``problem(cut)`` is ``None`` (else a
    one-line reason); the others are listed in ``run/skipped.tsv`` with their reasons.

    Raises:
        ManifestError: no cut is left (names the first reason).
    """
    keep, bad = [], []
    for c in cuts:
        reason = (f"{c.duration:.1f} s is longer than {limit:.1f} s (max_cut_seconds / encoder window)"
                  if c.duration > limit else problem(c))
        if reason:
            bad.append(BadRow(str(manifest), None, c.id, reason))
        else:
            keep.append(c)
    if bad:
        write_bad_rows(bad, run.path / "skipped.tsv")
        run.log(f"skipped {len(bad)} of {len(cuts)} utterances (see {run.path / 'skipped.tsv'})")
    if not keep:
        raise ManifestError(f"{manifest}: no usable utterances ({bad[0].reason})")
    from lhotse import CutSet

    return CutSet.from_cuts(keep)
