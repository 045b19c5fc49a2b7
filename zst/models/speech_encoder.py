"""Frozen speech foundation encoders (Whisper, wav2vec2/MMS/XLS-R) with Houlsby adapters.

Loaded with ``from_pretrained`` from an HF id or a local folder (safetensors; never
``trust_remote_code``). The encoder's own feature extractor makes its input: log-mel (80 or 128
bins, as the checkpoint says) for Whisper, the zero-mean unit-variance waveform for wav2vec2.
Output frames come with a boolean mask (``True`` = real frame) that drops Whisper's padding, so
pooling, retrieval and Q-Former attention never see padded frames.

Supported families are listed in :data:`ENCODER_FAMILIES` (a small registry, not name checks).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from zst.errors import ZstError
from zst.models.adapters import AdapterHost


@dataclass(frozen=True)
class EncoderFamily:
    """How to drive one HF speech-encoder family."""

    model_types: tuple[str, ...]  # config.model_type values
    attn_name: str  # sub-module of a layer whose output is self-attention's
    ffn_name: str  # sub-module of a layer whose output is the feed-forward block's
    padded_window: bool  # True: input is padded to a fixed window (Whisper)


ENCODER_FAMILIES: dict[str, EncoderFamily] = {
    "whisper": EncoderFamily(("whisper",), "self_attn", "fc2", padded_window=True),
    "wav2vec2": EncoderFamily(("wav2vec2", "hubert", "data2vec-audio"), "attention", "feed_forward", False),
}


def _family_of(model_type: str) -> str:
    for name, fam in ENCODER_FAMILIES.items():
        if model_type in fam.model_types:
            return name
    known = sorted(t for f in ENCODER_FAMILIES.values() for t in f.model_types)
    raise ZstError(f"speech encoder of type '{model_type}' is not supported (supported: {', '.join(known)})")


def load_pretrained(loader, name_or_path: str, what: str, **kwargs):
    """Call ``loader.from_pretrained(name_or_path)`` turning load failures into one-line ZstErrors."""
    try:
        return loader.from_pretrained(str(name_or_path), trust_remote_code=False, **kwargs)
    except (OSError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ZstError(f"cannot load {what} '{name_or_path}': {first}") from None


class SpeechEncoder(nn.Module):
    """A frozen speech encoder plus trainable adapter stages.

    Attributes:
        family: key of :data:`ENCODER_FAMILIES`.
        hidden_size: width ``D`` of the output states.
        frame_rate: output frames per second (50 for Whisper and wav2vec2).
        window_seconds: longest input one forward pass takes (Whisper: ``2 *
            max_source_positions / 100`` s, read from the config; wav2vec2: 30 s by default).
        adapters: :class:`AdapterHost` holding the adapter stages.
    """

    def __init__(self, model: nn.Module, feature_extractor, family: str, *, max_seconds: float = 30.0):
        super().__init__()
        self.family = family
        self.fam = ENCODER_FAMILIES[family]
        self.model = model
        self.feature_extractor = feature_extractor
        cfg = model.config
        self.hidden_size = int(cfg.d_model if family == "whisper" else cfg.hidden_size)
        if family == "whisper":
            self.frame_rate = 50.0
            self.window_seconds = 2 * cfg.max_source_positions / 100.0
            fe_frames = getattr(feature_extractor, "nb_max_frames", None)
            if fe_frames is not None and fe_frames != 2 * cfg.max_source_positions:
                raise ZstError(
                    f"feature extractor pads to {fe_frames} mel frames but the Whisper encoder takes "
                    f"{2 * cfg.max_source_positions}; fix preprocessor_config.json"
                )
        else:
            self.frame_rate = 16000 / math.prod(cfg.conv_stride)
            self.window_seconds = float(max_seconds)
        self.model.requires_grad_(False)
        self.model.eval()
        self.adapters = AdapterHost(self.model.layers if family == "whisper" else self.model.encoder.layers,
                                    self.fam.attn_name, self.fam.ffn_name, self.hidden_size)

    @classmethod
    def from_pretrained(cls, name_or_path: str, *, max_seconds: float = 30.0, dtype=None) -> "SpeechEncoder":
        """Load a Whisper (encoder only) or wav2vec2-family encoder from an HF id or folder.

        Raises:
            ZstError: unknown model type, or the model/feature extractor cannot be loaded.
        """
        from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, WhisperModel

        config = load_pretrained(AutoConfig, name_or_path, "speech encoder config")
        family = _family_of(config.model_type)
        fe = load_pretrained(AutoFeatureExtractor, name_or_path, "feature extractor")
        # float32 unless asked: transformers 5 would keep a checkpoint's stored dtype (fp16 bundles)
        kw = {"dtype": dtype if dtype is not None else torch.float32}
        if family == "whisper":
            full = load_pretrained(WhisperModel, name_or_path, "Whisper model", **kw)
            model = full.get_encoder()
            del full
        else:
            model = load_pretrained(AutoModel, name_or_path, "speech encoder", **kw)
        return cls(model, fe, family, max_seconds=max_seconds)

    # ------------------------------------------------------------------------------------------
    def train(self, mode: bool = True):
        super().train(mode)
        self.model.eval()  # the frozen base keeps dropout/masking off; adapters follow `mode`
        return self

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def features(self, audio: Sequence[np.ndarray]) -> dict[str, torch.Tensor]:
        """Feature-extract a batch of 16 kHz float32 waveforms.

        Returns ``{"inputs": (B, n_mels, frames) log-mel or (B, S) waveform, "lengths": (B,)
        output-frame counts}``.

        Raises:
            ZstError: an input is longer than :attr:`window_seconds` (callers segment first).
        """
        for a in audio:
            if len(a) / 16000 > self.window_seconds + 1e-6:
                raise ZstError(
                    f"audio of {len(a) / 16000:.1f} s exceeds the encoder window of {self.window_seconds:.1f} s"
                )
        if self.family == "whisper":
            out = self.feature_extractor(
                list(audio), sampling_rate=16000, return_tensors="pt", return_attention_mask=True
            )
            mel_len = out["attention_mask"].sum(-1)
            lengths = (mel_len - 1) // 2 + 1  # conv2: kernel 3, stride 2, padding 1
            return {"inputs": out["input_features"], "lengths": lengths.clamp(min=1)}
        out = self.feature_extractor(
            list(audio), sampling_rate=16000, return_tensors="pt", padding=True, return_attention_mask=True
        )
        samples = out["attention_mask"].sum(-1)
        lengths = self.model._get_feat_extract_output_lengths(samples).long()
        return {"inputs": out["input_values"], "attention_mask": out["attention_mask"], "lengths": lengths}

    def forward(self, features: dict[str, torch.Tensor], *, layer: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode features from :meth:`features`.

        Args:
            layer: output of this layer (0 = embeddings, ``num_layers`` = last; negative counts from
                the end, -1 = last); ``None`` = last.

        Returns:
            ``states (B, T, D)`` float and ``mask (B, T)`` bool (``True`` = real frame).

        Raises:
            ZstError: ``layer`` outside ``[-(num_layers + 1), num_layers]``.
        """
        self.check_layer(layer)
        out, mask = self._run(features, output_hidden_states=layer is not None)
        return (out.hidden_states[layer] if layer is not None else out.last_hidden_state), mask

    def layer_states(self, features: dict[str, torch.Tensor]) -> tuple[tuple[torch.Tensor, ...], torch.Tensor]:
        """Every layer's output ``h^1 .. h^L`` (the embeddings ``h^0`` left out), for a learned
        layer average (zero-resource speech LLM, Eq. 1).

        Returns:
            ``L`` tensors ``(B, T, D)`` and the frame mask ``(B, T)`` bool (``True`` = real frame).
        """
        out, mask = self._run(features, output_hidden_states=True)
        return tuple(out.hidden_states[1:]), mask

    def _run(self, features: dict[str, torch.Tensor], *, output_hidden_states: bool):
        dev = self.device
        dtype = next(self.model.parameters()).dtype
        if self.family == "whisper":
            out = self.model(features["inputs"].to(dev, dtype), output_hidden_states=output_hidden_states)
        else:
            out = self.model(
                features["inputs"].to(dev, dtype),
                attention_mask=features["attention_mask"].to(dev),
                output_hidden_states=output_hidden_states,
            )
        T = out.last_hidden_state.shape[1]
        lengths = features["lengths"].to(dev).clamp(max=T)
        mask = torch.arange(T, device=dev)[None, :] < lengths[:, None]
        return out, mask

    @property
    def num_layers(self) -> int:
        return self.adapters.num_layers

    def check_layer(self, layer: int | None) -> None:
        """Raise :class:`ZstError` unless ``layer`` is ``None`` or in ``[-(num_layers + 1), num_layers]``."""
        if layer is not None and not -(self.num_layers + 1) <= layer <= self.num_layers:
            raise ZstError(f"--layer {layer}: out of range for this {self.family} encoder with {self.num_layers} "
                           f"layers (0 = embeddings .. {self.num_layers} = last, or -1 = last)")
