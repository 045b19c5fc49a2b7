"""Whisper decoder fine-tuning on speech translation pairs (Whisper cross-lingual study §4.3).

The paper fine-tunes Whisper on CoVoST 2 en→zh with the context ``<|zh|><|transcribe|>``, the
encoder frozen so the shared speech embedding space is kept (Table 2), and compares full-decoder
fine-tuning, LoRA in the decoder and fine-tuning everything (Table 8). ``train_whisper`` does that
with zst's training loop; the run's ``model/`` is a plain HF Whisper folder (LoRA merged), which
``zst translate --model RUN --task transcribe --tgt zh`` drives.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file

from zst.config import WhisperFinetuneConfig
from zst.data.batching import SpeechDataset
from zst.data.manifests import load_manifest
from zst.errors import ManifestError
from zst.languages import to_iso1
from zst.models.whisper_st import WhisperST, check_task, decoder_sequences, merged_state_dict, pad_sequences, \
    set_finetune_mode
from zst.runs import RunDir
from zst.train.loop import TRAINABLE_FILE, train, training_cuts
from zst.train.samu import translation_pairs
from zst.train.zerost import seed_everything


def whisper_loss(st: WhisperST, model, batch: dict, task: str, *, frozen_encoder: bool = True
                 ) -> tuple[torch.Tensor, dict[str, float]]:
    """Mean token NLL of ``batch["tgt_text"]`` given the audio, context ``<|tgt_lang|><|task|>``
    (Whisper's decoder cross-entropy over the label tokens, nats)."""
    if frozen_encoder:
        model.model.encoder.eval()  # a frozen encoder stays deterministic (the loop put everything in train mode)
    feats = st.speech.features(batch["audio"])["inputs"].to(st.device)
    inputs, labels = decoder_sequences(st.tokenizer, batch["tgt_text"], batch["tgt_lang"], task)
    x, y = pad_sequences(inputs, labels, model.config.pad_token_id)
    out = model(input_features=feats, decoder_input_ids=x.to(st.device), labels=y.to(st.device))
    return out.loss, {}


def save_whisper(st: WhisperST, model, folder: Path) -> None:
    """A plain HF Whisper folder (weights, generation config, tokenizer, feature extractor); with
    LoRA, the deltas are merged into the export and the LoRA weights kept in ``TRAINABLE_FILE`` so
    a checkpoint resumes exactly."""
    folder = Path(folder)
    if any("lora_" in n for n, _ in model.named_parameters()):
        model.save_pretrained(folder, state_dict=merged_state_dict(model))
        save_file({n: p.detach().cpu().contiguous() for n, p in model.named_parameters() if p.requires_grad},
                  str(folder / TRAINABLE_FILE))
    else:
        model.save_pretrained(folder)
    st.tokenizer.save_pretrained(folder)
    st.speech.feature_extractor.save_pretrained(folder)


def train_whisper(cfg: WhisperFinetuneConfig, run_dir: str | Path, *, resume: bool = False,
                  quiet: bool = False) -> dict:
    """Fine-tune a Whisper model's decoder (or LoRA in it, or everything: ``cfg.finetune``) on the
    manifest's X→Y pairs from ``cfg.src_languages`` into ``cfg.tgt_languages``.

    Returns the loop's summary. Raises ZstError on bad input (no pairs, a target without a Whisper
    language token, unknown mode or LoRA target, unloadable model).
    """
    check_task(cfg.task)
    all_cuts = load_manifest(cfg.manifest)
    srcs = {to_iso1(s) for s in cfg.src_languages}
    if srcs:
        all_cuts = all_cuts.filter(lambda c: c.supervisions[0].language in srcs).to_eager()
        if not len(all_cuts):
            raise ManifestError(f"{cfg.manifest}: no utterances in {', '.join(sorted(srcs))} (--src)")
    pairs = translation_pairs(cfg.manifest, all_cuts, cfg.tgt_languages)
    run = RunDir(run_dir, quiet=quiet)
    run.write_config(cfg, "train-nll --arch whisper")
    seed_everything(cfg.optim.seed)
    st = WhisperST.load(cfg.model, task=cfg.task)
    for t in cfg.tgt_languages:
        st.check_language(to_iso1(t), "--tgt")
    model = st.model
    set_finetune_mode(model, cfg.finetune, lora_r=cfg.lora_r, lora_alpha=cfg.lora_alpha,
                      lora_targets=cfg.lora_targets)
    cuts = training_cuts(cfg.manifest, pairs, min(cfg.optim.max_cut_seconds, st.speech.window_seconds), run,
                       lambda c: None)
    n = sum(p.numel() for p in model.parameters() if p.requires_grad)
    run.log(f"{len(cuts)} pairs; fine-tuning {cfg.finetune}: {n / 1e6:.2f}M trainable parameters")
    return train(model=model, loss_fn=lambda m, batch: whisper_loss(st, m, batch, cfg.task, frozen_encoder=cfg.finetune != "full"),
                 save_model=lambda m, folder: save_whisper(st, m, folder), cuts=cuts,
                 dataset=SpeechDataset(with_translation=True), cfg=cfg.optim, run=run, resume=resume, quiet=quiet,
                 description=f"train-nll whisper ({cfg.finetune})")
