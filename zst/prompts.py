"""Task prompts of the zero-resource speech LLM (Mundnich et al., §II-E "Train prompts", "Test prompts").

The audio embeddings come first and the prompt follows them, so every prompt refers to "the
preceding audio". Training samples one of 25 paraphrases per task uniformly at random; inference
uses the paper's fixed test prompts. Slots:

* ``{target}`` — ST prompts: the English name of the target language ("English");
* ``{language}`` — ASR prompts: the English name of the spoken language ("Catalan").

Languages are ISO 639-1 codes in zst and become names here (:func:`zst.languages.language_name`),
as mT0 was instruction-tuned on natural-language prompts.

A prompt file (``--st-prompts`` / ``--asr-prompts``) is UTF-8 text, one prompt per line; blank
lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Sequence

from zst.errors import ConfigError
from zst.languages import language_name

TASKS = ("st", "asr")

#: The slot each task's prompts must have.
TASK_SLOT = {"st": "target", "asr": "language"}

#: 25 paraphrases of "Perform speech translation into English using the preceding audio:".
ST_TRAIN_PROMPTS: tuple[str, ...] = (
    "Perform speech translation into {target} using the preceding audio:",
    "Translate the preceding audio into {target}:",
    "Translate the speech above into {target} text:",
    "Render the preceding spoken content in {target}:",
    "Write a {target} translation of the preceding audio:",
    "Provide the {target} translation of the speech you just heard:",
    "Convert the preceding speech into written {target}:",
    "What does the preceding audio say? Answer in {target}:",
    "Give a {target} translation of the preceding recording:",
    "Listen to the preceding audio and translate it into {target}:",
    "Translate what is said in the preceding audio into {target}:",
    "Produce a {target} text translation of the preceding speech:",
    "Express the content of the preceding audio in {target}:",
    "Translate the preceding utterance into {target}:",
    "The preceding audio needs a {target} translation. Translate it:",
    "Turn the preceding spoken words into {target} text:",
    "Perform a translation of the preceding speech into {target}:",
    "Write down in {target} what the speaker in the preceding audio says:",
    "Translate the spoken sentence above into {target}:",
    "Into {target}, translate the preceding audio:",
    "Speech translation task: translate the preceding audio into {target}:",
    "Provide a written {target} version of the preceding speech:",
    "Translate this preceding audio clip into {target}:",
    "Give the meaning of the preceding speech in {target}:",
    "Using the preceding audio, perform speech translation to {target}:",
)

#: 25 paraphrases of "Perform speech recognition in {language} using the preceding audio:".
ASR_TRAIN_PROMPTS: tuple[str, ...] = (
    "Perform speech recognition in {language} using the preceding audio:",
    "Transcribe the preceding {language} audio:",
    "Write down the {language} speech you just heard:",
    "Transcribe the preceding audio, which is in {language}:",
    "The preceding audio is in {language}. Transcribe it:",
    "Provide a {language} transcript of the preceding recording:",
    "Convert the preceding {language} speech into text:",
    "What is said in the preceding {language} audio? Write it down:",
    "Perform {language} speech recognition on the preceding audio:",
    "Listen to the preceding audio and transcribe it in {language}:",
    "Give the {language} transcription of the preceding speech:",
    "Write the words spoken in {language} in the preceding audio:",
    "Recognize the {language} speech in the preceding audio:",
    "Transcribe the preceding utterance in {language}:",
    "Speech recognition task ({language}): transcribe the preceding audio:",
    "Turn the preceding {language} speech into written {language}:",
    "Produce a verbatim {language} transcript of the preceding audio:",
    "The speaker in the preceding audio speaks {language}. Write down what they say:",
    "Transcribe the spoken {language} sentence above:",
    "In {language}, transcribe the preceding audio:",
    "Write out the preceding {language} recording as text:",
    "Provide the text of the preceding {language} speech:",
    "Perform automatic speech recognition in {language} on the preceding audio:",
    "Type out what is said in the preceding audio, in {language}:",
    "Using the preceding audio, perform speech recognition in {language}:",
)

#: The paper's fixed test prompts (§II-E).
ST_TEST_PROMPT = "Transcribe the content of this audio into {target} in textual form:"
ASR_TEST_PROMPT = "The preceding audio is in {language}. Perform speech recognition (in {language}):"

TRAIN_PROMPTS = {"st": ST_TRAIN_PROMPTS, "asr": ASR_TRAIN_PROMPTS}
TEST_PROMPTS = {"st": ST_TEST_PROMPT, "asr": ASR_TEST_PROMPT}


def _slots(prompt: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(prompt) if name is not None}


def check_prompt(prompt: str, task: str, where: str) -> str:
    """Return ``prompt`` if it has exactly the slot ``task`` needs (:data:`TASK_SLOT`).

    Raises:
        ConfigError: (naming ``where``) the slot is missing, another slot is used, or braces are unbalanced.
    """
    need = TASK_SLOT[task]
    try:
        slots = _slots(prompt)
    except ValueError as e:
        raise ConfigError(f"{where}: malformed prompt {prompt!r} ({e})") from None
    if need not in slots:
        raise ConfigError(f"{where}: {task.upper()} prompt {prompt!r} has no {{{need}}} slot")
    if slots - {need}:
        raise ConfigError(f"{where}: {task.upper()} prompt {prompt!r} uses unknown slot(s) "
                          f"{', '.join('{' + s + '}' for s in sorted(slots - {need}))} (only {{{need}}})")
    return prompt


def load_prompts(path: str | Path, task: str) -> tuple[str, ...]:
    """Read and validate a prompt file for ``task`` (``"st"`` or ``"asr"``); see the module docstring.

    Raises:
        ConfigError: the file is missing or empty, or a line fails :func:`check_prompt` (named by line).
    """
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: {task.upper()} prompt file not found")
    prompts = []
    for lineno, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):
            prompts.append(check_prompt(line, task, f"{p}:{lineno}"))
    if not prompts:
        raise ConfigError(f"{p}: no prompts in the file")
    return tuple(prompts)


def fill(prompt: str, task: str, lang: str) -> str:
    """``prompt`` with its slot filled by the English name of ``lang`` (ISO 639-1): the ST target
    language or the ASR spoken language.

    Raises:
        UnknownLanguageError: ``lang`` is not in zst's language table.
    """
    return prompt.format(**{TASK_SLOT[task]: language_name(lang)})


def sample_prompts(prompts: Sequence[str], task: str, langs: Sequence[str], rng: random.Random) -> list[str]:
    """One uniformly drawn prompt per example, filled with its language (see :func:`fill`)."""
    return [fill(rng.choice(prompts), task, lang) for lang in langs]
