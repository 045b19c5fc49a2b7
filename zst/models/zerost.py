"""ZeroST: frozen speech encoder + adapters → linear projection → Q-Former → frozen NLLB decoder.

Khurana et al., "ZeroST: Zero-Shot Speech Translation" (§2). Two training steps on transcribed
speech only:

1. **KD** (:meth:`ZeroST.kd_loss`): Q-Former outputs ``Q (B, q, d)`` are pulled towards the cached
   NLLB-encoder states ``T (B, m, d)`` of the transcript (Eq. 1–5). Trainable: encoder adapter
   stage 0, projection, Q-Former, KD Proj.
2. **NLL** (:meth:`ZeroST.nll_loss`): ``Q`` replaces the NLLB encoder output; the frozen NLLB
   decoder is teacher-forced on the same-language transcript (Eq. 6). Trainable: a *new* encoder
   adapter stage stacked after the KD one, and adapters inside the Q-Former; all else frozen.
   Without a KD checkpoint (the paper's "NLL only" baseline) the step trains what KD would.
   Not in the paper: ``forward(..., "nll", kd_weight=λ)`` adds ``λ · L_KD`` on the same ``Q``
   (KD *beside* NLL), with the KD Proj frozen.

Inference (:meth:`ZeroST.translate`): beam search in the NLLB decoder with the target language
code forced as the first token.

A checkpoint folder holds ``config.json`` (architecture, base-model ids, adapter layout) and
``model.safetensors`` (only ZeroST's own weights: adapters, projection, Q-Former, KD Proj); the
frozen base models are loaded from their HF ids or paths, so :meth:`ZeroST.load` needs nothing
else.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn

from zst.config import ModelConfig
from zst.errors import ZstError
from zst.languages import to_nllb
from zst.losses import KDLoss, KDOutput, nll_loss
from zst.models.qformer import build_qformer, init_from_nllb
from zst.models.speech_encoder import SpeechEncoder, load_pretrained

CHECKPOINT_FORMAT = "zst.zerost"
CHECKPOINT_VERSION = 1
BASE_PREFIXES = ("speech.model.", "nllb.")  # frozen foundation weights, never saved


@dataclass
class Layout:
    """Adapter layout of a ZeroST model (what a checkpoint must rebuild before loading weights)."""

    encoder_adapter_stages: int = 0
    qformer_adapters: bool = False
    steps: list[str] = field(default_factory=list)  # training steps done, e.g. ["kd", "nll"]


class FrozenBasesTrainMode(nn.Module):
    """``train()`` that keeps the frozen NLLB (``self.nllb``, when attached) in eval mode and lets
    ``self.speech`` (a :class:`SpeechEncoder`) keep its own base in eval mode: only the trained
    parts (adapters, bridge) switch dropout on."""

    def train(self, mode: bool = True):
        super().train(mode)
        if self.nllb is not None:
            self.nllb.eval()
        self.speech.train(mode)
        return self


class ZeroST(FrozenBasesTrainMode):
    """The ZeroST model. Build with :meth:`create` or :meth:`load`.

    Attributes:
        speech: :class:`SpeechEncoder` (frozen base + adapter stages).
        proj: ``Linear(D_speech, d_qformer)``.
        qformer: Q-Simple / Q-Lite / Q-NLLB; output width ``d`` = NLLB ``d_model``.
        kd: :class:`KDLoss` (holds the KD Proj).
        nllb: frozen ``M2M100ForConditionalGeneration`` or ``None`` (KD does not need it).
        tokenizer: the NLLB tokenizer or ``None``.
    """

    def __init__(self, cfg: ModelConfig, speech: SpeechEncoder, text_config, *, nllb=None, tokenizer=None):
        super().__init__()
        self.cfg = cfg
        self.layout = Layout()
        self.text_dim = int(text_config.d_model)
        self.speech = speech
        self.qformer = build_qformer(cfg.qformer, cfg.num_queries, self.text_dim, nllb_config=text_config,
                                     lite_dim=cfg.lite_dim, lite_layers=cfg.lite_layers, lite_heads=cfg.lite_heads,
                                     lite_ffn=cfg.lite_ffn)
        self.proj = nn.Linear(speech.hidden_size, self.qformer.in_dim)
        self.kd = KDLoss(self.text_dim, beta=cfg.kd_beta, proj_trainable=cfg.kd_proj_trainable,
                         fine=cfg.kd_fine)
        self.nllb = None
        self.tokenizer = tokenizer
        if nllb is not None:
            self.attach_text_model(nllb, tokenizer)

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def create(cls, cfg: ModelConfig, *, with_decoder: bool, device: str | torch.device = "cpu") -> "ZeroST":
        """A fresh model: base models loaded, adapters/projection/Q-Former new (Q-NLLB initialised
        from NLLB). ``with_decoder`` keeps the NLLB decoder and tokenizer (NLL, translate)."""
        from transformers import AutoConfig, AutoModelForSeq2SeqLM

        speech = SpeechEncoder.from_pretrained(cfg.speech_encoder)
        text_config = load_pretrained(AutoConfig, cfg.text_model, "text model config")
        nllb = None
        if with_decoder or cfg.qformer == "nllb":
            nllb = load_pretrained(AutoModelForSeq2SeqLM, cfg.text_model, "NLLB model", dtype=torch.float32)
        model = cls(cfg, speech, text_config)
        if cfg.qformer == "nllb":
            init_from_nllb(model.qformer, nllb)
        if with_decoder:
            model.attach_text_model(nllb, load_tokenizer(cfg.text_model))
        return model.to(device)

    @classmethod
    def load(cls, path: str | Path, *, with_decoder: bool = True, device: str | torch.device = "cpu",
             speech_encoder: str | None = None) -> "ZeroST":
        """Load a checkpoint folder written by :meth:`save` (or a run dir holding ``model/``), in
        eval mode.

        ``speech_encoder`` (HF id or folder) replaces the checkpoint's frozen speech encoder by
        another of the same architecture and width — e.g. the same encoder trained on further —
        keeping the trained adapters and Q-Former (the bridge then goes on training on it).

        Raises:
            ZstError: no checkpoint there, a foreign format, or weights that do not fit (a
                replacement speech encoder of another width included).
        """
        from transformers import AutoConfig, AutoModelForSeq2SeqLM

        path = resolve_checkpoint(path)
        meta, cfg = _read_checkpoint_config(path)
        if speech_encoder:
            cfg = replace(cfg, speech_encoder=str(speech_encoder))
        speech = SpeechEncoder.from_pretrained(cfg.speech_encoder)
        text_config = load_pretrained(AutoConfig, cfg.text_model, "text model config")
        model = cls(cfg, speech, text_config)
        layout = Layout(**meta["layout"])
        for _ in range(layout.encoder_adapter_stages):
            model.speech.adapters.add_stage(cfg.adapter_dim)
        if layout.qformer_adapters:
            model.qformer.add_adapters(cfg.adapter_dim)
        model.layout = layout
        state = load_file(str(path / "model.safetensors"))
        own = model.state_dict()
        wrong = [(k, tuple(v.shape), tuple(own[k].shape)) for k, v in state.items()
                 if k in own and v.shape != own[k].shape]
        if wrong:  # e.g. a replacement speech encoder of another width
            k, have, want = wrong[0]
            raise ZstError(f"{path}: checkpoint weights do not fit the model with speech encoder "
                           f"{cfg.speech_encoder} ({len(wrong)} of another shape, e.g. {k}: checkpoint {have}, "
                           f"model {want})")
        missing, unexpected = model.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.startswith(BASE_PREFIXES)]
        if missing or unexpected:
            raise ZstError(f"{path}: checkpoint weights do not fit the model "
                           f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
        if with_decoder:
            nllb = load_pretrained(AutoModelForSeq2SeqLM, cfg.text_model, "NLLB model", dtype=torch.float32)
            model.attach_text_model(nllb, load_tokenizer(cfg.text_model))
        return model.to(device).eval()

    def attach_text_model(self, nllb, tokenizer) -> None:
        """Attach the frozen NLLB model (its encoder layers are dropped: the Q-Former replaces them)."""
        nllb.requires_grad_(False)
        nllb.eval()
        nllb.model.encoder.layers = nn.ModuleList()  # unused: Q stands in for the encoder output
        if int(nllb.config.d_model) != self.text_dim:
            raise ZstError(f"NLLB width {nllb.config.d_model} differs from the Q-Former output {self.text_dim}")
        self.nllb = nllb
        self.tokenizer = tokenizer

    # -- trainable parts -----------------------------------------------------------------------
    def set_kd_fine(self, mode: str) -> None:
        """Switch the KD loss's fine-grained term to ``mode`` (:data:`zst.losses.FINE_MODES`: ``paper``,
        Eq. 2, or ``contrastive``) in the loss and in the config that :meth:`save` writes, so the two
        cannot disagree (``train-nll --kd-weight`` over a model distilled with the other term).

        Raises:
            ValueError: an unknown mode.
        """
        self.kd.set_fine_mode(mode)
        self.cfg = replace(self.cfg, kd_fine=mode)

    def prepare_step(self, step: str, *, continue_from_kd: bool) -> None:
        """Set ``requires_grad`` for a training step and add the adapters it needs.

        Args:
            step: ``"kd"`` or ``"nll"``.
            continue_from_kd: the model was loaded from a checkpoint to train on. After KD, NLL
                freezes what KD trained and adds a new encoder adapter stage and Q-Former adapters
                (ZeroST §2.2); after NLL, NLL goes on training the parts that the earlier NLL step
                trained (more steps, e.g. on more data). Otherwise a fresh stage-0 setup is trained.
        """
        self.requires_grad_(False)
        nll_again = step == "nll" and continue_from_kd and self.layout.steps[-1:] == ["nll"]
        if step == "nll" and continue_from_kd and not nll_again:
            self.speech.adapters.add_stage(self.cfg.adapter_dim)
            self.qformer.add_adapters(self.cfg.adapter_dim)
            self.layout.encoder_adapter_stages += 1
            self.layout.qformer_adapters = True
        if step == "nll" and continue_from_kd and "kd" in self.layout.steps:
            self.speech.adapters.stages[-1].requires_grad_(True)
            for name, p in self.qformer.named_parameters():
                if "adapter" in name:
                    p.requires_grad_(True)
        else:
            if self.layout.encoder_adapter_stages == 0:
                self.speech.adapters.add_stage(self.cfg.adapter_dim)
                self.layout.encoder_adapter_stages = 1
            self.speech.adapters.requires_grad_(True)
            self.proj.requires_grad_(True)
            self.qformer.requires_grad_(True)
            if step == "kd" and self.cfg.kd_proj_trainable:
                self.kd.proj.requires_grad_(True)
        self.layout.steps.append(step)

    def own_state_dict(self) -> dict[str, torch.Tensor]:
        """ZeroST's own weights (everything but the frozen foundation models)."""
        return {k: v.detach().contiguous() for k, v in self.state_dict().items() if not k.startswith(BASE_PREFIXES)}

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        names = {n for n, p in self.named_parameters() if p.requires_grad}
        return {k: v for k, v in self.own_state_dict().items() if k in names}

    # -- forward -------------------------------------------------------------------------------
    def encode(self, audio: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
        """Audio → speech states → projection → Q-Former.

        Args:
            audio: B float32 16 kHz waveforms, each at most ``speech.window_seconds`` long.

        Returns:
            ``Q (B, q, d)`` and the speech frame mask ``(B, T)``.
        """
        feats = self.speech.features(audio)
        states, mask = self.speech(feats)
        return self.qformer(self.proj(states), mask), mask

    def kd_loss(self, audio: Sequence[np.ndarray], teacher: torch.Tensor, teacher_mask: torch.Tensor) -> KDOutput:
        """KD step loss (Eq. 1–5) against cached NLLB-encoder states ``teacher (B, m, d)``."""
        Q, _ = self.encode(audio)
        return self.kd(Q, teacher.to(Q.device, Q.dtype), teacher_mask.to(Q.device))

    def _require_decoder(self):
        if self.nllb is None or self.tokenizer is None:
            raise RuntimeError("this ZeroST model was loaded without its NLLB decoder (with_decoder=False)")

    def tokenize_targets(self, texts: Sequence[str], langs: Sequence[str], max_tokens: int = 256):
        """Transcripts → NLLB decoder inputs and labels, each in its own language.

        Returns ``decoder_input_ids (B, N)`` = ``[</s>, lang, y_1 … y_m]`` and ``labels (B, N)`` =
        ``[-100, y_1 … y_m, </s>]`` (the forced language token is not a prediction target),
        padding ``-100`` in labels.
        """
        self._require_decoder()
        return decoder_targets(self.tokenizer, self.nllb.config, texts, langs, max_tokens)

    def nll_loss(self, audio: Sequence[np.ndarray], texts: Sequence[str], langs: Sequence[str]) -> torch.Tensor:
        """NLL step loss (Eq. 6, per real token): NLLB decoder teacher-forced on each transcript
        in its own language, cross-attending to ``Q``."""
        self._require_decoder()
        Q, _ = self.encode(audio)
        return self._nll_from_queries(Q, texts, langs)

    def _nll_from_queries(self, Q: torch.Tensor, texts: Sequence[str], langs: Sequence[str]) -> torch.Tensor:
        dec, labels = self.tokenize_targets(texts, langs)
        dec, labels = dec.to(Q.device), labels.to(Q.device)
        out = self.nllb(
            encoder_outputs=(Q,),
            attention_mask=torch.ones(Q.shape[:2], dtype=torch.long, device=Q.device),
            decoder_input_ids=dec,
        )
        return nll_loss(out.logits, labels)

    def forward(self, batch: dict, objective: str, kd_weight: float = 0.0) -> tuple[torch.Tensor, dict[str, float]]:
        """Training forward for the loop (goes through DDP/autocast wrappers).

        Args:
            batch: from :class:`zst.data.batching.SpeechDataset` (``audio``, ``text``, ``lang``,
                and ``teacher``/``teacher_mask`` for KD and for ``kd_weight``).
            objective: ``"kd"`` or ``"nll"``.
            kd_weight: with ``"nll"``, the weight ``λ`` of an auxiliary KD term (not in the paper):
                ``loss = L_NLL + λ · L_KD`` (Eq. 6 + Eq. 1–5 on the same ``Q``), the KD term over the
                utterances of the batch that have teacher states (a mask row with a real token);
                ``0`` = the paper's NLL step.

        Returns:
            ``(loss, logs)``; with ``kd_weight`` the logs hold ``nll`` and, when the batch had
            teacher states, ``kd_fine``, ``kd_global`` and ``kd_utterances``.
        """
        if objective == "kd":
            out = self.kd_loss(batch["audio"], batch["teacher"], batch["teacher_mask"])
            return out.loss, {"kd_fine": float(out.fine.detach()), "kd_global": float(out.glob.detach())}
        if objective == "nll" and not kd_weight:
            return self.nll_loss(batch["audio"], batch["text"], batch["lang"]), {}
        if objective == "nll":
            self._require_decoder()
            Q, _ = self.encode(batch["audio"])
            nll = self._nll_from_queries(Q, batch["text"], batch["lang"])
            logs = {"nll": float(nll.detach())}
            has = batch["teacher_mask"].any(dim=1).to(Q.device)
            if not has.any():
                return nll, logs
            T, t_mask = batch["teacher"].to(Q.device, Q.dtype)[has], batch["teacher_mask"].to(Q.device)[has]
            out = self.kd(Q[has], T, t_mask)
            logs.update(kd_fine=float(out.fine.detach()), kd_global=float(out.glob.detach()),
                        kd_utterances=int(has.sum()))
            return nll + kd_weight * out.loss, logs
        raise ValueError(f"unknown objective {objective!r}")

    @torch.no_grad()
    def translate(self, audio: Sequence[np.ndarray], tgt: str, *, beam_size: int = 4, max_new_tokens: int = 200,
                  length_penalty: float | None = None) -> list[str]:
        """Translate B utterances into ``tgt`` (any code :func:`zst.languages.to_nllb` takes).

        Beam search in the frozen NLLB decoder conditioned on ``Q``, with the NLLB code of ``tgt``
        forced as the first generated token.

        Raises:
            UnknownLanguageError: ``tgt`` does not map to an NLLB code.
        """
        return self.translate_many(audio, [tgt], beam_size=beam_size, max_new_tokens=max_new_tokens,
                                   length_penalty=length_penalty)[tgt]

    def translate_many(self, audio: Sequence[np.ndarray], tgts: Sequence[str], *, beam_size: int = 4,
                       max_new_tokens: int = 200, length_penalty: float | None = None) -> dict[str, list[str]]:
        """Translate B utterances into each of ``tgts``, encoding the audio once: ``{tgt: [B texts]}``
        (decoding options: :func:`generate_translations`).

        Raises:
            UnknownLanguageError: a target does not map to an NLLB code (checked before any work).
        """
        self._require_decoder()
        forced = forced_language_ids(self.tokenizer, tgts)
        Q, _ = self.encode(audio)
        mask = torch.ones(Q.shape[:2], dtype=torch.long, device=Q.device)
        return generate_translations(self.nllb, self.tokenizer, Q, mask, forced, beam_size=beam_size,
                                     max_new_tokens=max_new_tokens, length_penalty=length_penalty)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | Path, weights: dict[str, torch.Tensor] | None = None) -> Path:
        """Write ``config.json`` + ``model.safetensors`` into ``path`` (callers make it atomic)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "model": asdict(self.cfg),
                "layout": asdict(self.layout), "text_dim": self.text_dim}
        (path / "config.json").write_text(json.dumps(meta, indent=2))
        state = weights if weights is not None else self.own_state_dict()
        save_file({k: v.detach().cpu().contiguous() for k, v in state.items()}, str(path / "model.safetensors"))
        return path


# -- the NLLB decoder, shared with the encoder-decoder ST model (zst.models.st) ------------------------


def decoder_targets(tokenizer, config, texts: Sequence[str], langs: Sequence[str],
                    max_tokens: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """Texts → NLLB decoder inputs and labels, each text in its own language.

    Returns ``decoder_input_ids (B, N)`` = ``[</s>, lang, y_1 … y_m]`` and ``labels (B, N)`` =
    ``[-100, y_1 … y_m, </s>]`` (the forced language token is not a prediction target), padding
    ``-100`` in labels.

    Raises:
        UnknownLanguageError: a language without an NLLB code.
    """
    rows = []
    for text, lang in zip(texts, langs):
        tokenizer.tgt_lang = to_nllb(lang)
        rows.append(tokenizer(text_target=text, truncation=True, max_length=max_tokens)["input_ids"])
    start, pad = config.decoder_start_token_id, config.pad_token_id
    N = max(len(r) for r in rows)
    dec = torch.full((len(rows), N), pad, dtype=torch.long)
    labels = torch.full((len(rows), N), -100, dtype=torch.long)
    for i, r in enumerate(rows):
        r = torch.tensor(r)
        dec[i, 0] = start
        dec[i, 1 : len(r)] = r[:-1]
        labels[i, : len(r)] = r
        labels[i, 0] = -100
    return dec, labels


def forced_language_ids(tokenizer, tgts: Sequence[str]) -> dict[str, int]:
    """``{tgt: id of its NLLB language token}``, checked before any work.

    Raises:
        UnknownLanguageError: a target without an NLLB code; ZstError: a code missing from the vocabulary.
    """
    forced = {}
    for tgt in tgts:
        code = to_nllb(tgt)
        forced[tgt] = tokenizer.convert_tokens_to_ids(code)
        if forced[tgt] is None or forced[tgt] == tokenizer.unk_token_id:
            raise ZstError(f"target language {code} is not in the NLLB tokenizer's vocabulary")
    return forced


@torch.no_grad()
def generate_translations(nllb, tokenizer, states: torch.Tensor, mask: torch.Tensor, forced: dict[str, int], *,
                          beam_size: int = 4, max_new_tokens: int = 200,
                          length_penalty: float | None = None) -> dict[str, list[str]]:
    """Beam search in the NLLB decoder over encoder outputs ``states (B, S, d)`` (``mask (B, S)``,
    1 = real) once per target, with the target's language token forced first: ``{tgt: [B texts]}``.

    ``max_new_tokens`` bounds each output in tokens; ``length_penalty`` is the exponent ``p`` of beam
    search's length normalisation (a finished hypothesis scores its summed log-probability / length^p,
    so p > 1 favours longer outputs, p < 1 shorter; HF ``length_penalty``); ``None`` keeps the NLLB
    model's ``generation_config`` value (1.0 unless the checkpoint sets one)."""
    import copy

    from transformers.modeling_outputs import BaseModelOutput

    gen = copy.deepcopy(nllb.generation_config)
    gen.max_length = None  # our length limit only, so the two limits do not conflict
    gen.max_new_tokens = max_new_tokens
    gen.do_sample = False
    gen.num_beams = beam_size
    if length_penalty is not None:
        gen.length_penalty = float(length_penalty)
    out = {}
    for tgt, bos in forced.items():
        gen.forced_bos_token_id = bos
        ids = nllb.generate(encoder_outputs=BaseModelOutput(last_hidden_state=states), attention_mask=mask.long(),
                            generation_config=gen)
        out[tgt] = [t.strip() for t in tokenizer.batch_decode(ids, skip_special_tokens=True)]
    return out


BUNDLE_PREFIX = "bundle:"  # base-model reference relative to the checkpoint folder (see bundle())


def _read_checkpoint_config(path: Path) -> tuple[dict, ModelConfig]:
    """``config.json`` of the checkpoint folder ``path`` and its ModelConfig, bundled base models resolved."""
    from zst.config import build

    meta = json.loads((path / "config.json").read_text())
    return meta, _resolve_bundled(build(ModelConfig, meta["model"]), path)


def _resolve_bundled(cfg: ModelConfig, path: Path) -> ModelConfig:
    """Turn ``bundle:<folder>`` base-model references into paths inside the checkpoint ``path``."""
    fixes = {}
    for key in ("speech_encoder", "text_model"):
        ref = getattr(cfg, key)
        if ref.startswith(BUNDLE_PREFIX):
            local = path / ref[len(BUNDLE_PREFIX):]
            if not (local / "config.json").is_file():
                raise ZstError(f"{path}: bundled {key.replace('_', ' ')} '{local.name}' is missing "
                               f"(expected {local}/config.json)")
            fixes[key] = str(local)
    return replace(cfg, **fixes) if fixes else cfg


def bundle(checkpoint: str | Path, out: str | Path, *, half: bool = True, provenance: dict | None = None) -> Path:
    """Copy a ZeroST checkpoint and the two frozen base models it needs into one folder.

    ``out/config.json`` then names the base models ``bundle:speech_encoder`` and
    ``bundle:text_model`` (folders next to it), so the folder is self-contained and relocatable:
    :meth:`ZeroST.load` works on it anywhere, with no hub or original paths. With ``half`` every
    weight is stored as float16 (loaded back into float32 modules). ``provenance`` adds top-level keys
    to ``out/config.json`` (e.g. ``{"miniworld_row": "rAw3"}``: which experiment the bundle came from);
    it may not replace the checkpoint's own keys. ``out`` is replaced atomically (built beside it, then
    renamed). zst's embedded default model (``zst/assets/default_model``) is such a bundle.

    Raises:
        ZstError: ``checkpoint`` is not a ZeroST checkpoint, a base model cannot be loaded, or a
            ``provenance`` key is one of the checkpoint config's own.
    """
    import shutil
    import tempfile

    from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForSeq2SeqLM, WhisperModel

    src = resolve_checkpoint(checkpoint)
    meta, cfg = _read_checkpoint_config(src)
    clash = sorted(set(provenance or {}) & set(meta))
    if clash:
        raise ZstError(f"bundle provenance key(s) {', '.join(clash)} would replace {src / 'config.json'}'s own")
    meta = {**meta, **(provenance or {})}
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".bundle-", dir=out.parent))  # same filesystem: the rename is atomic
    try:
        kind = load_pretrained(AutoConfig, cfg.speech_encoder, "speech encoder config").model_type
        speech_cls = WhisperModel if kind == "whisper" else AutoModel  # what SpeechEncoder loads
        for key, loader, folder in (("speech_encoder", speech_cls, "speech_encoder"),
                                    ("text_model", AutoModelForSeq2SeqLM, "text_model")):
            model = load_pretrained(loader, getattr(cfg, key), key.replace("_", " "))
            if half:
                model.half()
            model.save_pretrained(tmp / folder)
        load_pretrained(AutoFeatureExtractor, cfg.speech_encoder, "feature extractor").save_pretrained(
            tmp / "speech_encoder")
        load_tokenizer(cfg.text_model).save_pretrained(tmp / "text_model")
        state = load_file(str(src / "model.safetensors"))
        state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in state.items()}
        meta["model"] = {**meta["model"], "speech_encoder": BUNDLE_PREFIX + "speech_encoder",
                         "text_model": BUNDLE_PREFIX + "text_model"}
        (tmp / "config.json").write_text(json.dumps(meta, indent=2))
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp / "model.safetensors"))
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out


def load_tokenizer(name_or_path: str):
    """The NLLB tokenizer of ``name_or_path`` (AutoTokenizer, no remote code)."""
    from transformers import AutoTokenizer

    return load_pretrained(AutoTokenizer, name_or_path, "NLLB tokenizer")


def checkpoint_candidates(path: str | Path) -> list[Path]:
    """Where a model folder may be in ``path``, in search order: the folder itself, its ``model/``,
    then its ``checkpoints/step-*/model`` from newest to oldest."""
    p = Path(path)
    ckpts = sorted((p / "checkpoints").glob("step-*")) if (p / "checkpoints").is_dir() else []
    return [p, p / "model", *(c / "model" for c in reversed(ckpts))]


def resolve_checkpoint(path: str | Path, fmt: str = CHECKPOINT_FORMAT, what: str = "ZeroST") -> Path:
    """Find the checkpoint folder of format ``fmt`` (``config.json`` ``"format"``) in ``path``: the
    folder itself, its ``model/``, or its newest ``checkpoints/step-*/model``.

    Raises:
        ZstError: nothing that looks like a ``what`` checkpoint, or one of another format.
    """
    p = Path(path)
    for c in checkpoint_candidates(p):
        cfg = c / "config.json"
        if cfg.is_file() and (c / "model.safetensors").is_file():
            try:
                meta = json.loads(cfg.read_text())
            except json.JSONDecodeError:
                raise ZstError(f"{cfg}: not valid JSON") from None
            if meta.get("format") != fmt:
                raise ZstError(f"{cfg}: not a {what} checkpoint (format {meta.get('format')!r})")
            return c
    raise ZstError(f"{p}: no {what} checkpoint (expected config.json + model.safetensors, a model/ folder "
                   f"or checkpoints/step-*/model)")


def checkpoint_format(path: str | Path) -> str | None:
    """The ``"format"`` of the checkpoint in ``path`` (folder, run dir's ``model/`` or newest
    ``checkpoints/step-*/model``), or ``None`` when there is none or it is unreadable."""
    for c in checkpoint_candidates(path):
        if (c / "config.json").is_file():
            try:
                return json.loads((c / "config.json").read_text()).get("format")
            except (json.JSONDecodeError, AttributeError):
                return None
    return None
