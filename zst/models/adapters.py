"""Houlsby bottleneck adapters and their insertion into frozen transformer layers.

Houlsby et al. (2019), "Parameter-Efficient Transfer Learning for NLP": an adapter is
``h + W_up(act(W_down(LN?(h))))`` placed on a sub-layer's output before the residual sum; two per
layer (after self-attention, after the feed-forward block). ZeroST (§2.2) inserts them into the
frozen speech encoder for the KD step and stacks *new* ones after those for the NLL step.

Insertion uses forward hooks on the sub-layer modules, so the base model's parameter names and
code are untouched (no vendored copies of HF layer code).
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn


class HoulsbyAdapter(nn.Module):
    """Bottleneck adapter with a skip connection: ``x + up(gelu(down(x)))``.

    ``up`` starts at zero, so a freshly inserted adapter is the identity and the frozen model's
    behaviour is unchanged at step 0.

    Shapes: input and output ``(..., dim)``.
    """

    def __init__(self, dim: int, bottleneck: int = 64):
        super().__init__()
        self.down = nn.Linear(dim, bottleneck)
        self.up = nn.Linear(bottleneck, dim)
        nn.init.normal_(self.down.weight, std=1e-2)
        nn.init.zeros_(self.down.bias)
        nn.init.zeros_(self.up.weight)
        nn.init.zeros_(self.up.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.up(nn.functional.gelu(self.down(x)))


class AdapterStage(nn.Module):
    """One set of adapters: for each of ``num_layers`` layers, one after self-attention and one
    after the feed-forward block."""

    def __init__(self, num_layers: int, dim: int, bottleneck: int):
        super().__init__()
        self.attn = nn.ModuleList(HoulsbyAdapter(dim, bottleneck) for _ in range(num_layers))
        self.ffn = nn.ModuleList(HoulsbyAdapter(dim, bottleneck) for _ in range(num_layers))


class AdapterHost(nn.Module):
    """Owns stacked :class:`AdapterStage` s and applies them through hooks on ``layers``.

    Args:
        layers: the transformer layers (e.g. ``whisper.encoder.layers``).
        attn_name: attribute of a layer whose output is the self-attention result (a tensor or a
            tuple whose first item is the tensor), e.g. ``"self_attn"``.
        ffn_name: attribute of a layer whose output is the feed-forward result, e.g. ``"fc2"``.
        dim: hidden width of the layers.

    Stages apply in order (stage 0 first), so ``add_stage()`` in the NLL step puts the new
    adapters "in sequence with the adapters used in the KD step" (ZeroST §2.2).
    """

    def __init__(self, layers: Sequence[nn.Module], attn_name: str, ffn_name: str, dim: int):
        super().__init__()
        self.dim = dim
        self.num_layers = len(layers)
        self.stages = nn.ModuleList()
        self._handles = []
        self._ref = [layers[0]]  # plain list: not a registered submodule; gives the device for new stages
        for i, layer in enumerate(layers):
            self._handles.append(getattr(layer, attn_name).register_forward_hook(self._hook(i, "attn")))
            self._handles.append(getattr(layer, ffn_name).register_forward_hook(self._hook(i, "ffn")))

    def add_stage(self, bottleneck: int) -> AdapterStage:
        """Append a new stage of identity-initialised adapters (float32, on the layers' device) and
        return it. Adapters stay float32 under autocast; a base model loaded in bf16 needs
        mixed precision (the training loop's ``auto`` gives it on GPUs)."""
        stage = AdapterStage(self.num_layers, self.dim, bottleneck)
        stage.to(next(self._ref[0].parameters()).device)
        self.stages.append(stage)
        return stage

    def _hook(self, index: int, where: str):
        def hook(module, args, output):
            if not len(self.stages):
                return None
            is_tuple = isinstance(output, tuple)
            h = output[0] if is_tuple else output
            for stage in self.stages:
                h = getattr(stage, where)[index](h)
            return (h, *output[1:]) if is_tuple else h

        return hook

    def remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
