"""Encoder-decoder speech translation model with a SAMU-XLS-R (or plain) encoder.

Khurana et al., "Improved Cross-Lingual Transfer Learning for Automatic Speech Translation"
(ICASSP 2023): the encoder of a sequence-to-sequence ST model is initialised from SAMU-XLS-R
(:mod:`zst.models.samu`) — or from the plain self-supervised encoder, the baseline — and the
decoder comes from a pretrained multilingual text model (mBART in the paper; here the NLLB /
M2M100 family zst already drives), fine-tuned with adapters on X→Y translation pairs.

Parts (``speech encoder → length adapter → decoder``):

* speech encoder: :class:`SpeechEncoder` with one Houlsby adapter stage (``encoder_training=
  "adapters"``) or fine-tuned but for its convolutional front end (``"full"``); initialised from a
  SAMU checkpoint by :meth:`STModel.init_from_samu`, which copies the distilled adapters (and
  fine-tuned encoder weights);
* length adapter: ``n`` × [Conv1d(kernel 3, stride 2) → GLU], 50 Hz frames → ``50 / 2**n`` Hz,
  projecting to the decoder width ``d`` (as fairseq's wav2vec2 + mBART ST models);
* decoder: the frozen NLLB decoder (its encoder layers dropped) with a stage of Houlsby adapters
  after each self-attention and feed-forward block, and — ``train_cross_attention`` — trainable
  cross-attention, which never saw speech; the target language token is forced first.

Checkpoint: ``config.json`` (format ``zst.st``) + ``model.safetensors`` holding only the trained
weights (adapters, length adapter, cross-attention, fine-tuned encoder weights); base models are
re-loaded by id.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

from zst.config import STConfig
from zst.errors import ConfigError, ZstError
from zst.losses import nll_loss
from zst.models.adapters import AdapterHost
from zst.models.samu import (CHECKPOINT_FORMAT as SAMU_FORMAT, check_encoder_training, load_checkpoint, own_state,
                             set_encoder_trainable, write_checkpoint)
from zst.models.speech_encoder import SpeechEncoder, load_pretrained
from zst.models.zerost import (FrozenBasesTrainMode, decoder_targets, forced_language_ids, generate_translations, load_tokenizer,
                               resolve_checkpoint)

CHECKPOINT_FORMAT = "zst.st"
CHECKPOINT_VERSION = 1


class LengthAdapter(nn.Module):
    """``layers`` × [Conv1d(kernel 3, stride 2, padding 1) → GLU] from width ``in_dim`` to ``out_dim``
    (a single ``Linear`` when ``layers == 0``); padded frames are zeroed before every convolution.

    Shapes: ``states (B, T, in_dim)``, ``mask (B, T)`` bool → ``(B, T', out_dim)``, ``(B, T')`` with
    ``T' = ⌈T / 2**layers⌉`` and each length ``L ← ⌊(L − 1) / 2⌋ + 1`` per layer.
    """

    def __init__(self, in_dim: int, out_dim: int, layers: int = 2):
        super().__init__()
        if layers < 0:
            raise ConfigError(f"model.length_adapter_layers must be >= 0, got {layers}")
        self.convs = nn.ModuleList(nn.Conv1d(in_dim if i == 0 else out_dim, 2 * out_dim, 3, stride=2, padding=1)
                                   for i in range(layers))
        self.proj = nn.Linear(in_dim, out_dim) if layers == 0 else None

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.proj is not None:
            return self.proj(states), mask
        lengths = mask.sum(dim=1)
        x = states.transpose(1, 2)  # (B, D, T)
        for conv in self.convs:
            x = x.masked_fill(~mask[:, None, :], 0.0)
            x = nn.functional.glu(conv(x), dim=1)
            lengths = torch.div(lengths - 1, 2, rounding_mode="floor") + 1
            mask = torch.arange(x.shape[-1], device=x.device)[None, :] < lengths[:, None]
        return x.transpose(1, 2).masked_fill(~mask[..., None], 0.0), mask


class STModel(FrozenBasesTrainMode):
    """The encoder-decoder ST model. Build with :meth:`create` or :meth:`load`.

    Attributes:
        speech: :class:`SpeechEncoder` (with an adapter stage unless ``encoder_training="full"``).
        length_adapter: :class:`LengthAdapter` to the decoder width.
        nllb: the frozen seq2seq text model (encoder layers dropped) or ``None`` before attaching.
        decoder_adapters: :class:`AdapterHost` on the decoder layers.
        tokenizer: its tokenizer.
    """

    def __init__(self, cfg: STConfig, speech: SpeechEncoder, text_config):
        super().__init__()
        check_encoder_training(cfg.encoder_training)
        self.cfg = cfg
        self.init_from: str | None = None
        self.speech = speech
        self.text_dim = int(text_config.d_model)
        self.length_adapter = LengthAdapter(speech.hidden_size, self.text_dim, cfg.length_adapter_layers)
        if cfg.encoder_training == "adapters":
            speech.adapters.add_stage(cfg.adapter_dim)
        self.nllb = None
        self.decoder_adapters = None
        self.tokenizer = None

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def create(cls, cfg: STConfig, *, device: str | torch.device = "cpu") -> "STModel":
        """A fresh model: base models loaded, adapters and length adapter new.

        Raises:
            ZstError: a bad setting, or a base model that cannot be loaded.
        """
        from transformers import AutoConfig, AutoModelForSeq2SeqLM

        check_encoder_training(cfg.encoder_training)  # before loading anything
        speech = SpeechEncoder.from_pretrained(cfg.speech_encoder)
        text_config = load_pretrained(AutoConfig, cfg.text_model, "text model config")
        model = cls(cfg, speech, text_config)
        nllb = load_pretrained(AutoModelForSeq2SeqLM, cfg.text_model, "text model", dtype=torch.float32)
        model.attach_decoder(nllb, load_tokenizer(cfg.text_model))
        return model.to(device)

    @classmethod
    def load(cls, path: str | Path, *, device: str | torch.device = "cpu") -> "STModel":
        """Load a checkpoint written by :meth:`save` (or a run dir holding ``model/``), in eval mode.

        Raises:
            ZstError: no ST checkpoint there, or weights that do not fit.
        """
        model, meta = load_checkpoint(cls, STConfig, path, CHECKPOINT_FORMAT, "ST", device)
        model.init_from = meta.get("init")
        return model

    def attach_decoder(self, nllb, tokenizer) -> None:
        """Attach the frozen text model: its encoder layers are dropped (the length adapter's output
        replaces the encoder output) and a stage of decoder adapters is inserted."""
        nllb.requires_grad_(False)
        nllb.eval()
        nllb.model.encoder.layers = nn.ModuleList()
        self.nllb = nllb
        self.tokenizer = tokenizer
        self.decoder_adapters = AdapterHost(nllb.model.decoder.layers, "self_attn", "fc2", self.text_dim)
        self.decoder_adapters.add_stage(self.cfg.decoder_adapter_dim)

    def init_from_samu(self, path: str | Path) -> Path:
        """Copy a SAMU checkpoint's speech-encoder weights (adapters, and the fine-tuned encoder with
        ``encoder_training="full"``) into this model's encoder. Pooling and projection are not used.

        Returns:
            The resolved checkpoint folder.

        Raises:
            ZstError: not a SAMU checkpoint, or one whose encoder does not match this model's.
        """
        folder = resolve_checkpoint(path, SAMU_FORMAT, "SAMU")
        meta = json.loads((folder / "config.json").read_text())
        samu = meta["model"]
        for key in ("speech_encoder", "encoder_training", "adapter_dim"):
            if samu.get(key) != getattr(self.cfg, key):
                raise ZstError(f"{folder}: the SAMU encoder has {key} {samu.get(key)!r}, this ST model "
                               f"{getattr(self.cfg, key)!r}")
        encoder = {k: v for k, v in load_file(str(folder / "model.safetensors")).items() if k.startswith("speech.")}
        _, unexpected = self.load_state_dict(encoder, strict=False)
        if unexpected:
            raise ZstError(f"{folder}: SAMU encoder weights do not fit this ST model ({unexpected[:3]})")
        self.init_from = str(folder)
        return folder

    def prepare_training(self) -> None:
        """Set ``requires_grad``: the encoder part of ``encoder_training``, the length adapter, the
        decoder adapters and (``train_cross_attention``) the decoder's cross-attention blocks."""
        self._require_decoder()
        self.requires_grad_(False)
        set_encoder_trainable(self.speech, self.cfg.encoder_training)
        self.length_adapter.requires_grad_(True)
        self.decoder_adapters.requires_grad_(True)
        if self.cfg.train_cross_attention:
            for layer in self.nllb.model.decoder.layers:
                layer.encoder_attn.requires_grad_(True)
                layer.encoder_attn_layer_norm.requires_grad_(True)

    def _require_decoder(self) -> None:
        if self.nllb is None or self.tokenizer is None:
            raise RuntimeError("this ST model has no decoder attached")

    # -- forward -------------------------------------------------------------------------------
    def encode(self, audio: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Audio → speech states → length adapter: ``(B, T', d)`` and mask ``(B, T')`` (True = real)."""
        states, mask = self.speech(self.speech.features(audio))
        return self.length_adapter(states, mask)

    def nll_loss(self, audio: Sequence[np.ndarray], tgt_texts: Sequence[str], tgt_langs: Sequence[str]) -> torch.Tensor:
        """Mean token NLL of each translation ``tgt_texts[b]`` (language ``tgt_langs[b]``) given its audio."""
        self._require_decoder()
        x, mask = self.encode(audio)
        dec, labels = decoder_targets(self.tokenizer, self.nllb.config, tgt_texts, tgt_langs)
        out = self.nllb(encoder_outputs=(x,), attention_mask=mask.long(), decoder_input_ids=dec.to(x.device))
        return nll_loss(out.logits, labels.to(x.device))

    def forward(self, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        """Training forward for the loop: NLL of ``batch["tgt_text"]`` in ``batch["tgt_lang"]``."""
        return self.nll_loss(batch["audio"], batch["tgt_text"], batch["tgt_lang"]), {}

    @torch.no_grad()
    def translate_many(self, audio: Sequence[np.ndarray], tgts: Sequence[str], *, beam_size: int = 4,
                       max_new_tokens: int = 200, length_penalty: float | None = None) -> dict[str, list[str]]:
        """Translate B utterances into each of ``tgts``, encoding the audio once: ``{tgt: [B texts]}``.

        Raises:
            UnknownLanguageError / ZstError: a target without a token in the decoder's vocabulary.
        """
        self._require_decoder()
        forced = forced_language_ids(self.tokenizer, tgts)
        x, mask = self.encode(audio)
        return generate_translations(self.nllb, self.tokenizer, x, mask, forced, beam_size=beam_size,
                                     max_new_tokens=max_new_tokens, length_penalty=length_penalty)

    def translate(self, audio: Sequence[np.ndarray], tgt: str, **kw) -> list[str]:
        """Translate B utterances into ``tgt`` (see :meth:`translate_many`)."""
        return self.translate_many(audio, [tgt], **kw)[tgt]

    # -- persistence ---------------------------------------------------------------------------
    def own_state_dict(self) -> dict[str, torch.Tensor]:
        """Trained weights: adapters, length adapter, cross-attention (when trained) and, with
        ``encoder_training="full"``, the encoder."""
        state = own_state(self, self.cfg.encoder_training)
        if self.cfg.train_cross_attention and self.nllb is not None:
            full = self.state_dict()
            state.update({k: full[k].detach().contiguous() for k in full
                          if k.startswith("nllb.model.decoder.layers.") and ".encoder_attn" in k})
        return state

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` into ``path`` (callers make it atomic)."""
        return write_checkpoint(path, {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                                       "model": asdict(self.cfg), "init": self.init_from,
                                       "text_dim": self.text_dim}, self.own_state_dict())
