"""Speech-encoder frame states of manifest cuts, computed once and cached in the run directory.

:func:`encode_cuts` runs a :class:`zst.models.speech_encoder.SpeechEncoder` over cuts and returns
each cut's states at one layer with the padded frames dropped: ``(T, D)`` with ``T`` real frames
(50 per second for Whisper and wav2vec2). Cuts longer than the encoder window are split like
``zst translate`` splits long audio (at the quietest 20 ms near the window's end) and the pieces'
frames concatenated.

Cache: one safetensors file per (model, layer) in ``cache_dir`` (``<hash>.safetensors``, tensors
named by cut id, stored as float16; the metadata names the model and layer). A later call with the
same model and layer encodes only the cuts missing from it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from zst.data.manifests import load_cut_audio
from zst.errors import AudioError, ZstError

__all__ = ["encode_cuts", "cache_path", "cut_frames"]


def cache_path(cache_dir: str | Path, model: str, layer: int | None) -> Path:
    """The cache file for ``model`` (as given: id or path) at ``layer`` (``None`` = last)."""
    key = hashlib.sha1(f"{model}|{'last' if layer is None else layer}".encode()).hexdigest()[:12]
    return Path(cache_dir) / f"states-{key}.safetensors"


def _load_cache(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        return {}
    from safetensors.torch import load_file

    try:
        return dict(load_file(str(path)))
    except Exception:  # a corrupt cache is recomputed, never fatal
        return {}


def _save_cache(path: Path, states: dict[str, torch.Tensor], model: str, layer: int | None) -> None:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("." + path.name + ".tmp")
    save_file({k: v.contiguous() for k, v in states.items()}, str(tmp),
              metadata={"model": str(model), "layer": "last" if layer is None else str(layer)})
    tmp.replace(path)


@torch.no_grad()
def encode_cuts(encoder, cuts: Sequence, *, layer: int | None = None, model_name: str = "",
                cache_dir: str | Path | None = None, batch_size: int = 8, quiet: bool = True) -> dict[str, np.ndarray]:
    """Frame states of each cut at ``layer``, padded frames dropped.

    Args:
        encoder: a loaded :class:`~zst.models.speech_encoder.SpeechEncoder` (its device is used).
        cuts: Lhotse cuts (from :func:`zst.data.manifests.load_manifest`); ids must be unique.
        layer: encoder layer (0 = embeddings, ``num_layers`` = last, negative from the end;
            ``None`` = last).
        model_name: names the encoder in the cache key (its HF id or path).
        cache_dir: folder of the safetensors cache; ``None`` = no cache.
        batch_size: pieces (of at most the encoder window) per forward pass.
        quiet: no progress bar.

    Returns:
        ``{cut id: float32 (T, D)}`` (``T`` real frames at ``encoder.frame_rate`` per second).

    Raises:
        ZstError: ``layer`` out of range, or a cut's audio cannot be read.
    """
    from zst.progress import add_task, progress

    encoder.check_layer(layer)
    path = cache_path(cache_dir, model_name, layer) if cache_dir is not None else None
    cached = _load_cache(path) if path is not None else {}
    todo = [c for c in cuts if c.id not in cached]
    if todo:
        todo.sort(key=lambda c: c.duration)
        with progress(quiet) as bar:
            task = add_task(bar, "encode", len(todo))
            for s in range(0, len(todo), batch_size):
                group = todo[s : s + batch_size]
                for cid, frames in cut_frames(encoder, group, layer=layer, batch_size=batch_size).items():
                    cached[cid] = frames.to(torch.float16).cpu()
                bar.advance(task, len(group))
        if path is not None:
            _save_cache(path, cached, model_name, layer)
    return {c.id: cached[c.id].float().numpy() for c in cuts}


def cut_frames(encoder, cuts: Sequence, *, layer: int | None = None, batch_size: int = 8) -> dict[str, torch.Tensor]:
    """The real frames of each cut at ``layer`` (on the encoder's device, its dtype): ``{cut id: (T, D)}``.

    A cut longer than ``encoder.window_seconds`` is split like ``zst translate`` splits long audio
    (at the quietest 20 ms near the window's end); its pieces' frames are concatenated in order.

    Raises:
        ZstError: a cut's audio cannot be read or is shorter than one encoder frame.
    """
    from zst.inference import split_long

    pieces, owners = [], []
    for c in cuts:
        try:
            audio = load_cut_audio(c)
        except AudioError as e:
            raise ZstError(f"cut {c.id}: {e}") from None
        for p in split_long(audio, encoder.window_seconds):
            pieces.append(p)
            owners.append(c.id)
    frames: dict[str, list[torch.Tensor]] = {c.id: [] for c in cuts}
    for b in range(0, len(pieces), batch_size):
        states, mask = encoder(encoder.features(pieces[b : b + batch_size]), layer=layer)
        for k, cid in enumerate(owners[b : b + batch_size]):
            frames[cid].append(states[k][mask[k]])
    short = [cid for cid, parts in frames.items() if not parts]
    if short:
        raise ZstError(f"cut {short[0]}: audio shorter than 20 ms, nothing to encode")
    return {cid: torch.cat(parts, 0) for cid, parts in frames.items()}
