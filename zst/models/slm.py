"""The zero-resource speech LLM: speech encoder → layer average → CNN adapter → mT0 (+ LoRA).

Mundnich et al., "Zero-resource Speech Translation and Recognition with LLMs" (§II):

* :class:`LayerWeightedAverage` — a learned softmax-weighted average of every encoder layer's
  output (Eq. 1);
* :class:`CNNAdapter` — 2-layer 1-D CNN, kernel 3: the first layer up-projects to the LLM width
  ``d_LLM`` and halves the frame rate (Whisper/wav2vec2: 50 → 25 frames/s), the second adds depth
  (§II-C). With ``d_AE = 1024`` it has 18.9 M parameters for ``d_LLM = 2048`` (mT0-XL) and 62.9 M
  for 4096 (mT0-XXL), as in the paper;
* :class:`SpeechLLM` — the adapter output ``A(x) (B, T/2, d_LLM)`` is placed *before* the embedded
  text prompt in the input of the mT0/MT5 encoder (a soft prompt, §II-D); the decoder is trained
  with Hugging Face's next-token cross-entropy (§II-E). LoRA (peft; r = 16, alpha = 10) on the
  LLM's attention projections is optional (§II-F). The speech encoder and the LLM's base weights
  are frozen.

A checkpoint folder holds ``config.json`` (format ``zst.slm``: architecture, base-model ids,
whether LoRA is present) and ``model.safetensors`` with only the trained weights (layer weights,
CNN, LoRA); :meth:`SpeechLLM.load` re-loads the frozen base models by id or path.
"""

from __future__ import annotations

import copy
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from zst.config import SLMModelConfig
from zst.errors import ConfigError, ZstError
from zst.models.speech_encoder import SpeechEncoder, load_pretrained
from zst.prompts import TEST_PROMPTS, fill

CHECKPOINT_FORMAT = "zst.slm"
CHECKPOINT_VERSION = 1
OWN_PREFIXES = ("layer_average.", "adapter.")  # trained modules outside the LLM
LORA_MARK = "lora_"  # peft's LoRA parameter names (lora_A / lora_B) inside the LLM


class LayerWeightedAverage(nn.Module):
    """Learned average of the encoder layers' outputs (Eq. 1).

    ``AE(x) = sum_l w_l h^l(x)`` with ``w = softmax(theta)`` over the ``L`` layers, ``theta``
    initialised to 0 (the plain mean). Eq. 1 writes ``1/L sum_l w_l h^l`` with free ``w_l``; the
    softmax keeps the weights positive and summing to 1, which is the same family up to the scale
    ``w_l = L softmax(theta)_l`` that the CNN absorbs.
    """

    def __init__(self, num_layers: int):
        super().__init__()
        if num_layers < 1:
            raise ValueError(f"num_layers must be positive, got {num_layers}")
        self.logits = nn.Parameter(torch.zeros(num_layers))

    @property
    def weights(self) -> torch.Tensor:
        """``softmax(theta)``, shape ``(L,)``."""
        return torch.softmax(self.logits, dim=0)

    def forward(self, states: Sequence[torch.Tensor]) -> torch.Tensor:
        """``L`` tensors ``(B, T, D)`` → their weighted average ``(B, T, D)``.

        Raises:
            ValueError: a number of layers other than ``L``.
        """
        if len(states) != self.logits.numel():
            raise ValueError(f"expected {self.logits.numel()} layer outputs, got {len(states)}")
        w = self.weights.to(states[0].dtype)
        return torch.einsum("l,lbtd->btd", w, torch.stack(tuple(states)))


class CNNAdapter(nn.Module):
    """2-layer 1-D CNN from speech states to LLM token embeddings (§II-C).

    ``conv1``: ``D → d``, kernel ``k``, stride 2, padding ``k // 2`` (up-projection, frame rate
    halved); GELU; ``conv2``: ``d → d``, kernel ``k``, stride 1 (depth). Padded frames are zeroed
    before each convolution, so the output of real frames does not depend on padding.
    Parameters: ``k D d + d + k d^2 + d``.
    """

    def __init__(self, in_dim: int, out_dim: int, kernel_size: int = 3):
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ConfigError(f"kernel_size: the CNN adapter needs an odd kernel size >= 1, got {kernel_size}")
        self.kernel_size = kernel_size
        pad = kernel_size // 2
        self.conv1 = nn.Conv1d(in_dim, out_dim, kernel_size, stride=2, padding=pad)
        self.conv2 = nn.Conv1d(out_dim, out_dim, kernel_size, stride=1, padding=pad)
        self.act = nn.GELU()

    def output_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        """Frames after ``conv1``: ``floor((T + 2 (k // 2) - k) / 2) + 1 = ceil(T / 2)`` for odd ``k``."""
        pad = self.kernel_size // 2
        return torch.div(lengths + 2 * pad - self.kernel_size, 2, rounding_mode="floor") + 1

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``x (B, T, D)``, ``mask (B, T)`` bool (``True`` = real) → ``(B, ceil(T/2), d)`` and its mask."""
        x = x.masked_fill(~mask[..., None], 0.0).transpose(1, 2)
        h = self.act(self.conv1(x))
        lengths = self.output_lengths(mask.sum(-1))
        out_mask = torch.arange(h.shape[-1], device=h.device)[None, :] < lengths[:, None]
        h = h * out_mask[:, None, :].to(h.dtype)
        return self.conv2(h).transpose(1, 2), out_mask


def llm_width(llm: nn.Module, name: str) -> int:
    """Width ``d_LLM`` of the LLM's token embeddings, the width the CNN adapter must produce.

    Raises:
        ZstError: not an encoder-decoder model (the soft prompt goes into the encoder), no token
            embedding table, or embeddings whose width differs from the encoder's ``d_model``.
    """
    config = llm.config
    if not getattr(config, "is_encoder_decoder", False):
        raise ZstError(f"--llm '{name}': a {config.model_type} model is not an encoder-decoder (mT0/MT5); "
                       f"the audio soft prompt needs an encoder")
    emb = llm.get_input_embeddings()
    if not isinstance(emb, nn.Embedding):
        raise ZstError(f"--llm '{name}': no token-embedding table for the CNN adapter to project into")
    d_model = getattr(config, "d_model", emb.embedding_dim)
    if emb.embedding_dim != d_model:
        raise ZstError(f"--llm '{name}': its token embeddings are {emb.embedding_dim} wide but its encoder takes "
                       f"d_model = {d_model}; the CNN adapter cannot reach the LLM's width")
    return int(d_model)


def check_lora_targets(llm: nn.Module, targets: Sequence[str], name: str) -> None:
    """Check that every LoRA target names linear layers of the LLM (peft's rule: a module whose
    full name equals the target or ends with ``.target``).

    Raises:
        ConfigError: no target given, or one that matches no linear layer (the available names listed).
    """
    if not targets:
        raise ConfigError("--lora-targets: no module names given")
    linear = [n for n, m in llm.named_modules() if isinstance(m, nn.Linear)]
    for t in targets:
        if not any(n == t or n.endswith("." + t) for n in linear):
            leaves = sorted({n.rsplit(".", 1)[-1] for n in linear})
            raise ConfigError(f"--lora-targets: no linear module '{t}' in --llm '{name}' "
                              f"(its linear modules: {', '.join(leaves)})")


@dataclass
class Layout:
    """What a checkpoint must rebuild before loading its weights."""

    lora: bool = False
    steps: list[str] = field(default_factory=list)  # training stages done, e.g. ["cnn-asr", "cnn+lora"]


class SpeechLLM(nn.Module):
    """The speech LLM. Build with :meth:`create` or :meth:`load`.

    Attributes:
        speech: frozen :class:`SpeechEncoder`.
        layer_average: :class:`LayerWeightedAverage` over its ``L`` layers.
        adapter: :class:`CNNAdapter` ``D → d_LLM``.
        llm: the mT0/MT5 ``...ForConditionalGeneration`` (frozen base; LoRA after :meth:`add_lora`).
        tokenizer: the LLM's tokenizer.
    """

    def __init__(self, cfg: SLMModelConfig, speech: SpeechEncoder, llm: nn.Module, tokenizer):
        super().__init__()
        self.cfg = cfg
        self.layout = Layout()
        self.width = llm_width(llm, cfg.llm)
        self.speech = speech
        llm.requires_grad_(False)
        self.llm = llm
        self.tokenizer = tokenizer
        self.layer_average = LayerWeightedAverage(speech.num_layers)
        self.adapter = CNNAdapter(speech.hidden_size, self.width, cfg.kernel_size)

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def create(cls, cfg: SLMModelConfig, *, device: str | torch.device = "cpu") -> "SpeechLLM":
        """Base models loaded by id/path (float32), layer weights and CNN new, no LoRA yet.

        Raises:
            ZstError: a model that cannot be loaded, an LLM the adapter cannot feed (:func:`llm_width`),
                or (with ``cfg.lora``) a LoRA target missing from the LLM.
        """
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        llm = load_pretrained(AutoModelForSeq2SeqLM, cfg.llm, "LLM (--llm)", dtype=torch.float32)
        if cfg.lora:
            check_lora_targets(llm, cfg.lora_targets, cfg.llm)  # before the speech encoder loads
        tokenizer = load_pretrained(AutoTokenizer, cfg.llm, "LLM tokenizer")
        speech = SpeechEncoder.from_pretrained(cfg.speech_encoder)
        return cls(cfg, speech, llm, tokenizer).to(device)

    @classmethod
    def load(cls, path: str | Path, *, device: str | torch.device = "cpu") -> "SpeechLLM":
        """Load a checkpoint written by :meth:`save` (a folder, or a run dir holding ``model/`` or
        ``checkpoints/step-*/model``), in eval mode.

        Raises:
            ZstError: no speech-LLM checkpoint there, or weights that do not fit the model.
        """
        from zst.config import build
        from zst.models.zerost import resolve_checkpoint

        path = resolve_checkpoint(path, CHECKPOINT_FORMAT, "speech-LLM")
        meta = json.loads((path / "config.json").read_text())
        model = cls.create(build(SLMModelConfig, meta["model"]))
        layout = Layout(**meta["layout"])
        if layout.lora:
            model.add_lora()
        model.layout = layout
        state = load_file(str(path / "model.safetensors"))
        expected = set(model.own_state_dict())
        if set(state) != expected:
            raise ZstError(f"{path}: checkpoint weights do not fit the model (missing "
                           f"{sorted(expected - set(state))[:3]}, unexpected {sorted(set(state) - expected)[:3]})")
        model.load_state_dict(state, strict=False)
        return model.to(device).eval()

    def add_lora(self) -> None:
        """Inject LoRA (``r``, ``alpha``, dropout, target modules from the config) into the LLM with
        peft; the LoRA weights start trainable (``B = 0``, so the LLM's output is unchanged).

        Raises:
            ConfigError: a target module that the LLM does not have.
        """
        from peft import LoraConfig, inject_adapter_in_model

        if self.layout.lora:
            return
        check_lora_targets(self.llm, self.cfg.lora_targets, self.cfg.llm)
        lora = LoraConfig(r=self.cfg.lora_r, lora_alpha=self.cfg.lora_alpha, lora_dropout=self.cfg.lora_dropout,
                          target_modules=list(self.cfg.lora_targets), bias="none")
        device = self.adapter.conv1.weight.device
        inject_adapter_in_model(lora, self.llm)
        self.llm.to(device)
        self.layout.lora = True

    def set_trainable(self, stage: str) -> None:
        """Make ``requires_grad`` true for the stage's parameters only.

        Args:
            stage: ``"cnn"`` (layer weights + CNN; the sequential schedule's ASR pretraining, or
                CNN-only training) or ``"cnn+lora"`` (also the LoRA weights; needs :meth:`add_lora`).
        """
        self.requires_grad_(False)
        self.layer_average.requires_grad_(True)
        self.adapter.requires_grad_(True)
        if stage == "cnn+lora":
            if not self.layout.lora:
                raise RuntimeError("set_trainable('cnn+lora') before add_lora()")
            for name, p in self.llm.named_parameters():
                if LORA_MARK in name:
                    p.requires_grad_(True)
        elif stage != "cnn":
            raise ValueError(f"unknown stage {stage!r}")
        self.layout.steps.append(stage)

    def train(self, mode: bool = True):
        """Training mode for the CNN and the LLM (its dropout and LoRA dropout act while training, as
        in peft fine-tuning); the frozen speech encoder stays in eval mode."""
        super().train(mode)
        self.speech.train(mode)
        return self

    def own_state_dict(self) -> dict[str, torch.Tensor]:
        """The trained weights: layer weights, CNN and (when present) LoRA; never base weights."""
        return {k: v.detach().contiguous() for k, v in self.state_dict().items()
                if k.startswith(OWN_PREFIXES) or (k.startswith("llm.") and LORA_MARK in k)}

    # -- forward -------------------------------------------------------------------------------
    def encode_audio(self, audio: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """B waveforms (float32, 16 kHz, each within the encoder window) → ``A(x) (B, T', d_LLM)``
        and its mask ``(B, T')`` (``T' = ceil(T / 2)``, T = encoder frames)."""
        states, mask = self.speech.layer_states(self.speech.features(audio))
        return self.adapter(self.layer_average(states), mask)

    def soft_prompt(self, audio_embeds: torch.Tensor, audio_mask: torch.Tensor,
                    prompts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """The LLM encoder input: each example's real audio frames, then its embedded prompt
        (ending in ``</s>``), packed left and padded right.

        Args:
            audio_embeds: ``(B, T', d)``; audio_mask: ``(B, T')`` bool.
            prompts: B prompt strings.

        Returns:
            ``inputs_embeds (B, N, d)`` and ``attention_mask (B, N)`` long (1 = real),
            ``N = max_i (audio_i + prompt_i)``.
        """
        dev = audio_embeds.device
        rows = self.tokenizer(list(prompts))["input_ids"]
        ids = torch.zeros(len(rows), max(map(len, rows)), dtype=torch.long, device=dev)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, device=dev)
        text = self.llm.get_input_embeddings()(ids).to(audio_embeds.dtype)
        seqs = [torch.cat([audio_embeds[i][audio_mask[i]], text[i, : len(r)]]) for i, r in enumerate(rows)]
        lengths = torch.tensor([len(s) for s in seqs], device=dev)
        embeds = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
        mask = torch.arange(embeds.shape[1], device=dev)[None, :] < lengths[:, None]
        return embeds, mask.long()

    def labels(self, targets: Sequence[str]) -> torch.Tensor:
        """Target texts → ``labels (B, M)`` (tokens + ``</s>``, ``-100`` padding), truncated to
        ``max_target_tokens``."""
        rows = self.tokenizer(text_target=list(targets), truncation=True,
                              max_length=self.cfg.max_target_tokens)["input_ids"]
        labels = torch.full((len(rows), max(map(len, rows))), -100, dtype=torch.long)
        for i, r in enumerate(rows):
            labels[i, : len(r)] = torch.tensor(r)
        return labels

    def forward(self, audio: Sequence[np.ndarray], prompts: Sequence[str], targets: Sequence[str]) -> torch.Tensor:
        """Training loss: mean next-token cross-entropy over the target tokens (HF's, §II-E) of the
        LLM given ``[A(x); prompt]``.

        Args:
            audio: B waveforms; prompts: B filled prompts; targets: B transcripts or translations.
        """
        embeds, mask = self.soft_prompt(*self.encode_audio(audio), prompts)
        return self.llm(inputs_embeds=embeds, attention_mask=mask, labels=self.labels(targets).to(embeds.device)).loss

    # -- inference -----------------------------------------------------------------------------
    @torch.no_grad()
    def generate(self, audio_embeds: torch.Tensor, audio_mask: torch.Tensor, prompts: Sequence[str], *,
                 beam_size: int = 4, max_new_tokens: int = 200, length_penalty: float | None = None) -> list[str]:
        """Beam search of the LLM from encoded audio (:meth:`encode_audio`) and B prompts
        (``length_penalty``: beam search's length exponent, HF ``length_penalty``; ``None``: the LLM's
        generation config)."""
        embeds, mask = self.soft_prompt(audio_embeds, audio_mask, prompts)
        gen = copy.deepcopy(self.llm.generation_config)
        gen.max_length = None  # our length limit only
        gen.max_new_tokens = max_new_tokens
        gen.do_sample = False
        gen.num_beams = beam_size
        if length_penalty is not None:
            gen.length_penalty = float(length_penalty)
        ids = self.llm.generate(inputs_embeds=embeds, attention_mask=mask, generation_config=gen)
        return [t.strip() for t in self.tokenizer.batch_decode(ids, skip_special_tokens=True)]

    @torch.no_grad()
    def translate_many(self, audio: Sequence[np.ndarray], tgts: Sequence[str], *, beam_size: int = 4,
                       max_new_tokens: int = 200, length_penalty: float | None = None) -> dict[str, list[str]]:
        """Speech translation with the paper's ST test prompt, once per target language (ISO
        639-1/3 code or name), the audio encoded once: ``{tgt: [B texts]}``.

        Raises:
            UnknownLanguageError: a target zst cannot name (checked before any work).
        """
        prompts = {tgt: fill(TEST_PROMPTS["st"], "st", tgt) for tgt in tgts}
        a, m = self.encode_audio(audio)
        return {tgt: self.generate(a, m, [p] * len(audio), beam_size=beam_size, max_new_tokens=max_new_tokens,
                                   length_penalty=length_penalty) for tgt, p in prompts.items()}

    @torch.no_grad()
    def transcribe(self, audio: Sequence[np.ndarray], langs: Sequence[str], *, beam_size: int = 4,
                   max_new_tokens: int = 200, length_penalty: float | None = None) -> list[str]:
        """ASR with the paper's test prompt naming each utterance's language (``langs``, B codes).

        Raises:
            UnknownLanguageError: a language zst cannot name.
        """
        prompts = [fill(TEST_PROMPTS["asr"], "asr", lang) for lang in langs]
        return self.generate(*self.encode_audio(audio), prompts, beam_size=beam_size, max_new_tokens=max_new_tokens,
                             length_penalty=length_penalty)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write ``config.json`` + ``model.safetensors`` (the trained weights only) into ``path``
        (callers make it atomic)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "model": asdict(self.cfg),
                "layout": asdict(self.layout), "llm_width": self.width, "speech_layers": self.speech.num_layers}
        (path / "config.json").write_text(json.dumps(meta, indent=2))
        save_file({k: v.cpu() for k, v in self.own_state_dict().items()}, str(path / "model.safetensors"))
        return path
