"""Whisper as a speech translator: forced ``<|lang|><|task|>`` context tokens, decoder fine-tuning.

The Whisper cross-lingual study (``whisper_crosslingual_retrieval.txt``, §3, §4.3–4.4) decodes
with the context ``<|startoftranscript|><|L|><|task|>`` and varies ``L`` and ``task``:

* X→en translation, Whisper's own use: ``L`` = the *source* language, ``task`` = translate.
* Zero-shot translation into a new target (Table 2): ``<|zh|><|translate|>`` (Whisper's default,
  which the paper finds keeps producing English) or ``<|zh|><|transcribe|>`` (much better).
* Fine-tuning (Table 2, §4.3): the decoder is trained on en→zh pairs with ``<|zh|><|transcribe|>``
  while the encoder stays frozen, which keeps the shared embedding space and lifts other sources.
* Unseen source languages (Table 3): ``L`` = a similar known language (``--decode-lang es`` for
  Catalan) for ASR and X→en translation.

:func:`context_language` is that rule in one place. :class:`WhisperST` wraps an HF
``WhisperForConditionalGeneration`` (hub id or folder, loaded as a hub id is) with the interface
``zst.inference`` drives (``translate_many`` / ``transcribe`` / ``speech.window_seconds``); a
fine-tuned model is saved back as a plain HF Whisper folder (LoRA merged), so it loads anywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from zst.errors import ConfigError
from zst.languages import to_iso1
from zst.models.speech_encoder import SpeechEncoder, load_pretrained

TASKS = ("translate", "transcribe")


def whisper_folder(path: str | Path) -> Path | None:
    """The HF Whisper folder in ``path`` (the folder itself, a run dir's ``model/``, or its newest
    ``checkpoints/step-*/model``), or ``None`` when ``path`` holds no Whisper ``config.json``."""
    from zst.models.zerost import checkpoint_candidates

    for c in checkpoint_candidates(path):
        f = c / "config.json"
        if f.is_file():
            try:
                return c if json.loads(f.read_text()).get("model_type") == "whisper" else None
            except (json.JSONDecodeError, AttributeError):
                return None
    return None


def is_whisper(name_or_path: str | Path) -> bool:
    """True for a local Whisper folder/run dir, or a hub id whose config is a Whisper one."""
    if Path(name_or_path).exists():
        return whisper_folder(name_or_path) is not None
    try:
        from transformers import AutoConfig

        return AutoConfig.from_pretrained(str(name_or_path)).model_type == "whisper"
    except (OSError, ValueError):
        return False


def check_task(task: str) -> str:
    """Return ``task`` or raise :class:`ConfigError` naming the option."""
    if task not in TASKS:
        raise ConfigError(f"--task: unknown task '{task}' (translate or transcribe)")
    return task


def context_language(task: str, tgt: str, src: str | None, decode_lang: str | None = None) -> str | None:
    """The language ``L`` of the forced context ``<|L|><|task|>`` (ISO 639-1).

    ``L`` is the target language, except where Whisper expects the *source* language there: ASR
    (``task="transcribe"`` with ``tgt == src``) and translation into English (``task="translate"``,
    ``tgt="en"``). In those two cases ``decode_lang`` (a similar known language, paper Table 3)
    replaces the source; ``None`` (source unknown, no ``decode_lang``) lets Whisper detect it.

    Raises:
        ConfigError: a task other than translate / transcribe.
    """
    check_task(task)
    source_slot = (task == "transcribe" and tgt == src) or (task == "translate" and tgt == "en")
    if not source_slot:
        return tgt
    return decode_lang or src


class WhisperST:
    """A Whisper model decoding with forced ``<|L|><|task|>`` tokens (see :func:`context_language`).

    Attributes:
        model: ``WhisperForConditionalGeneration`` (eval mode).
        speech: :class:`SpeechEncoder` over the model's own encoder (shared weights): log-mel
            features, ``window_seconds`` read from ``max_source_positions``.
        tokenizer: the model's ``WhisperTokenizer``.
        task: translate | transcribe — the task token used by :meth:`translate_many`.
        decode_lang: ISO 639-1 code replacing the source language in the context, or ``None``.
    """

    needs_source_language = True  # zst.inference passes each segment's source language

    def __init__(self, model, feature_extractor, tokenizer, *, task: str = "translate",
                 decode_lang: str | None = None):
        self.model = model.eval()
        self.speech = SpeechEncoder(model.model.encoder, feature_extractor, "whisper")
        self.tokenizer = tokenizer
        self.task = check_task(task)
        self.decode_lang = to_iso1(decode_lang) if decode_lang else None
        if self.decode_lang:
            self.check_language(self.decode_lang, "--decode-lang")

    @classmethod
    def load(cls, name_or_path: str | Path, *, device: str | torch.device = "cpu", task: str = "translate",
             decode_lang: str | None = None) -> "WhisperST":
        """Load from an HF id, a Whisper folder, or a ``zst train-nll --arch whisper`` run dir.

        Raises:
            ZstError: the model, tokenizer or feature extractor cannot be loaded.
        """
        from transformers import AutoFeatureExtractor, WhisperForConditionalGeneration, WhisperTokenizer

        src = whisper_folder(name_or_path) if Path(name_or_path).exists() else None
        src = str(src or name_or_path)
        model = load_pretrained(WhisperForConditionalGeneration, src, "Whisper model", dtype=torch.float32)
        fe = load_pretrained(AutoFeatureExtractor, src, "feature extractor")
        tok = load_pretrained(WhisperTokenizer, src, "Whisper tokenizer")
        return cls(model.to(device), fe, tok, task=task, decode_lang=decode_lang)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def check_language(self, lang: str, what: str = "--tgt") -> None:
        """Raise :class:`ConfigError` unless the model has a ``<|lang|>`` token."""
        lang_to_id = getattr(self.model.generation_config, "lang_to_id", None) or {}
        if f"<|{lang}|>" not in lang_to_id:
            raise ConfigError(f"{what}: this Whisper model has no language token <|{lang}|> "
                              f"(use --decode-lang with a similar language)")

    @torch.no_grad()
    def generate(self, audio: Sequence[np.ndarray], lang: str | None, task: str, *, beam_size: int = 4,
                 max_new_tokens: int = 200, length_penalty: float | None = None) -> list[str]:
        """Decode ``audio`` (16 kHz float32, each within the window) with ``<|lang|><|task|>`` forced
        (``lang=None``: Whisper's language detection). Returns one text per input. ``length_penalty``:
        beam search's length exponent (HF ``length_penalty``; ``None``: the model's generation config)."""
        if lang is not None:
            self.check_language(lang, "language")
        feats = self.speech.features(audio)["inputs"].to(self.device)
        limit = self.model.config.max_target_positions - 4  # room for the context tokens
        extra = {} if length_penalty is None else {"length_penalty": float(length_penalty)}
        out = self.model.generate(input_features=feats, language=None if lang is None else f"<|{lang}|>",
                                  task=task, num_beams=beam_size, max_new_tokens=min(max_new_tokens, limit), **extra)
        return [t.strip() for t in self.tokenizer.batch_decode(out, skip_special_tokens=True)]

    def _grouped(self, audio, langs, task, **kw) -> list[str]:
        """:meth:`generate` per distinct context language (HF forces one per call), in input order."""
        out: list[str | None] = [None] * len(audio)
        for lang in dict.fromkeys(langs):
            idx = [i for i, x in enumerate(langs) if x == lang]
            for i, text in zip(idx, self.generate([audio[i] for i in idx], lang, task, **kw)):
                out[i] = text
        return out  # type: ignore[return-value]

    def translate_many(self, audio: Sequence[np.ndarray], tgts: Sequence[str], *, beam_size: int = 4,
                       max_new_tokens: int = 200, length_penalty: float | None = None,
                       src_langs: Sequence[str | None] | None = None) -> dict[str, list[str]]:
        """``{tgt: [text per input]}`` decoded with ``<|L|><|self.task|>``, ``L`` from
        :func:`context_language` per input (``src_langs``: ISO 639-1 or ``None`` per input)."""
        srcs = list(src_langs) if src_langs is not None else [None] * len(audio)
        res = {}
        for tgt in tgts:
            t = to_iso1(tgt)
            langs = [context_language(self.task, t, s, self.decode_lang) for s in srcs]
            res[tgt] = self._grouped(audio, langs, self.task, beam_size=beam_size, max_new_tokens=max_new_tokens,
                                     length_penalty=length_penalty)
        return res

    def transcribe(self, audio: Sequence[np.ndarray], langs: Sequence[str], *, beam_size: int = 4,
                   max_new_tokens: int = 200, length_penalty: float | None = None) -> list[str]:
        """ASR: ``<|src|><|transcribe|>`` per input (``--decode-lang`` replaces the source)."""
        ctx = [context_language("transcribe", s, s, self.decode_lang) for s in langs]
        return self._grouped(audio, ctx, "transcribe", beam_size=beam_size, max_new_tokens=max_new_tokens,
                             length_penalty=length_penalty)


# -- decoder fine-tuning (paper §4.3, Table 2; Appendix Table 8) -----------------------------------
FINETUNE_MODES = ("decoder", "lora", "full")  # FT (dec) | LoRA (dec) | FT (all) in the paper's Table 8


def decoder_sequences(tokenizer, texts: Sequence[str], langs: Sequence[str], task: str
                      ) -> tuple[list[list[int]], list[list[int]]]:
    """Teacher-forcing decoder inputs and labels for Whisper, one pair per text:
    ``<|startoftranscript|> <|L|> <|task|> <|notimestamps|> text`` →
    ``<|L|> <|task|> <|notimestamps|> text <|endoftext|>`` (labels shifted by one; the context
    tokens are in the loss, as in openai/whisper's training and HF's fine-tuning recipe).

    Raises:
        ConfigError: a language without a ``<|L|>`` token in ``tokenizer``.
    """
    ids = tokenizer.convert_tokens_to_ids
    sot, eot, nots = ids("<|startoftranscript|>"), ids("<|endoftext|>"), ids("<|notimestamps|>")
    unk = tokenizer.unk_token_id
    inputs, labels = [], []
    for text, lang in zip(texts, langs):
        lang_id = ids(f"<|{lang}|>")
        if lang_id is None or lang_id == unk:
            raise ConfigError(f"the Whisper tokenizer has no language token <|{lang}|>")
        body = tokenizer(" " + text.strip(), add_special_tokens=False)["input_ids"]
        prefix = [lang_id, ids(f"<|{check_task(task)}|>"), nots]
        inputs.append([sot, *prefix, *body])
        labels.append([*prefix, *body, eot])
    return inputs, labels


def pad_sequences(inputs: Sequence[Sequence[int]], labels: Sequence[Sequence[int]], pad: int
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """``(B, L)`` decoder input ids padded with ``pad`` and ``(B, L)`` labels padded with -100."""
    n = max(map(len, inputs))
    x = torch.full((len(inputs), n), pad, dtype=torch.long)
    y = torch.full((len(inputs), n), -100, dtype=torch.long)
    for i, (a, b) in enumerate(zip(inputs, labels)):
        x[i, : len(a)] = torch.tensor(a)
        y[i, : len(b)] = torch.tensor(b)
    return x, y


def set_finetune_mode(model, mode: str, *, lora_r: int = 8, lora_alpha: int = 16,
                      lora_targets: Sequence[str] = ("q_proj", "v_proj")) -> None:
    """Make a ``WhisperForConditionalGeneration`` trainable as in the paper's Table 8:
    ``decoder`` = every decoder parameter (token embeddings, tied to the output projection,
    included), encoder frozen; ``lora`` = LoRA (peft, rank ``lora_r``) on the decoder's
    ``lora_targets`` only; ``full`` = every parameter.

    Raises:
        ConfigError: unknown mode, or a LoRA target that the decoder does not have.
    """
    if mode not in FINETUNE_MODES:
        raise ConfigError(f"--finetune: unknown mode '{mode}' ({' | '.join(FINETUNE_MODES)})")
    model.requires_grad_(mode == "full")
    decoder = model.model.decoder
    if mode == "decoder":
        decoder.requires_grad_(True)
    elif mode == "lora":
        from peft import LoraConfig, inject_adapter_in_model

        from zst.models.slm import LORA_MARK, check_lora_targets

        check_lora_targets(decoder, lora_targets, "Whisper decoder")
        device = next(decoder.parameters()).device
        inject_adapter_in_model(LoraConfig(r=lora_r, lora_alpha=lora_alpha, target_modules=list(lora_targets),
                                           bias="none"), decoder)
        decoder.to(device)
        for name, p in decoder.named_parameters():
            p.requires_grad_(LORA_MARK in name)


def merged_state_dict(model) -> dict[str, torch.Tensor]:
    """The model's weights under its plain HF names with every LoRA delta merged in
    (``W + scale · B A``) and the LoRA tensors dropped: what ``save_pretrained`` writes, so a
    LoRA-tuned Whisper loads anywhere as an ordinary Whisper."""
    from peft.tuners.lora import LoraLayer

    state = {k: v for k, v in model.state_dict().items() if "lora_" not in k}
    for name, module in model.named_modules():
        if isinstance(module, LoraLayer):
            base = f"{name}.base_layer.weight"
            delta = sum(module.get_delta_weight(a) for a in module.active_adapters)
            state[f"{name}.weight"] = state.pop(base) + delta
            if f"{name}.base_layer.bias" in state:
                state[f"{name}.bias"] = state.pop(f"{name}.base_layer.bias")
    return state
