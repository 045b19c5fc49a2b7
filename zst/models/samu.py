"""SAMU-XLS-R: a speech encoder distilled into a sentence-embedding space.

Khurana, Laurent, Glass, "SAMU-XLSR: Semantically-Aligned Multimodal Utterance-level Cross-Lingual
Speech Representation" (arXiv 2205.08180, §II), used as the encoder initialisation of Khurana et
al., "Improved Cross-Lingual Transfer Learning for Automatic Speech Translation" (ICASSP 2023):

* frame states ``C (B, T, D)`` of a wav2vec2 / XLS-R encoder (any :class:`SpeechEncoder` family);
* self-attention pooling ``v = Σ_t α_t c_t`` with ``α = softmax_t(w·c_t + b)`` over real frames;
* ``e = tanh(W v + b)`` (``E`` wide, the teacher's width; the tanh matches LaBSE's pooler);
* loss ``1 − cos(e, y)`` against the frozen LaBSE embedding ``y`` of the transcript
  (:func:`zst.losses.semantic_cosine_loss`), on multilingual transcribed speech mixed with the
  per-language temperature sampling of Eq. 3 (``zst prepare mix``).

Encoder training (``SAMUConfig.encoder_training``): ``"adapters"`` (zst's default: the base stays
frozen, one stage of Houlsby adapters trains, as everywhere in zst) or ``"full"`` (the paper:
every encoder weight but the convolutional front end trains).

Checkpoint (``config.json`` format ``zst.samu`` + ``model.safetensors``): pooling, projection,
adapters and, with ``"full"``, the fine-tuned encoder weights; the frozen base is re-loaded from
its id.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from zst.config import SAMUConfig
from zst.errors import ConfigError, ZstError
from zst.losses import semantic_cosine_loss
from zst.models.speech_encoder import SpeechEncoder
from zst.models.zerost import resolve_checkpoint

CHECKPOINT_FORMAT = "zst.samu"
CHECKPOINT_VERSION = 1
ENCODER_TRAINING = ("adapters", "full")
#: encoder sub-modules kept frozen by ``encoder_training="full"`` (the convolutional front end)
FROZEN_FRONT_END = {"wav2vec2": ("feature_extractor.",), "whisper": ("conv1.", "conv2.", "embed_positions.")}


class AttentionPooling(nn.Module):
    """Self-attention pooling over real frames (SAMU-XLS-R §II).

    ``α = softmax_t(w·c_t + b)`` with padded frames excluded, ``v = Σ_t α_t c_t``.

    Shapes: ``states (B, T, D)``, ``mask (B, T)`` bool (``True`` = real frame) → ``(B, D)``.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Pool ``states`` over time. Raises ValueError when a row has no real frame."""
        if not mask.any(dim=1).all():
            raise ValueError("attention pooling: an utterance has no real frame")
        logits = self.score(states).squeeze(-1).float().masked_fill(~mask, float("-inf"))
        alpha = torch.softmax(logits, dim=-1).to(states.dtype)  # (B, T), 0 on padding
        return torch.einsum("bt,btd->bd", alpha, states)


def encoder_state_keys(speech: SpeechEncoder, prefix: str = "speech.") -> list[str]:
    """Names (under ``prefix``) of the encoder weights trained by ``encoder_training="full"``:
    every base-model tensor but the convolutional front end's."""
    frozen = FROZEN_FRONT_END[speech.family]
    return [f"{prefix}model.{k}" for k in speech.model.state_dict() if not k.startswith(frozen)]


def check_encoder_training(value: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` is one of :data:`ENCODER_TRAINING`."""
    if value not in ENCODER_TRAINING:
        raise ConfigError(f"--encoder-training must be one of {', '.join(ENCODER_TRAINING)}, got {value!r}")


def set_encoder_trainable(speech: SpeechEncoder, encoder_training: str) -> None:
    """``requires_grad`` on the speech encoder's part that trains: its adapter stages
    (``"adapters"``) or everything but the front end (``"full"``).

    Raises:
        ConfigError: unknown ``encoder_training``.
    """
    check_encoder_training(encoder_training)
    if encoder_training == "adapters":
        speech.adapters.requires_grad_(True)
        return
    frozen = FROZEN_FRONT_END[speech.family]
    for name, p in speech.model.named_parameters():
        p.requires_grad_(not name.startswith(frozen))


class SAMU(nn.Module):
    """The SAMU-XLS-R utterance encoder. Build with :meth:`create` or :meth:`load`.

    Attributes:
        speech: :class:`SpeechEncoder` (base + adapter stages).
        pool: :class:`AttentionPooling` over the encoder's last layer.
        proj: ``Linear(D, E)``.
    """

    def __init__(self, cfg: SAMUConfig, speech: SpeechEncoder):
        super().__init__()
        check_encoder_training(cfg.encoder_training)
        if cfg.embedding_dim < 1:
            raise ConfigError(f"--embedding-dim must be >= 1, got {cfg.embedding_dim}")
        self.cfg = cfg
        self.speech = speech
        self.pool = AttentionPooling(speech.hidden_size)
        self.proj = nn.Linear(speech.hidden_size, cfg.embedding_dim)
        if cfg.encoder_training == "adapters":
            speech.adapters.add_stage(cfg.adapter_dim)

    @property
    def embedding_dim(self) -> int:
        return self.cfg.embedding_dim

    @classmethod
    def create(cls, cfg: SAMUConfig, *, device: str | torch.device = "cpu") -> "SAMU":
        """A fresh model: the speech encoder loaded from ``cfg.speech_encoder``, pooling, projection
        and adapters new. Raises ZstError on a bad setting or when the encoder cannot be loaded."""
        check_encoder_training(cfg.encoder_training)  # before loading anything
        return cls(cfg, SpeechEncoder.from_pretrained(cfg.speech_encoder)).to(device)

    @classmethod
    def load(cls, path: str | Path, *, device: str | torch.device = "cpu") -> "SAMU":
        """Load a checkpoint written by :meth:`save` (or a run dir holding ``model/``), in eval mode.

        Raises:
            ZstError: no SAMU checkpoint there, or weights that do not fit.
        """
        return load_checkpoint(cls, SAMUConfig, path, CHECKPOINT_FORMAT, "SAMU", device)[0]

    def train(self, mode: bool = True):
        super().train(mode)
        self.speech.train(mode)
        return self

    def prepare_training(self) -> None:
        """Set ``requires_grad``: pooling, projection and the encoder part of ``encoder_training``."""
        self.requires_grad_(False)
        set_encoder_trainable(self.speech, self.cfg.encoder_training)
        self.pool.requires_grad_(True)
        self.proj.requires_grad_(True)

    # -- forward -------------------------------------------------------------------------------
    def embed_states(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Frame states ``(B, T, D)`` + mask ``(B, T)`` → utterance embeddings ``e (B, E)``."""
        e = self.proj(self.pool(states, mask))
        return torch.tanh(e) if self.cfg.tanh else e

    def embed(self, audio: Sequence[np.ndarray]) -> torch.Tensor:
        """B float32 16 kHz waveforms (each at most ``speech.window_seconds``) → ``e (B, E)``
        (not normalised; compare with cosine)."""
        states, mask = self.speech(self.speech.features(audio))
        return self.embed_states(states, mask)

    def forward(self, batch: dict) -> tuple[torch.Tensor, dict[str, float]]:
        """Training forward for the loop: ``1 − cos(e, y)`` against ``batch["sentence_embedding"] (B, E)``."""
        e = self.embed(batch["audio"])
        return semantic_cosine_loss(e, batch["sentence_embedding"].to(e.device)), {}

    # -- persistence ---------------------------------------------------------------------------
    def own_state_dict(self) -> dict[str, torch.Tensor]:
        """The weights a checkpoint holds: pooling, projection, adapters and, with
        ``encoder_training="full"``, the fine-tuned encoder weights."""
        return own_state(self, self.cfg.encoder_training)

    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` into ``path`` (callers make it atomic)."""
        return write_checkpoint(path, {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
                                       "model": asdict(self.cfg), "embedding_dim": self.embedding_dim},
                                self.own_state_dict())


def own_state(model: nn.Module, encoder_training: str, speech_prefix: str = "speech.") -> dict[str, torch.Tensor]:
    """``model``'s weights minus the frozen base: everything outside ``{speech_prefix}model.``
    (and outside a frozen decoder ``nllb.``), plus the encoder weights that train with ``"full"``."""
    state = model.state_dict()
    keep = {k for k in state if not k.startswith((f"{speech_prefix}model.", "nllb."))}
    if encoder_training == "full":
        keep |= set(encoder_state_keys(getattr(model, speech_prefix.rstrip(".")), speech_prefix))
    return {k: state[k].detach().contiguous() for k in sorted(keep)}


def load_checkpoint(cls, config_cls, path: str | Path, fmt: str, what: str, device: str | torch.device = "cpu"):
    """Load a ``fmt`` checkpoint folder (or a run dir holding one) into ``cls.create(config)``, in eval mode.

    Returns:
        ``(model, meta)``: the model and its ``config.json``.

    Raises:
        ZstError: no such checkpoint, a model that cannot be built, or weights that do not fit.
    """
    from zst.config import build

    folder = resolve_checkpoint(path, fmt, what)
    meta = json.loads((folder / "config.json").read_text())
    model = cls.create(build(config_cls, meta["model"]))
    load_own_state(model, load_file(str(folder / "model.safetensors")), folder)
    return model.to(device).eval(), meta


def load_own_state(model: nn.Module, state: dict[str, torch.Tensor], path: Path) -> None:
    """Load checkpoint weights written from ``own_state_dict``; frozen base weights are not in it.

    Raises:
        ZstError: weights missing from the checkpoint or unknown to the model.
    """
    missing, unexpected = model.load_state_dict(state, strict=False)
    expected = set(model.own_state_dict())
    missing = [k for k in missing if k in expected]
    if missing or unexpected:
        raise ZstError(f"{path}: checkpoint weights do not fit the model "
                       f"(missing {missing[:3]}, unexpected {unexpected[:3]})")


def write_checkpoint(path: str | Path, meta: dict, state: dict[str, torch.Tensor]) -> Path:
    """``config.json`` (``meta``) + ``model.safetensors`` (``state``, on the CPU) in ``path``."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps(meta, indent=2))
    save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(path / "model.safetensors"))
    return path
