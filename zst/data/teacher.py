"""Offline teacher outputs of every transcript, computed once by ``zst prepare``.

* NLLB text-encoder states (ZeroST §2.2): the KD step compares Q-Former outputs with the frozen
  NLLB encoder's states ``T (m, d)`` of the transcript; stored with Lhotse's array storage (one
  ``.npy`` per cut, float16) as ``custom["teacher_states"]``, the teacher's id in
  ``custom["teacher_model"]`` — so ``zst distill`` never loads the NLLB encoder.
* Sentence embeddings (SAMU-XLS-R §II): the LaBSE embedding ``y (E,)`` of the transcript —
  ``BertModel(...).pooler_output`` (``[CLS]`` → dense → tanh), L2-normalised, as LaBSE and the
  mini-world's LaBSE (``examples/miniworld/models/labse.py``) define it; stored the same way (float32)
  as ``custom["sentence_embedding"]``, the model's id in ``custom["sentence_model"]``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import torch
from lhotse import CutSet
from lhotse.features.io import NumpyFilesWriter

from zst.data.manifests import cut_language, cut_text
from zst.languages import to_nllb
from zst.progress import add_task, progress

TEACHER_FIELD = "teacher_states"
SENTENCE_FIELD = "sentence_embedding"


def pick_device(device: str = "auto") -> torch.device:
    """``auto`` → CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@torch.no_grad()
def cache_teacher_states(cuts: CutSet, text_model: str, out_dir: str | Path, *, batch_size: int = 32,
                         device: str = "auto", max_tokens: int = 256, quiet: bool = False) -> CutSet:
    """Run the NLLB encoder over every transcript and attach its states to the cuts.

    Each transcript is tokenised with its own language code as NLLB's ``src_lang``
    (``[lang, tokens…, </s>]``), so ``T`` has one row per token including those two.

    Args:
        cuts: cuts with one supervision each (text + language).
        text_model: HF id or path of the NLLB model (the teacher).
        out_dir: folder for the ``.npy`` files.
        batch_size: transcripts per forward pass.

    Returns:
        The cuts with ``teacher_states`` (``Array`` of shape ``(m, d)``, float16) and
        ``teacher_model`` set.

    Raises:
        ZstError: the model cannot be loaded or a language has no NLLB code.
    """
    from transformers import AutoModelForSeq2SeqLM

    from zst.models.speech_encoder import load_pretrained
    from zst.models.zerost import load_tokenizer

    dev = pick_device(device)
    tok = load_tokenizer(text_model)
    model = load_pretrained(AutoModelForSeq2SeqLM, text_model, "NLLB model", dtype=torch.float32)
    encoder = model.get_encoder().to(dev).eval()
    by_lang: dict[str, list] = defaultdict(list)
    for cut in cuts:
        by_lang[cut_language(cut)].append(cut)
    stored = {}
    with NumpyFilesWriter(str(Path(out_dir).resolve())) as writer, progress(quiet) as bar:
        task = add_task(bar, "teacher states", len(cuts))
        for lang, group in by_lang.items():
            tok.src_lang = to_nllb(lang)
            for i in range(0, len(group), batch_size):
                chunk = group[i : i + batch_size]
                enc = tok([cut_text(c) for c in chunk], return_tensors="pt", padding=True, truncation=True,
                          max_length=max_tokens).to(dev)
                states = encoder(**enc).last_hidden_state.float().cpu().numpy()
                lengths = enc["attention_mask"].sum(-1).tolist()
                for c, s, n in zip(chunk, states, lengths):
                    stored[c.id] = writer.store_array(c.id, s[:n].astype(np.float16))
                bar.advance(task, len(chunk))
    del model, encoder
    out = []
    for cut in cuts:
        cut = cut.with_custom(TEACHER_FIELD, stored[cut.id])
        out.append(cut.with_custom("teacher_model", str(text_model)))
    return CutSet.from_cuts(out)


def teacher_batch(cuts, *, missing_ok: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Load and pad the teacher states of a batch of cuts.

    Args:
        missing_ok: a cut without cached states gets an all-``False`` mask row instead of an error
            (the auxiliary KD of ``train-nll --kd-weight`` skips it); with no states in the whole
            batch, ``T`` is ``(B, 1, 1)`` zeros.

    Returns:
        ``T (B, m_max, d)`` float32 and ``mask (B, m_max)`` bool (``True`` = real token).

    Raises:
        ManifestError: a cut has no cached teacher states (the manifest was prepared without a text
            model) and ``missing_ok`` is off.
    """
    from zst.errors import ManifestError

    arrays: list[torch.Tensor | None] = []
    for c in cuts:
        if c.has_custom(TEACHER_FIELD):
            arrays.append(torch.from_numpy(c.load_custom(TEACHER_FIELD).astype(np.float32)))
        elif missing_ok:
            arrays.append(None)
        else:
            raise ManifestError(f"utterance {c.id} has no cached teacher states: run `zst prepare` with --text-model")
    present = [a for a in arrays if a is not None]
    m = max((a.shape[0] for a in present), default=1)
    d = present[0].shape[1] if present else 1
    T = torch.zeros(len(arrays), m, d)
    mask = torch.zeros(len(arrays), m, dtype=torch.bool)
    for i, a in enumerate(arrays):
        if a is not None:
            T[i, : a.shape[0]] = a
            mask[i, : a.shape[0]] = True
    return T, mask


@torch.no_grad()
def cache_sentence_embeddings(cuts: CutSet, sentence_model: str, out_dir: str | Path, *, batch_size: int = 32,
                              device: str = "auto", max_tokens: int = 256, quiet: bool = False) -> CutSet:
    """Embed every transcript with a LaBSE-type sentence encoder and attach the embeddings to the cuts.

    Embedding = ``pooler_output`` of the BERT-family model (``[CLS]`` → dense → tanh), L2-normalised
    (LaBSE's definition; SAMU-XLS-R's teacher).

    Args:
        cuts: cuts with one supervision each (text).
        sentence_model: HF id or path of the sentence encoder (``AutoModel`` + ``AutoTokenizer``).
        out_dir: folder for the ``.npy`` files.
        batch_size: transcripts per forward pass.

    Returns:
        The cuts with ``sentence_embedding`` (``Array`` of shape ``(E,)``, float32) and
        ``sentence_model`` set.

    Raises:
        ZstError: the model or tokenizer cannot be loaded, or the model has no pooler.
    """
    from transformers import AutoModel, AutoTokenizer

    from zst.errors import ZstError
    from zst.models.speech_encoder import load_pretrained

    dev = pick_device(device)
    tok = load_pretrained(AutoTokenizer, sentence_model, "sentence-model tokenizer")
    model = load_pretrained(AutoModel, sentence_model, "sentence model", dtype=torch.float32).to(dev).eval()
    cuts = list(cuts)
    stored = {}
    with NumpyFilesWriter(str(Path(out_dir).resolve())) as writer, progress(quiet) as bar:
        task = add_task(bar, "sentence embeddings", len(cuts))
        for i in range(0, len(cuts), batch_size):
            chunk = cuts[i : i + batch_size]
            enc = tok([cut_text(c) for c in chunk], return_tensors="pt", padding=True, truncation=True,
                      max_length=max_tokens).to(dev)
            pooled = getattr(model(**enc), "pooler_output", None)
            if pooled is None:
                raise ZstError(f"--sentence-model {sentence_model}: the model has no pooler output "
                               f"(a LaBSE-type BertModel with its pooling layer is needed)")
            emb = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy()
            for c, e in zip(chunk, emb):
                stored[c.id] = writer.store_array(c.id + ".sent", e.astype(np.float32))
            bar.advance(task, len(chunk))
    del model
    return CutSet.from_cuts(
        c.with_custom(SENTENCE_FIELD, stored[c.id]).with_custom("sentence_model", str(sentence_model)) for c in cuts)


def sentence_embedding_batch(cuts) -> torch.Tensor:
    """Load the cached sentence embeddings of a batch of cuts: ``(B, E)`` float32.

    Raises:
        ManifestError: a cut has none (the manifest was prepared without ``--sentence-model``).
    """
    from zst.errors import ManifestError

    rows = []
    for c in cuts:
        if not c.has_custom(SENTENCE_FIELD):
            raise ManifestError(f"utterance {c.id} has no cached sentence embedding: run `zst prepare` with "
                                f"--sentence-model")
        rows.append(torch.from_numpy(np.asarray(c.load_custom(SENTENCE_FIELD), dtype=np.float32)))
    return torch.stack(rows)
