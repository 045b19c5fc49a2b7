"""``train_slm``: the zero-resource speech LLM trainer (Mundnich et al., §II-E/F).

Each example of a batch gets one task, drawn uniformly among the configured tasks it has data for
(``asr``: every cut; ``st``: cuts with a translation into ``st_target`` in
``custom["translations"]``), and one of that task's training prompts, drawn uniformly (§II-E). The
loss is the LLM's next-token cross-entropy on the transcript (ASR) or the translation (ST).

Schedules:

* ``joint`` — layer weights + CNN (+ LoRA unless ``model.lora`` is off) trained together for
  ``optim.max_steps`` (Table I rows 4, 5);
* ``sequential`` — the paper's best (rows 6-9): the CNN (and layer weights) is first pretrained on
  ASR alone for ``pretrain_steps`` in ``run_dir/pretrain/`` (a run dir of its own, resumable), then
  CNN + LoRA are trained together on the configured tasks for ``optim.max_steps``.

Task choice and prompt sampling draw from Python's global RNG, which the loop checkpoints, so
``--resume`` stays exact.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from zst.config import SLMConfig
from zst.data.batching import SpeechDataset
from zst.data.manifests import BadRow, cut_translations, load_manifest, write_bad_rows
from zst.errors import ConfigError, ManifestError
from zst.languages import to_iso1
from zst.models.slm import SpeechLLM
from zst.prompts import TASKS, TRAIN_PROMPTS, check_prompt, fill, load_prompts
from zst.runs import RunDir
from zst.train.loop import deadline_of, train
from zst.train.zerost import _training_cuts, seed_everything

SCHEDULES = ("joint", "sequential")


class SLMDataset(SpeechDataset):
    """:class:`SpeechDataset` batches plus ``"translations": [B] {lang: text}`` for the ST task."""

    def __getitem__(self, cuts) -> dict:
        batch = super().__getitem__(cuts)
        batch["translations"] = [cut_translations(c) for c in cuts]
        return batch


def check_config(cfg: SLMConfig) -> dict[str, tuple[str, ...]]:
    """Validate the task/schedule/prompt settings before any model loads.

    Returns:
        ``{task: training prompts}`` for the configured tasks (files read, or the built-in 25).

    Raises:
        ConfigError: an unknown task or schedule, a sequential schedule without LoRA or pretraining
            steps, or a prompt file that is missing, empty or lacks its slot (``{target}`` for ST,
            ``{language}`` for ASR).
        UnknownLanguageError: ``st_target`` is not a known language.
    """
    if not cfg.tasks or set(cfg.tasks) - set(TASKS):
        raise ConfigError(f"--tasks: expected a non-empty subset of {', '.join(TASKS)}, got {', '.join(cfg.tasks)}")
    if cfg.schedule not in SCHEDULES:
        raise ConfigError(f"--schedule: unknown schedule '{cfg.schedule}' (choose {' or '.join(SCHEDULES)})")
    if cfg.schedule == "sequential" and not cfg.model.lora:
        raise ConfigError("--schedule sequential pretrains the CNN and then trains CNN + LoRA; it needs LoRA "
                          "(drop --no-lora, or use --schedule joint for CNN-only training)")
    if cfg.schedule == "sequential" and cfg.pretrain_steps < 1:
        raise ConfigError(f"--pretrain-steps: the sequential schedule needs at least 1, got {cfg.pretrain_steps}")
    to_iso1(cfg.st_target)
    files = {"st": cfg.st_prompts, "asr": cfg.asr_prompts}
    prompts = {}
    for task in TASKS:  # a given prompt file is checked even when its task is off
        if files[task]:
            prompts[task] = load_prompts(files[task], task)
        else:
            prompts[task] = tuple(check_prompt(p, task, f"built-in {task} prompts") for p in TRAIN_PROMPTS[task])
    needed = set(cfg.tasks) | ({"asr"} if cfg.schedule == "sequential" else set())
    return {t: prompts[t] for t in TASKS if t in needed}


def available_tasks(translations: dict[str, str], tasks: Sequence[str], st_target: str) -> list[str]:
    """The configured ``tasks`` an utterance has data for (ST needs a ``st_target`` translation)."""
    return [t for t in tasks if t == "asr" or translations.get(st_target, "").strip()]


def make_examples(batch: dict, tasks: Sequence[str], prompts: dict[str, Sequence[str]], st_target: str,
                  rng=random) -> tuple[list[str], list[str], list[str]]:
    """One task per example (uniform over those it has data for) and one prompt per example
    (uniform over the task's prompts), §II-E.

    Returns:
        ``(prompts, targets, tasks)``, B each: filled prompts, target texts, task names.
    """
    out_prompts, targets, chosen = [], [], []
    for text, lang, translations in zip(batch["text"], batch["lang"], batch["translations"]):
        task = rng.choice(available_tasks(translations, tasks, st_target))
        prompt_lang, target = (lang, text) if task == "asr" else (st_target, translations[st_target])
        out_prompts.append(fill(rng.choice(prompts[task]), task, prompt_lang))
        targets.append(target)
        chosen.append(task)
    return out_prompts, targets, chosen


def _loss_fn(tasks: Sequence[str], prompts: dict[str, Sequence[str]], st_target: str):
    def loss_fn(model, batch):
        p, t, chosen = make_examples(batch, tasks, prompts, st_target)
        counts = Counter(chosen)
        return model(batch["audio"], p, t), {f"{task}_examples": counts.get(task, 0) for task in tasks}

    return loss_fn


def _task_cuts(manifest: str, cuts, tasks: Sequence[str], st_target: str, run: RunDir):
    """Drop cuts that have data for none of ``tasks`` (listed in ``skipped_no_task.tsv``)."""
    from lhotse import CutSet

    keep, bad = [], []
    for c in cuts:
        if available_tasks(cut_translations(c), tasks, st_target):
            keep.append(c)
        else:
            bad.append(BadRow(str(manifest), None, c.id, f"no translation into '{st_target}' for the ST task"))
    if bad:
        write_bad_rows(bad, run.path / "skipped_no_task.tsv")
        run.log(f"skipped {len(bad)} of {len(cuts)} utterances without data for {'/'.join(tasks)} "
                f"(see {run.path / 'skipped_no_task.tsv'})")
    if not keep:
        raise ManifestError(f"{manifest}: no utterance has a translation into '{st_target}' (--tasks st needs "
                            f"`text_{st_target}` translations in the manifest)")
    return CutSet.from_cuts(keep)


def _save(model: SpeechLLM, folder: Path) -> None:
    model.save(folder)


def train_slm(cfg: SLMConfig, run_dir: str | Path, *, resume: bool = False, quiet: bool = False) -> dict:
    """Train the speech LLM on ``cfg.manifest``; ``run_dir/model`` is the final checkpoint.

    Returns:
        The last stage's loop summary (``steps``, ``final_loss``, ``seconds``, ``finished``), plus
        ``stage`` (``"pretrain"`` or ``"train"``: the stage the summary's numbers are from) and, for the
        sequential schedule, ``pretrain`` (the ASR stage's summary). Where the time budget
        (``optim.max_minutes``) ends during the CNN pretraining, the main stage has not begun: the summary
        is the pretraining's, ``stage`` is ``"pretrain"`` and ``finished`` is False; a resumed run goes on.

    Raises:
        ConfigError / ZstError: see :func:`check_config`; unloadable models, an LLM the adapter cannot
            feed, a LoRA target the LLM lacks; ManifestError: no usable utterances.
    """
    prompts = check_config(cfg)
    all_cuts = load_manifest(cfg.manifest)
    st_target = to_iso1(cfg.st_target)
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "train-slm")
    seed_everything(cfg.optim.seed)
    model = SpeechLLM.create(cfg.model)
    cuts = _training_cuts(cfg.manifest, all_cuts, cfg.optim.max_cut_seconds, model.speech.window_seconds, run,
                          need_teacher=False)
    dataset = SLMDataset(with_teacher=False)
    summary: dict = {}
    deadline = deadline_of(cfg.optim)  # one time budget for both phases
    if cfg.schedule == "sequential":
        pre_run = RunDir(run.path / "pretrain", quiet=quiet)
        pre_run.write_config(cfg, "train-slm (CNN pretraining on ASR)")
        model.set_trainable("cnn")
        summary["pretrain"] = train(model=model, loss_fn=_loss_fn(("asr",), prompts, st_target), save_model=_save,
                                    cuts=cuts, dataset=dataset, cfg=replace(cfg.optim, max_steps=cfg.pretrain_steps),
                                    run=pre_run, resume=resume, quiet=quiet,
                                    description="train-slm: CNN pretraining (ASR)", deadline=deadline)
        if not summary["pretrain"]["finished"]:
            return {**summary["pretrain"], "pretrain": summary["pretrain"], "stage": "pretrain"}
    if cfg.model.lora:
        model.add_lora()
    model.set_trainable("cnn+lora" if cfg.model.lora else "cnn")
    cuts = _task_cuts(cfg.manifest, cuts, cfg.tasks, st_target, run)
    summary.update(train(model=model, loss_fn=_loss_fn(cfg.tasks, prompts, st_target), save_model=_save, cuts=cuts,
                         dataset=dataset, cfg=cfg.optim, run=run, resume=resume, quiet=quiet,
                         description="train-slm", deadline=deadline))
    summary["stage"] = "train"
    return summary
