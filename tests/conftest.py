"""Shared fixtures: tiny random-weight models (built once per session) and espeak-ng speech clips."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

try:  # run from a plain checkout without `pip install -e .`
    import zst  # noqa: F401
except ImportError:  # pragma: no cover
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from zst.testing.tiny import (  # noqa: E402
    DEMO_SENTENCES,
    build_tiny_nllb,
    build_tiny_wav2vec2,
    build_tiny_whisper,
    synthesize,
)

#: NLLB codes the tests rely on (all 202 FLORES-200 codes are in the tiny tokenizer anyway).
TINY_NLLB_LANGS = ("eng_Latn", "fra_Latn", "deu_Latn", "spa_Latn", "ita_Latn", "por_Latn", "zho_Hans")


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """Tiny models train 20-40x faster on one thread when another process competes for the 2 cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test (deselect with -m 'not slow')")


@pytest.fixture(scope="session")
def tiny_whisper_dir(tmp_path_factory) -> Path:
    """Tiny WhisperForConditionalGeneration + WhisperFeatureExtractor: 80 mels, 4 s window (400 mel
    frames -> 200 encoder frames), d_model 64."""
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny_whisper"))


@pytest.fixture(scope="session")
def tiny_wav2vec2_dir(tmp_path_factory) -> Path:
    """Tiny Wav2Vec2Model (50 frames/s, hidden 48) + Wav2Vec2FeatureExtractor."""
    return build_tiny_wav2vec2(tmp_path_factory.mktemp("tiny_wav2vec2"))


@pytest.fixture(scope="session")
def tiny_nllb_dir(tmp_path_factory) -> Path:
    """Tiny M2M100ForConditionalGeneration (d_model 32) + NllbTokenizer trained on DEMO_SENTENCES."""
    texts = [s for sents in DEMO_SENTENCES.values() for s in sents]
    return build_tiny_nllb(tmp_path_factory.mktemp("tiny_nllb"), texts=texts, langs=TINY_NLLB_LANGS)


@pytest.fixture(scope="session")
def speech_clips(tmp_path_factory) -> list[dict]:
    """DEMO_SENTENCES spoken by espeak-ng: 18 dicts ``{"path", "text", "lang"}`` (en, fr, de; 16 kHz mono
    16-bit WAV, each about 1-2 s)."""
    root = tmp_path_factory.mktemp("speech_clips")
    clips = []
    for lang, sentences in DEMO_SENTENCES.items():
        for i, text in enumerate(sentences):
            path = synthesize(text, lang, root / f"{lang}_{i:02d}.wav")
            clips.append({"path": path, "text": text, "lang": lang})
    return clips


def write_parallel_tsv(clips: list[dict], path: Path) -> Path:
    """A `zst prepare folder --tsv` file for ``clips`` (from :func:`speech_clips`): id, file, text,
    lang, parallel_id and ``text_<lang>`` translations into the other demo languages."""
    langs = sorted(DEMO_SENTENCES)
    rows = ["\t".join(["id", "file", "text", "lang", "parallel_id"] + [f"text_{lang}" for lang in langs])]
    for c in clips:
        k = DEMO_SENTENCES[c["lang"]].index(c["text"])
        rows.append("\t".join([f"{c['lang']}_{k}", str(c["path"]), c["text"], c["lang"], str(k)]
                              + [DEMO_SENTENCES[lang][k] if lang != c["lang"] else "" for lang in langs]))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def invoke(*args):
    """Run ``zst ARGS...`` in-process (Typer's CliRunner); arguments are str()-ed."""
    from typer.testing import CliRunner

    from zst.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def ok(*args):
    """:func:`invoke` that must exit 0 (the output and exception are shown otherwise)."""
    r = invoke(*args)
    assert r.exit_code == 0, f"zst {' '.join(map(str, args))} -> {r.exit_code}\n{r.output}\n{r.exception!r}"
    return r


def one_error_line(r, *needles):
    """Exit code 2 and exactly one ``error:`` line on stderr containing every needle."""
    assert r.exit_code == 2, (r.output, r.exception)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    for n in needles:
        assert n in lines[0], lines[0]
