"""Offline teacher outputs: NLLB text-encoder states of every transcript (ZeroST §2.2).

The KD step compares Q-Former outputs with the frozen NLLB encoder's states ``T (m, d)`` of the
transcript. They are computed once by ``zst prepare`` and stored with Lhotse's array storage
(one ``.npy`` per cut, float16), attached to the cut as ``custom["teacher_states"]`` with the
teacher's id in ``custom["teacher_model"]`` — so ``zst distill`` never loads the NLLB encoder.
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


def teacher_batch(cuts) -> tuple[torch.Tensor, torch.Tensor]:
    """Load and pad the teacher states of a batch of cuts.

    Returns:
        ``T (B, m_max, d)`` float32 and ``mask (B, m_max)`` bool (``True`` = real token).

    Raises:
        ZstError: a cut has no cached teacher states (the manifest was prepared without a text model).
    """
    from zst.errors import ManifestError

    arrays = []
    for c in cuts:
        if not c.has_custom(TEACHER_FIELD):
            raise ManifestError(f"utterance {c.id} has no cached teacher states: run `zst prepare` with --text-model")
        arrays.append(torch.from_numpy(c.load_custom(TEACHER_FIELD).astype(np.float32)))
    m = max(a.shape[0] for a in arrays)
    T = torch.zeros(len(arrays), m, arrays[0].shape[1])
    mask = torch.zeros(len(arrays), m, dtype=torch.bool)
    for i, a in enumerate(arrays):
        T[i, : a.shape[0]] = a
        mask[i, : a.shape[0]] = True
    return T, mask
