"""Frozen config dataclasses per command, resolved as defaults <- YAML file <- CLI flags.

Every field has a unit in its comment. :func:`resolve` builds a config from a YAML file (flat
mapping, or nested for sub-configs: ``optim: {lr: 3e-4}``) and a dict of flags given on the
command line (``None`` = not given); unknown keys and wrong types raise :class:`ConfigError`
naming the key.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml

from zst.errors import ConfigError

DEFAULT_SPEECH_ENCODER = "openai/whisper-large-v3"
DEFAULT_TEXT_MODEL = "facebook/nllb-200-1.3B"


@dataclass(frozen=True)
class OptimConfig:
    """Optimisation and checkpointing shared by every trainer (ZeroST paper §3)."""

    lr: float = 1e-4  # peak learning rate of Adam
    max_steps: int = 100_000  # optimizer updates
    stages: tuple[float, float, float] = (0.1, 0.4, 0.5)  # tri-stage: warm-up, hold, decay fractions
    init_lr_scale: float = 0.01  # warm-up starts at lr * this
    final_lr_scale: float = 0.05  # decay ends at lr * this (exponential, as fairseq's tri_stage)
    batch_seconds: float = 150.0  # total audio seconds per batch and device (paper: ~2.5 min/GPU)
    max_cut_seconds: float = 30.0  # longer utterances are dropped from training (and reported)
    grad_accum: int = 1  # batches per optimizer update
    max_grad_norm: float = 1.0  # gradient clipping; 0 disables
    mixed_precision: str = "auto"  # auto | no | bf16 | fp16 (auto: bf16 on a GPU that has it, else no)
    checkpoint_every: int = 1000  # steps between checkpoints
    keep_checkpoints: int = 2  # newest checkpoints kept
    log_every: int = 10  # steps between metrics.jsonl records
    num_workers: int = 0  # DataLoader worker processes for audio decoding
    seed: int = 0
    # wall-clock budget of one invocation: at the first step past it, checkpoint and stop unfinished
    # (model/ not written); --resume goes on exactly. For time-limited or preemptible jobs. 0: none.
    max_minutes: float = 0.0

    def __post_init__(self) -> None:
        """Reject values no trainer can run with, when the config is resolved (before any model loads).

        Raises:
            ConfigError: naming the key and its flag, e.g. a negative ``max_minutes`` or ``lr``.
        """
        def bad(key: str, rule: str) -> ConfigError:
            return ConfigError(f"optim.{key} (--{key.replace('_', '-')}) must be {rule}, got {getattr(self, key)!r}")

        for key in ("lr", "batch_seconds", "max_cut_seconds"):
            if not getattr(self, key) > 0:
                raise bad(key, "> 0")
        for key in ("max_steps", "grad_accum", "checkpoint_every", "keep_checkpoints", "log_every"):
            if getattr(self, key) < 1:
                raise bad(key, ">= 1")
        for key, rule in (("max_grad_norm", ">= 0 (0: no clipping)"), ("num_workers", ">= 0"),
                          ("max_minutes", ">= 0 (0: no limit)")):
            if getattr(self, key) < 0:
                raise bad(key, rule)
        if len(self.stages) != 3 or min(self.stages) < 0 or sum(self.stages[:2]) > 1:
            raise bad("stages", "three fractions >= 0 (warm-up, hold, decay) with warm-up + hold <= 1")


@dataclass(frozen=True)
class ModelConfig:
    """ZeroST architecture (paper §2.1, §3 'Q-Formers')."""

    speech_encoder: str = DEFAULT_SPEECH_ENCODER  # HF id or local path (Whisper or wav2vec2/MMS)
    text_model: str = DEFAULT_TEXT_MODEL  # HF id or local path of the NLLB (M2M100) model
    qformer: str = "nllb"  # simple | lite | nllb
    num_queries: int = 256  # paper Table 2: 256 best
    adapter_dim: int = 64  # Houlsby adapter bottleneck width
    lite_dim: int = 768  # Q-Lite width
    lite_layers: int = 4
    lite_heads: int = 4
    lite_ffn: int = 3072
    kd_beta: float = 10.0  # KD loss scale beta (paper §2.2)
    kd_proj_trainable: bool = True  # train the KD Proj (Linear+Tanh); False keeps its random init
    kd_fine: str = "paper"  # paper (Eq. 2) | contrastive (in-batch max-sim retrieval, as ColBERT; not in the paper)


@dataclass(frozen=True)
class PrepareConfig:
    corpus: str = "folder"  # folder | europarl-st | covost2 | commonvoice | fleurs | voxpopuli | mls
    source: str = ""  # corpus root or folder of audio
    tsv: str | None = None  # folder corpus: TSV with columns file, text, lang [, id, tgt_text, tgt_lang]
    split: str = "train"  # corpus split to read: train | dev | test (folder corpora: ignored)
    languages: tuple[str, ...] = ()  # source languages to keep (ISO 639-1); empty = all
    exclude: tuple[str, ...] = ()  # source languages to leave out, e.g. the unseen ca, af
    tgt_languages: tuple[str, ...] = ()  # translation targets to attach (Europarl-ST, CoVoST 2); empty = all
    segment_audio: bool = True  # long recordings (Europarl-ST m4a speeches): one FLAC per segment in the run dir
    text_model: str | None = DEFAULT_TEXT_MODEL  # teacher for cached NLLB encoder states; None to skip
    sentence_model: str | None = None  # LaBSE-type sentence encoder cached for SAMU distillation; None to skip
    teacher_batch_size: int = 32  # transcripts per teacher forward pass
    max_seconds: float = 60.0  # longer utterances are skipped as bad rows
    device: str = "auto"  # auto | cpu | cuda


@dataclass(frozen=True)
class MixConfig:
    manifests: tuple[str, ...] = ()  # cuts.jsonl.gz files or `zst prepare` run dirs to mix
    alpha: float = 0.5  # SAMU-XLS-R Eq. 3 exponent: 1 = natural distribution, ->0 = uniform
    unit: str = "hours"  # measure language sizes in hours | utterances
    languages: tuple[str, ...] = ()  # keep only these languages; empty = all
    exclude: tuple[str, ...] = ()  # leave these languages out
    seed: int = 0


@dataclass(frozen=True)
class DistillConfig:
    manifest: str = ""  # cuts.jsonl.gz from `zst prepare` (with cached teacher states)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)


@dataclass(frozen=True)
class TrainNLLConfig:
    manifest: str = ""  # cuts.jsonl.gz from `zst prepare`
    init: str | None = None  # distill run dir or checkpoint to start from (KD->NLL); None = NLL only
    # with init: replace its frozen speech encoder by this one (same architecture and width)
    init_speech_encoder: str | None = None
    # auxiliary KD beside NLL (not in the paper): loss = NLL + kd_weight * L_KD (Eq. 1-5) over the
    # utterances with cached teacher states, KD Proj frozen; 0 = the paper's NLL step
    kd_weight: float = 0.0
    kd_fine: str | None = None  # that KD's fine-grained term: paper | contrastive; None = the model's kd_fine
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)


DEFAULT_XLSR = "facebook/wav2vec2-xls-r-300m"
DEFAULT_SENTENCE_EMBEDDING_DIM = 768  # LaBSE


@dataclass(frozen=True)
class SAMUConfig:
    """SAMU-XLS-R utterance encoder (SAMU-XLSR, arXiv 2205.08180, §II): speech encoder → attention
    pooling → linear projection → tanh."""

    speech_encoder: str = DEFAULT_XLSR  # HF id or local path (wav2vec2/XLS-R; Whisper encoders work too)
    embedding_dim: int = DEFAULT_SENTENCE_EMBEDDING_DIM  # projection width = the teacher's sentence embedding width
    encoder_training: str = "adapters"  # adapters (Houlsby, frozen base) | full (all but the conv front end: paper)
    adapter_dim: int = 64  # Houlsby adapter bottleneck width
    tanh: bool = True  # e = tanh(W v + b), matching LaBSE's tanh pooler


@dataclass(frozen=True)
class SemanticDistillConfig:
    """``zst distill --objective semantic``: SAMU-XLS-R semantic distillation."""

    manifest: str = ""  # cuts.jsonl.gz from `zst prepare --sentence-model` (cached sentence embeddings)
    model: SAMUConfig = field(default_factory=SAMUConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)


@dataclass(frozen=True)
class STConfig:
    """Encoder-decoder speech translation model (Khurana et al., ICASSP 2023, "Improved
    cross-lingual transfer learning for automatic speech translation")."""

    speech_encoder: str = DEFAULT_XLSR  # HF id or local path; with --init, the SAMU checkpoint's encoder
    text_model: str = DEFAULT_TEXT_MODEL  # seq2seq model whose decoder is used (NLLB / M2M100 family)
    encoder_training: str = "adapters"  # adapters | full (as SAMUConfig; with --init, the SAMU checkpoint's)
    adapter_dim: int = 64  # speech-encoder Houlsby adapter bottleneck width
    decoder_adapter_dim: int = 64  # decoder Houlsby adapter bottleneck width
    length_adapter_layers: int = 2  # Conv1d stride-2 + GLU layers: 50 Hz encoder frames -> 50 / 2**n Hz
    train_cross_attention: bool = True  # also train the decoder's cross-attention (it never saw speech)


@dataclass(frozen=True)
class TrainSTConfig:
    """``zst train-nll --arch st``: NLL on X->Y translation pairs."""

    manifest: str = ""  # cuts.jsonl.gz from `zst prepare` with translations attached
    init: str | None = None  # SAMU run dir or checkpoint whose encoder initialises the ST encoder; None = plain
    tgt_languages: tuple[str, ...] = ()  # translation targets to train on (ISO 639-1); empty = every one attached
    model: STConfig = field(default_factory=STConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)


@dataclass(frozen=True)
class WhisperFinetuneConfig:
    """``zst train-nll --arch whisper``: Whisper decoder fine-tuning on X->Y pairs, encoder frozen
    (Whisper cross-lingual study §4.3, Table 2; Table 8 for the modes)."""

    manifest: str = ""  # cuts.jsonl.gz from `zst prepare` with translations attached
    model: str = "openai/whisper-large-v3"  # Whisper HF id or folder
    tgt_languages: tuple[str, ...] = ("zh",)  # translation targets (ISO 639-1)
    src_languages: tuple[str, ...] = ()  # source languages to train on (empty = all), e.g. ("en",)
    task: str = "transcribe"  # task token forced after <|tgt|> (the paper fine-tunes with <|zh|><|transcribe|>)
    finetune: str = "decoder"  # decoder | lora | full
    lora_r: int = 8  # paper Table 8: rank 8 in the decoder
    lora_alpha: int = 16
    lora_targets: tuple[str, ...] = ("q_proj", "v_proj")
    optim: OptimConfig = field(default_factory=OptimConfig)


DEFAULT_LLM = "bigscience/mt0-xl"


@dataclass(frozen=True)
class SLMModelConfig:
    """Zero-resource speech LLM architecture (Mundnich et al., §II): speech encoder → softmax-weighted
    layer average (Eq. 1) → 2-layer 1-D CNN adapter → soft prompt of the mT0 (MT5) encoder + LoRA."""

    speech_encoder: str = DEFAULT_SPEECH_ENCODER  # HF id or local path (Whisper or wav2vec2/MMS)
    llm: str = DEFAULT_LLM  # HF id or local path of an mT0 / MT5 (encoder-decoder) model
    kernel_size: int = 3  # CNN adapter kernel, both layers (paper: 3)
    lora: bool = True  # LoRA on the LLM (False: CNN only, paper Table I row 4)
    lora_r: int = 16  # LoRA rank r (paper: 16)
    lora_alpha: float = 10.0  # LoRA scale alpha (paper: 10)
    lora_dropout: float = 0.05  # dropout on the LoRA branch input
    lora_targets: tuple[str, ...] = ("q", "v")  # LLM linear modules with LoRA (MT5: q k v o wi_0 wi_1 wo)
    max_target_tokens: int = 256  # longer transcripts/translations are truncated, tokens


@dataclass(frozen=True)
class SLMConfig:
    """``zst train-slm``: train the zero-resource speech LLM (paper §II-E/F)."""

    manifest: str = ""  # cuts.jsonl.gz from `zst prepare` (transcripts; translations for ST)
    tasks: tuple[str, ...] = ("st", "asr")  # st (into st_target) and/or asr; one task per example, uniformly
    st_target: str = "en"  # ST target language (ISO 639-1); cuts need custom translations into it
    schedule: str = "joint"  # joint | sequential (CNN pretrained on ASR for pretrain_steps, then CNN + LoRA)
    pretrain_steps: int = 10_000  # sequential schedule: optimizer updates of the CNN-only ASR stage
    st_prompts: str | None = None  # file of ST training prompts, one per line, with {target}; None = built-in 25
    asr_prompts: str | None = None  # file of ASR training prompts, one per line, with {language}; None = built-in 25
    model: SLMModelConfig = field(default_factory=SLMModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)


@dataclass(frozen=True)
class TranslateConfig:
    model: str | None = None  # ZeroST checkpoint dir or run dir; None = the embedded default model
    tgt: tuple[str, ...] = ()  # target languages (ISO 639-1/3 or NLLB codes); empty = en (or, Whisper with
    # task transcribe: ASR in each input's language)
    src: str | None = None  # source language of the audio (informational, written to predictions)
    task: str = "translate"  # translate | transcribe (speech LLM: ASR in each input's --src language; Whisper:
    # the <|transcribe|> token, ASR unless --tgt is given)
    decode_lang: str | None = None  # Whisper: language token replacing the source's (unseen source languages)
    beam_size: int = 4
    max_new_tokens: int = 200  # per segment
    length_penalty: float | None = None  # beam search's length exponent (HF length_penalty); None: the model's own
    batch_size: int = 8  # segments per forward pass
    device: str = "auto"


@dataclass(frozen=True)
class EvalConfig:
    predictions: str = ""  # predictions.jsonl from `zst translate`
    refs: str | None = None  # optional TSV id<TAB>reference
    protocol: str | None = None  # europarl-st: 72-direction grid, per-source means, heatmap
    language_id: bool = False  # langdetect hypotheses: language accuracy, WER on right-language ones, PNG
    seed: int = 0  # langdetect seed


@dataclass(frozen=True)
class RetrieveConfig:
    """``zst retrieve``: speech-to-speech retrieval (Whisper cross-lingual retrieval paper, §3)."""

    manifest: str = ""  # cuts.jsonl.gz from `zst prepare` (or its run dir) holding every language
    model: str = DEFAULT_SPEECH_ENCODER  # speech encoder: HF id or local path (Whisper or wav2vec2/MMS)
    layer: int | None = None  # encoder layer whose output is used (0 = embeddings, -1 / None = last)
    src: tuple[str, ...] = ()  # query languages (ISO 639-1); every (src, tgt) pair with src != tgt is scored
    tgt: tuple[str, ...] = ()  # candidate languages (ISO 639-1)
    metric: str = "seqsim"  # seqsim (Eq. 1) | avgsim (Eq. 2) | dtw | ot; a SAMU model: cosine of utterance embeddings
    candidates: str = "speech"  # speech | text (SAMU model only: the cached sentence embeddings of the tgt transcripts)
    faiss_prefilter: int | None = None  # keep the K best candidates by AvgSim (faiss), rerank with metric
    ot_solver: str = "auto"  # auto (exact POT ot.emd2 per pair on CPU, batched Sinkhorn on GPU) | exact | sinkhorn
    ot_reg: float = 0.005  # Sinkhorn entropic regularisation (cost units: cosine distance)
    max_memory_mb: float = 512.0  # bound on one scoring block's similarity tensors, MiB
    batch_size: int = 8  # utterances (or window-long pieces) per encoder forward pass
    device: str = "auto"  # auto | cpu | cuda (encoder and scoring)
    seed: int = 0


C = TypeVar("C")


def _coerce(value: Any, tp: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if value is None:
        if tp is type(None) or type(None) in args:
            return None
        raise ConfigError(f"config key '{key}': null is not allowed")
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        non_none = [a for a in args if a is not type(None)]
        return _coerce(value, non_none[0], key)
    if dataclasses.is_dataclass(tp):
        if isinstance(tp, type) and isinstance(value, tp):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"config key '{key}': expected a mapping, got {value!r}")
        return build(tp, value, prefix=f"{key}.")
    if origin is tuple:
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"config key '{key}': expected a list, got {value!r}")
        inner = args[0] if args else str
        return tuple(_coerce(v, inner, key) for v in value)
    try:
        if tp is bool:
            if isinstance(value, str):
                if value.lower() in ("true", "yes", "1"):
                    return True
                if value.lower() in ("false", "no", "0"):
                    return False
                raise ValueError(value)
            return bool(value)
        if tp in (int, float, str):
            if tp is int and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return tp(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key '{key}': expected {tp.__name__}, got {value!r}") from None
    return value


def build(cls: type[C], values: dict[str, Any], prefix: str = "") -> C:
    """Make ``cls`` from a (possibly nested) mapping, checking keys and coercing types."""
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"unknown config key '{prefix}{unknown[0]}' (valid: {', '.join(sorted(names))})")
    kwargs = {k: _coerce(v, hints[k], prefix + k) for k, v in values.items()}
    return cls(**kwargs)


def _set_dotted(tree: dict[str, Any], dotted: str, value: Any) -> None:
    node = tree
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in top.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file into a mapping (``ConfigError`` naming the file on any problem)."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: config file not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{p}: invalid YAML ({str(e).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping at the top level")
    data.pop("command", None)  # a run dir's config.yaml can be reused as --config
    return data


def resolve(cls: type[C], config_file: str | Path | None, flags: dict[str, Any]) -> C:
    """Defaults <- YAML file <- flags. ``flags`` keys may be dotted (``optim.lr``); ``None`` values
    mean "not given" and are ignored."""
    tree: dict[str, Any] = load_yaml(config_file) if config_file else {}
    given: dict[str, Any] = {}
    for k, v in flags.items():
        if v is not None:
            _set_dotted(given, k, v)
    return build(cls, _merge(tree, given))
