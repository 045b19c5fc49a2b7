"""Tiny random-weight models in the real Hugging Face architectures, and espeak-ng speech.

Tests and demos cannot download checkpoints, so they build miniature ones here and load them back
through exactly the code path a hub id takes (``from_pretrained(path)``, ``AutoTokenizer``,
``AutoFeatureExtractor``)::

    whisper_dir = build_tiny_whisper(tmp / "whisper")      # WhisperForConditionalGeneration
    w2v_dir = build_tiny_wav2vec2(tmp / "w2v")              # Wav2Vec2Model (MMS-style)
    nllb_dir = build_tiny_nllb(tmp / "nllb")                # M2M100ForConditionalGeneration + NllbTokenizer
    mt5_dir = build_tiny_mt5(tmp / "mt5")                   # MT5ForConditionalGeneration + T5Tokenizer (mT0)
    synthesize("The cat sleeps.", "en", tmp / "cat.wav")    # 16 kHz mono 16-bit WAV

Encoder frame rates (the same as the real models):

* tiny Whisper: log-mel at 100 frames/s, always padded/truncated to ``window_seconds``
  (``2 * max_source_positions`` mel frames); encoder output ``max_source_positions``
  = ``window_seconds * 50`` positions, i.e. 50 frames/s.
* tiny wav2vec2: the standard 7-layer conv stack (kernels 10,3,3,3,3,2,2, strides 5,2,2,2,2,2,2),
  320x downsampling = 50 frames/s; ``n`` samples give ``Wav2Vec2Model._get_feat_extract_output_lengths(n)``
  frames (49 for one second).

Command line: ``python -m zst.testing.tiny --make-examples examples/audio`` rebuilds the example
clips; ``--models DIR`` writes the three tiny models under ``DIR/{whisper,wav2vec2,nllb}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from zst.errors import UnknownLanguageError, ZstError

__all__ = [
    "DEMO_SENTENCES",
    "EXAMPLE_CLIPS",
    "ESPEAK_VOICES",
    "flores200_codes",
    "build_tiny_whisper",
    "build_tiny_whisper_st",
    "whisper_tokenizer",
    "whisper_generation_config",
    "whisper_config",
    "build_tiny_wav2vec2",
    "build_tiny_nllb",
    "build_tiny_bert",
    "build_tiny_mt5",
    "mt5_config",
    "train_unigram",
    "synthesize",
    "make_examples",
]

#: Short parallel sentences (same index = same meaning) in English, French and German.
DEMO_SENTENCES: dict[str, list[str]] = {
    "en": [
        "The cat sleeps.",
        "The dog eats bread.",
        "I drink water.",
        "The house is big.",
        "Good morning, my friend.",
        "We like green apples.",
    ],
    "fr": [
        "Le chat dort.",
        "Le chien mange du pain.",
        "Je bois de l'eau.",
        "La maison est grande.",
        "Bonjour, mon ami.",
        "Nous aimons les pommes vertes.",
    ],
    "de": [
        "Die Katze schläft.",
        "Der Hund isst Brot.",
        "Ich trinke Wasser.",
        "Das Haus ist groß.",
        "Guten Morgen, mein Freund.",
        "Wir mögen grüne Äpfel.",
    ],
}

#: The committed example clips: (file name, language, index into DEMO_SENTENCES[language]).
EXAMPLE_CLIPS: list[tuple[str, str, int]] = [
    ("en_cat.wav", "en", 0),
    ("fr_chat.wav", "fr", 0),
    ("de_katze.wav", "de", 0),
]

#: ISO 639-1 code -> espeak-ng voice.
ESPEAK_VOICES: dict[str, str] = {
    "en": "en",
    "fr": "fr",
    "de": "de",
    "es": "es",
    "it": "it",
    "pt": "pt",
    "pl": "pl",
    "ro": "ro",
    "nl": "nl",
    "zh": "cmn",
    "ja": "ja",
    "ca": "ca",
    "af": "af",
}

SAMPLING_RATE = 16000

# Characters every tiny NLLB vocabulary can spell, so that European text round-trips without <unk>.
_BASE_ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    ".,;:!?¿¡'\"-–—()[]/%&+*=@#$€"
    "àáâãäåæçèéêëìíîïñòóôõöøœùúûüýÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØŒÙÚÛÜÝ"
    "ąćęłńśźżĄĆĘŁŃŚŹŻăâîșțĂÎȘȚşţ"
)


def flores200_codes() -> list[str]:
    """The 202 FLORES-200 language codes of NLLB (``eng_Latn``, ``fra_Latn``, ...), in NLLB's id order."""
    from transformers.models.nllb.tokenization_nllb import FAIRSEQ_LANGUAGE_CODES

    return list(FAIRSEQ_LANGUAGE_CODES)


@contextlib.contextmanager
def _seeded(seed: int):
    """Seed torch for weight initialisation without disturbing the caller's global RNG state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def _fresh_dir(out_dir: str | os.PathLike) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return out


# --------------------------------------------------------------------------------------------------
# Whisper
# --------------------------------------------------------------------------------------------------


def build_tiny_whisper(
    out_dir: str | os.PathLike,
    *,
    num_mel_bins: int = 80,
    window_seconds: int = 4,
    d_model: int = 64,
    layers: int = 2,
    heads: int = 4,
    seed: int = 0,
) -> Path:
    """Save a tiny random ``WhisperForConditionalGeneration`` and its ``WhisperFeatureExtractor``.

    The encoder window is ``window_seconds`` long: the feature extractor pads/truncates audio to
    ``window_seconds * 16000`` samples = ``window_seconds * 100`` mel frames, and the model's
    ``max_source_positions`` is ``window_seconds * 50`` (encoder output frames, 50 per second).
    ``window_seconds`` must be a whole number (transformers recomputes the extractor's sample count
    from it on load). No tokenizer is saved (the decoder vocabulary is a
    dummy of 128 ids: pad = bos = eos = 126, decoder start = 127).
    """
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

    # WhisperFeatureExtractor.__init__ recomputes n_samples = chunk_length * sampling_rate on every
    # load and slices with it, so only a whole number of seconds survives save/reload.
    if window_seconds <= 0 or not float(window_seconds).is_integer():
        raise ValueError(f"window_seconds must be a positive whole number of seconds, got {window_seconds!r}")
    chunk_length = int(window_seconds)
    max_source_positions = chunk_length * 50
    if d_model % heads:
        raise ValueError(f"d_model={d_model} is not divisible by heads={heads}")

    out = _fresh_dir(out_dir)
    vocab_size = 128
    eos = vocab_size - 2
    config = WhisperConfig(
        vocab_size=vocab_size,
        num_mel_bins=num_mel_bins,
        encoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_layers=layers,
        decoder_attention_heads=heads,
        encoder_ffn_dim=4 * d_model,
        decoder_ffn_dim=4 * d_model,
        d_model=d_model,
        max_source_positions=max_source_positions,
        max_target_positions=64,
        pad_token_id=eos,
        bos_token_id=eos,
        eos_token_id=eos,
        decoder_start_token_id=vocab_size - 1,
        suppress_tokens=[],
        begin_suppress_tokens=[eos],
    )
    with _seeded(seed):
        model = WhisperForConditionalGeneration(config)
    model.eval()
    model.save_pretrained(out)

    fe = WhisperFeatureExtractor(
        feature_size=num_mel_bins,
        sampling_rate=SAMPLING_RATE,
        hop_length=160,
        chunk_length=chunk_length,
        n_fft=400,
        return_attention_mask=False,
    )
    assert fe.n_samples == chunk_length * SAMPLING_RATE and fe.nb_max_frames == 2 * max_source_positions
    fe.save_pretrained(out)
    return out


WHISPER_SPECIAL_AFTER_LANGS = ("<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                               "<|notimestamps|>")


def whisper_tokenizer(texts: Sequence[str], vocab_size: int):
    """A ``WhisperTokenizer``: byte-level BPE trained on ``texts``, then Whisper's special tokens in
    Whisper's order (``<|endoftext|>``, ``<|startoftranscript|>``, one ``<|xx|>`` per Whisper
    language, ``<|translate|>``, ``<|transcribe|>``, ..., ``<|notimestamps|>``; no timestamp tokens),
    so a language's id is ``sot + 1 + index`` as transformers' tokenizer and ``generate`` assume."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import WhisperTokenizer
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    backend.train_from_iterator(list(texts), trainer)
    m = json.loads(backend.to_str())["model"]
    merges = [tuple(x) if isinstance(x, list) else tuple(x.split(" ")) for x in m["merges"]]
    specials = ["<|startoftranscript|>", *[f"<|{c}|>" for c in LANGUAGES], *WHISPER_SPECIAL_AFTER_LANGS]
    tok = WhisperTokenizer(vocab=m["vocab"], merges=merges, model_max_length=64)
    tok.add_special_tokens({"additional_special_tokens": specials})
    sot = tok.convert_tokens_to_ids("<|startoftranscript|>")
    assert tok.convert_tokens_to_ids("<|en|>") == sot + 1
    assert tok.convert_tokens_to_ids("<|notimestamps|>") == len(tok) - 1
    return tok


def whisper_generation_config(tok, max_length: int = 64):
    """Whisper's multilingual ``GenerationConfig`` for ``tok`` (``lang_to_id``, ``task_to_id``,
    ``<|notimestamps|>``), so ``generate(language=..., task=...)`` forces the context tokens."""
    from transformers import GenerationConfig
    from transformers.models.whisper.tokenization_whisper import LANGUAGES

    ids = tok.convert_tokens_to_ids
    eot, sot = ids("<|endoftext|>"), ids("<|startoftranscript|>")
    return GenerationConfig(
        decoder_start_token_id=sot, bos_token_id=eot, eos_token_id=eot, pad_token_id=eot, max_length=max_length,
        is_multilingual=True, lang_to_id={f"<|{c}|>": ids(f"<|{c}|>") for c in LANGUAGES},
        task_to_id={"transcribe": ids("<|transcribe|>"), "translate": ids("<|translate|>")},
        no_timestamps_token_id=ids("<|notimestamps|>"), prev_sot_token_id=ids("<|startofprev|>"),
        suppress_tokens=[], begin_suppress_tokens=[eot], return_timestamps=False)


def whisper_config(tok, *, window: int, d_model: int, enc_layers: int, dec_layers: int, heads: int,
                   dropout: float = 0.0):
    """A multilingual ``WhisperConfig`` for tokenizer ``tok``: 80 log-mel bins, a ``window``-second
    input (``max_source_positions`` = 50 × window), tied output projection."""
    from transformers import WhisperConfig

    ids = tok.convert_tokens_to_ids
    eot, sot = ids("<|endoftext|>"), ids("<|startoftranscript|>")
    return WhisperConfig(
        vocab_size=len(tok), num_mel_bins=80, d_model=d_model, encoder_layers=enc_layers, decoder_layers=dec_layers,
        encoder_attention_heads=heads, decoder_attention_heads=heads, encoder_ffn_dim=4 * d_model,
        decoder_ffn_dim=4 * d_model, max_source_positions=50 * window, max_target_positions=64,
        pad_token_id=eot, bos_token_id=eot, eos_token_id=eot, decoder_start_token_id=sot, dropout=dropout,
        suppress_tokens=[], begin_suppress_tokens=[eot], tie_word_embeddings=True)


def build_tiny_whisper_st(out_dir: str | os.PathLike, texts: Sequence[str] = (), *, vocab_size: int = 300,
                          window_seconds: int = 4, d_model: int = 64, layers: int = 2, heads: int = 4,
                          seed: int = 0) -> Path:
    """Save a tiny random ``WhisperForConditionalGeneration`` with a Whisper-style tokenizer
    (:func:`whisper_tokenizer` over ``texts``, default :data:`DEMO_SENTENCES`), its multilingual
    generation config and a ``WhisperFeatureExtractor`` for a ``window_seconds`` window: a
    folder that loads like ``openai/whisper-*`` for translation/transcription."""
    from transformers import WhisperFeatureExtractor, WhisperForConditionalGeneration

    out = _fresh_dir(out_dir)
    tok = whisper_tokenizer(list(texts) or [t for row in DEMO_SENTENCES.values() for t in row], vocab_size)
    config = whisper_config(tok, window=window_seconds, d_model=d_model, enc_layers=layers, dec_layers=layers,
                            heads=heads)
    with _seeded(seed):
        model = WhisperForConditionalGeneration(config)
    model.generation_config = whisper_generation_config(tok)
    model.eval().save_pretrained(out)
    tok.save_pretrained(out)
    WhisperFeatureExtractor(feature_size=80, sampling_rate=SAMPLING_RATE, hop_length=160, chunk_length=window_seconds,
                            n_fft=400, return_attention_mask=False).save_pretrained(out)
    return out


# --------------------------------------------------------------------------------------------------
# wav2vec2 / MMS
# --------------------------------------------------------------------------------------------------


def build_tiny_wav2vec2(
    out_dir: str | os.PathLike,
    *,
    hidden: int = 48,
    layers: int = 2,
    heads: int = 4,
    seed: int = 0,
) -> Path:
    """Save a tiny random ``Wav2Vec2Model`` (MMS-style: layer-norm conv features, stable layer norm)
    and a ``Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=True)``.

    The conv feature encoder keeps the standard kernels/strides (320x downsampling, 50 frames/s at
    16 kHz) with only 32 channels per layer.
    """
    from transformers import Wav2Vec2Config, Wav2Vec2FeatureExtractor, Wav2Vec2Model

    if hidden % heads:
        raise ValueError(f"hidden={hidden} is not divisible by heads={heads}")
    groups = 4 if hidden % 4 == 0 else 1
    out = _fresh_dir(out_dir)
    config = Wav2Vec2Config(
        vocab_size=32,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=2 * hidden,
        conv_dim=(32,) * 7,
        conv_kernel=(10, 3, 3, 3, 3, 2, 2),
        conv_stride=(5, 2, 2, 2, 2, 2, 2),
        conv_bias=True,
        feat_extract_norm="layer",
        do_stable_layer_norm=True,
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=groups,
        hidden_dropout=0.0,
        activation_dropout=0.0,
        attention_dropout=0.0,
        feat_proj_dropout=0.0,
        final_dropout=0.0,
        layerdrop=0.0,
        mask_time_prob=0.05,
    )
    with _seeded(seed):
        model = Wav2Vec2Model(config)
    model.eval()
    model.save_pretrained(out)
    fe = Wav2Vec2FeatureExtractor(
        feature_size=1,
        sampling_rate=SAMPLING_RATE,
        padding_value=0.0,
        do_normalize=True,
        return_attention_mask=True,
    )
    fe.save_pretrained(out)
    return out


# --------------------------------------------------------------------------------------------------
# NLLB
# --------------------------------------------------------------------------------------------------


def _train_nllb_bpe(texts: list[str], vocab_size: int) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Train a SentencePiece-style BPE (Metaspace ``▁``, as NLLB's ``sentencepiece.bpe.model``)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    backend = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    backend.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    alphabet = sorted(set(_BASE_ALPHABET) | {"▁"})
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        initial_alphabet=alphabet,
        show_progress=False,
    )
    backend.train_from_iterator(texts, trainer)
    vocab = backend.get_vocab()
    model_json = json.loads(backend.to_str())["model"]
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in model_json["merges"]]
    return vocab, merges


def build_tiny_nllb(
    out_dir: str | os.PathLike,
    *,
    texts: Iterable[str] | None = None,
    langs: Sequence[str] | None = ("eng_Latn", "fra_Latn", "deu_Latn"),
    d_model: int = 32,
    layers: int = 2,
    heads: int = 4,
    vocab_size: int = 400,
    max_position_embeddings: int = 256,
    init_std: float = 0.02,
    seed: int = 0,
) -> Path:
    """Save a tiny random ``M2M100ForConditionalGeneration`` (the NLLB architecture) and an ``NllbTokenizer``.

    The subword vocabulary is a BPE with Metaspace pre-tokenisation (like NLLB's SentencePiece BPE)
    trained on ``texts`` (default: all of :data:`DEMO_SENTENCES`) plus a Latin alphabet, with at most
    ``vocab_size`` pieces; ids 0-3 are ``<s> <pad> </s> <unk>`` as in NLLB. All 202 FLORES-200 codes
    (``eng_Latn`` ...) are special tokens, as in ``facebook/nllb-200-*``; codes in ``langs`` that are
    not FLORES-200 codes are added after them. ``<mask>`` is a special token too.
    ``config.vocab_size == len(tokenizer)``; ``decoder_start_token_id == eos``.
    """
    from transformers import GenerationConfig, M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    if texts is None:
        texts = [s for sents in DEMO_SENTENCES.values() for s in sents]
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("build_tiny_nllb needs at least one non-empty training text")
    if d_model % heads:
        raise ValueError(f"d_model={d_model} is not divisible by heads={heads}")

    codes = flores200_codes()
    for code in langs or ():
        if code not in codes:
            codes.append(code)

    out = _fresh_dir(out_dir)
    vocab, merges = _train_nllb_bpe(texts, vocab_size)
    tok = NllbTokenizer(
        vocab=vocab,
        merges=merges,
        additional_special_tokens=codes,
        model_max_length=max_position_embeddings,
    )
    tok.save_pretrained(out)

    config = M2M100Config(
        vocab_size=len(tok),
        max_position_embeddings=max_position_embeddings,
        d_model=d_model,
        encoder_layers=layers,
        decoder_layers=layers,
        encoder_attention_heads=heads,
        decoder_attention_heads=heads,
        encoder_ffn_dim=4 * d_model,
        decoder_ffn_dim=4 * d_model,
        encoder_layerdrop=0.0,
        decoder_layerdrop=0.0,
        activation_function="relu",
        scale_embedding=True,
        tie_word_embeddings=True,
        pad_token_id=tok.pad_token_id,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        decoder_start_token_id=tok.eos_token_id,
        init_std=init_std,  # larger than NLLB's 0.02 gives a random decoder whose outputs Q can steer
    )
    with _seeded(seed):
        model = M2M100ForConditionalGeneration(config)
    model.eval()
    model.generation_config = GenerationConfig(
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        decoder_start_token_id=tok.eos_token_id,
        max_length=min(200, max_position_embeddings),
    )
    model.save_pretrained(out)
    return out


# --------------------------------------------------------------------------------------------------
# BERT / LaBSE (sentence-embedding teacher)
# --------------------------------------------------------------------------------------------------


def build_tiny_bert(
    out_dir: str | os.PathLike,
    *,
    texts: Iterable[str] | None = None,
    hidden: int = 32,
    layers: int = 2,
    heads: int = 4,
    vocab_size: int = 1000,
    max_len: int = 64,
    seed: int = 0,
) -> Path:
    """Save a tiny random ``BertModel`` with its pooler (the LaBSE architecture) and a cased
    WordPiece ``BertTokenizerFast`` (the tokenizer family of ``examples/miniworld/models/labse.py``'s
    LaBSE). Its sentence embedding is ``pooler_output`` (``[CLS]`` → dense → tanh), L2-normalised,
    ``hidden`` wide.

    The vocabulary is deterministic (``tokenizers``' WordPiece trainer breaks ties differently from
    run to run): the special tokens, every character of ``texts`` (default: all of
    :data:`DEMO_SENTENCES`) alone and as a ``##`` continuation, then their whole words, sorted, up to
    ``vocab_size`` entries.
    """
    from tokenizers import pre_tokenizers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    if texts is None:
        texts = [s for sents in DEMO_SENTENCES.values() for s in sents]
    out = _fresh_dir(out_dir)
    split = pre_tokenizers.BertPreTokenizer()
    words = sorted({w for t in texts for w, _ in split.pre_tokenize_str(t)})
    chars = sorted({ch for w in words for ch in w} | set(_BASE_ALPHABET))
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{ch}" for ch in chars)]
    tokens += [w for w in words if len(w) > 1][: max(0, vocab_size - len(tokens))]
    tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(tokens)}, do_lower_case=False,
                            tokenize_chinese_chars=True, strip_accents=False, model_max_length=max_len)
    tok.save_pretrained(out)
    config = BertConfig(vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                        intermediate_size=4 * hidden, max_position_embeddings=max_len, pad_token_id=tok.pad_token_id)
    with _seeded(seed):
        model = BertModel(config, add_pooling_layer=True)
    model.eval()
    model.save_pretrained(out)
    return out


# --------------------------------------------------------------------------------------------------
# MT5 / mT0
# --------------------------------------------------------------------------------------------------


def train_unigram(texts: list[str], vocab_size: int) -> list[tuple[str, float]]:
    """Train a SentencePiece-style Unigram (Metaspace ``▁``, as mT5's ``spiece.model``) of at most
    ``vocab_size`` pieces on ``texts``: ``[(piece, log-probability)]`` with ids 0-2 = ``<pad> </s> <unk>``
    (also used by the mini-world's mT0, ``examples/miniworld/models/mt5.py``)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    backend = Tokenizer(models.Unigram())
    backend.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
    ])
    alphabet = sorted({c for t in texts for c in t if not c.isspace()} | {"▁"})
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "</s>", "<unk>"],
                                      unk_token="<unk>", initial_alphabet=alphabet, max_piece_length=12,
                                      show_progress=False)
    backend.train_from_iterator(texts, trainer)
    vocab = [(piece, float(score)) for piece, score in json.loads(backend.to_str())["model"]["vocab"]]
    assert [piece for piece, _ in vocab[:3]] == ["<pad>", "</s>", "<unk>"], vocab[:3]
    return vocab


def mt5_config(tokenizer, *, d_model: int, layers: int, heads: int, d_ff: int, dropout_rate: float):
    """An ``MT5Config`` in mT5-small's shape scaled down: ``d_kv = d_model / heads``, gated-GELU
    feed-forward, 32 relative-position buckets up to distance 128, ``<pad>`` as decoder start
    (transformers 5's MT5Config always ties the input and output embeddings)."""
    from transformers import MT5Config

    return MT5Config(
        vocab_size=len(tokenizer),
        d_model=d_model,
        d_kv=d_model // heads,
        d_ff=d_ff,
        num_layers=layers,
        num_decoder_layers=layers,
        num_heads=heads,
        relative_attention_num_buckets=32,
        relative_attention_max_distance=128,
        dropout_rate=dropout_rate,
        feed_forward_proj="gated-gelu",
        initializer_factor=1.0,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )


def build_tiny_mt5(
    out_dir: str | os.PathLike,
    *,
    texts: Iterable[str] | None = None,
    d_model: int = 32,
    layers: int = 2,
    heads: int = 4,
    d_ff: int = 64,
    vocab_size: int = 400,
    seed: int = 0,
) -> Path:
    """Save a tiny random ``MT5ForConditionalGeneration`` (the mT0 architecture) and a ``T5Tokenizer``.

    mT5's conventions: a Unigram vocabulary (Metaspace ``▁``) of at most ``vocab_size`` pieces with
    ``<pad>`` = 0, ``</s>`` = 1, ``<unk>`` = 2, trained on ``texts`` (default: :data:`DEMO_SENTENCES`
    plus the speech-LLM prompts of :mod:`zst.prompts` filled with English, French and German);
    ``</s>`` ends every sequence, decoding starts from ``<pad>``; gated-GELU feed-forward, relative
    position buckets, tied embeddings. The shared embedding is drawn with std ``d_model ** -0.5`` so
    that the tied output layer starts with logits of order 1.
    """
    import torch
    from transformers import GenerationConfig, MT5ForConditionalGeneration, T5Tokenizer

    from zst.prompts import TEST_PROMPTS, TRAIN_PROMPTS, fill

    if texts is None:
        texts = [s for sents in DEMO_SENTENCES.values() for s in sents]
        for task, prompts in TRAIN_PROMPTS.items():
            texts += [fill(p, task, lang) for p in (*prompts, TEST_PROMPTS[task]) for lang in DEMO_SENTENCES]
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise ValueError("build_tiny_mt5 needs at least one non-empty training text")
    if d_model % heads:
        raise ValueError(f"d_model={d_model} is not divisible by heads={heads}")
    out = _fresh_dir(out_dir)
    tok = T5Tokenizer(vocab=train_unigram(texts, vocab_size), extra_ids=0, model_max_length=512)
    tok.save_pretrained(out)
    config = mt5_config(tok, d_model=d_model, layers=layers, heads=heads, d_ff=d_ff, dropout_rate=0.0)
    with _seeded(seed):
        model = MT5ForConditionalGeneration(config)
        torch.nn.init.normal_(model.shared.weight, mean=0.0, std=d_model ** -0.5)
    model.eval()
    model.generation_config = GenerationConfig(eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                                               decoder_start_token_id=tok.pad_token_id)
    model.save_pretrained(out)
    return out


# --------------------------------------------------------------------------------------------------
# Speech synthesis
# --------------------------------------------------------------------------------------------------


def synthesize(
    text: str,
    lang: str,
    out_path: str | os.PathLike,
    *,
    voice: str | None = None,
    speed: int | None = None,
    pitch: int | None = None,
) -> Path:
    """Speak ``text`` with espeak-ng and write a 16 kHz mono 16-bit PCM WAV to ``out_path``.

    ``lang`` is an ISO 639-1 code mapped through :data:`ESPEAK_VOICES` (unless ``voice`` names an
    espeak-ng voice directly); ``speed`` is words per minute (espeak default 175), ``pitch`` 0-99
    (default 50). Raises :class:`~zst.errors.UnknownLanguageError` for an unmapped language and
    :class:`~zst.errors.ZstError` when espeak-ng is missing or fails.
    """
    import numpy as np
    import soundfile as sf
    from scipy.signal import resample_poly

    if not text or not text.strip():
        raise ZstError("synthesize: empty text")
    if voice is None:
        try:
            voice = ESPEAK_VOICES[lang]
        except KeyError:
            raise UnknownLanguageError(
                f"synthesize: no espeak-ng voice for language {lang!r} "
                f"(known: {', '.join(sorted(ESPEAK_VOICES))}); pass voice= explicitly"
            ) from None
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise ZstError("synthesize: espeak-ng not found on PATH (install it, e.g. `apt-get install espeak-ng`)")

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="zst-espeak-") as tmp:
        raw = Path(tmp) / "espeak.wav"
        cmd = [exe, "-b", "1", "-v", voice, "-w", str(raw)]
        if speed is not None:
            cmd += ["-s", str(int(speed))]
        if pitch is not None:
            cmd += ["-p", str(int(pitch))]
        cmd.append("--stdin")
        proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, check=False)
        if proc.returncode != 0 or not raw.exists() or raw.stat().st_size <= 44:
            msg = proc.stderr.decode("utf-8", "replace").strip().replace("\n", " ")
            raise ZstError(f"synthesize: espeak-ng failed for voice {voice!r} (exit {proc.returncode}): {msg}")
        audio, sr = sf.read(str(raw), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if sr != SAMPLING_RATE:
        g = math.gcd(int(sr), SAMPLING_RATE)
        audio = resample_poly(audio, SAMPLING_RATE // g, int(sr) // g)
    audio = np.clip(audio, -1.0, 1.0).astype(np.float32)
    sf.write(str(out), audio, SAMPLING_RATE, subtype="PCM_16", format="WAV")
    return out


def make_examples(out_dir: str | os.PathLike) -> list[Path]:
    """Write :data:`EXAMPLE_CLIPS` (espeak-ng speech) and ``clips.tsv`` (``file\\ttext\\tlang``) to ``out_dir``."""
    out = _fresh_dir(out_dir)
    paths = []
    rows = ["file\ttext\tlang"]
    for name, lang, idx in EXAMPLE_CLIPS:
        text = DEMO_SENTENCES[lang][idx]
        paths.append(synthesize(text, lang, out / name))
        rows.append(f"{name}\t{text}\t{lang}")
    (out / "clips.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return paths


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zst.testing.tiny", description=__doc__.split("\n")[0])
    parser.add_argument("--make-examples", metavar="DIR", help="write the example espeak-ng clips and clips.tsv")
    parser.add_argument("--models", metavar="DIR", help="write tiny whisper/, wav2vec2/ and nllb/ models")
    args = parser.parse_args(argv)
    if not args.make_examples and not args.models:
        parser.error("nothing to do: pass --make-examples DIR and/or --models DIR")
    if args.make_examples:
        for p in make_examples(args.make_examples):
            print(p)
    if args.models:
        root = Path(args.models)
        print(build_tiny_whisper(root / "whisper"))
        print(build_tiny_wav2vec2(root / "wav2vec2"))
        print(build_tiny_nllb(root / "nllb"))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
