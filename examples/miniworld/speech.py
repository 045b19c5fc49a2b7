"""espeak-ng speakers for the mini-world: voice variants, speaking rate, pitch, level and noise.

Each language gets :data:`SPEAKERS_PER_SPLIT` speakers per split, with disjoint voice variants, so
dev and test speakers are never heard in training. A speaker is a fixed combination of an
espeak-ng voice variant (``+f2``, ``+klatt3``, ...), a speaking rate (words per minute), a pitch
(0-99), a peak level and a signal-to-noise ratio for the light white noise added to every
utterance. :func:`speak` returns float32 mono 16 kHz audio.
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import zlib
from dataclasses import dataclass

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

SAMPLE_RATE = 16_000
SPEAKERS_PER_SPLIT = {"train": 14, "dev": 3, "test": 3}

#: ISO 639-1 -> espeak-ng voice. zh is read from pinyin with tone numbers, ja from kana
#: (this espeak-ng build cannot read most hanzi or any kanji).
VOICES = {"en": "en", "fr": "fr", "de": "de", "es": "es", "it": "it", "pt": "pt", "pl": "pl", "ro": "ro",
          "nl": "nl", "zh": "cmn-latn-pinyin", "ja": "ja", "ca": "ca", "af": "af"}

#: espeak-ng voice variants (file name, gender); 20 per language are drawn from these.
VARIANTS = [
    ("m1", "male"), ("m2", "male"), ("m3", "male"), ("m4", "male"), ("m5", "male"), ("m6", "male"),
    ("m7", "male"), ("f1", "female"), ("f2", "female"), ("f3", "female"), ("f4", "female"), ("f5", "female"),
    ("klatt", "male"), ("klatt2", "male"), ("klatt3", "male"), ("Andy", "male"), ("Annie", "female"),
    ("anika", "female"), ("Alicia", "female"), ("Andrea", "female"), ("belinda", "female"), ("david", "male"),
    ("Gene", "male"), ("iven", "male"), ("john", "male"), ("linda", "female"), ("max", "male"),
    ("Michael", "male"), ("norbert", "male"), ("quincy", "male"), ("rob", "male"), ("steph", "female"),
    ("steph2", "female"), ("travis", "male"), ("victor", "male"), ("Denis", "male"), ("edward", "male"),
    ("Lee", "male"), ("Mario", "male"), ("Hugo", "male"),
]


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker of one language."""

    id: str  # e.g. "fr_train_03"
    lang: str
    split: str
    variant: str
    gender: str  # "male" | "female"
    rate: int  # words per minute (espeak-ng -s)
    pitch: int  # 0-99 (espeak-ng -p)
    level: float  # peak amplitude after normalisation
    snr_db: float  # white-noise SNR

    @property
    def voice(self) -> str:
        return f"{VOICES[self.lang]}+{self.variant}"


def _seed(*parts) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def make_speakers(lang: str, seed: int = 0) -> dict[str, list[Speaker]]:
    """Speakers of ``lang`` by split; voice variants are never shared between splits."""
    rng = random.Random(_seed("speakers", lang, seed))
    variants = VARIANTS[:]
    rng.shuffle(variants)
    out, k = {}, 0
    for split, n in SPEAKERS_PER_SPLIT.items():
        out[split] = []
        for i in range(n):
            variant, gender = variants[k]
            k += 1
            out[split].append(Speaker(
                id=f"{lang}_{split}_{i:02d}", lang=lang, split=split, variant=variant, gender=gender,
                rate=rng.randint(135, 195), pitch=rng.randint(30, 70), level=rng.uniform(0.4, 0.9),
                snr_db=rng.uniform(22.0, 40.0)))
    return out


def speak(speech_text: str, speaker: Speaker, *, seed: int = 0) -> np.ndarray:
    """Synthesize ``speech_text`` with ``speaker``: float32 mono 16 kHz ``(n_samples,)``.

    espeak-ng writes 22.05 kHz; the audio is resampled (polyphase, 320/441), padded with 50-250 ms
    of silence at each end, normalised to the speaker's peak level and mixed with white noise at
    the speaker's SNR (noise drawn from ``seed``).

    Raises:
        RuntimeError: espeak-ng is missing or fails.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng not found on PATH (apt-get install espeak-ng)")
    proc = subprocess.run([exe, "-v", speaker.voice, "-s", str(speaker.rate), "-p", str(speaker.pitch),
                           "--stdout", speech_text], capture_output=True)
    if proc.returncode != 0 or not proc.stdout:
        raise RuntimeError(f"espeak-ng failed for {speaker.voice}: {proc.stderr.decode(errors='replace').strip()}")
    audio, sr = sf.read(io.BytesIO(proc.stdout), dtype="float32")
    if sr != 22050:
        raise RuntimeError(f"espeak-ng wrote {sr} Hz, expected 22050")
    audio = resample_poly(audio, 320, 441).astype(np.float32)
    rng = np.random.default_rng(_seed("noise", speaker.id, speech_text, seed))
    pad = lambda: np.zeros(int(rng.uniform(0.05, 0.25) * SAMPLE_RATE), np.float32)  # noqa: E731
    audio = np.concatenate([pad(), audio, pad()])
    peak = float(np.max(np.abs(audio))) or 1.0
    audio *= speaker.level / peak
    speech_rms = float(np.sqrt(np.mean(audio[np.abs(audio) > 1e-4] ** 2))) if np.any(np.abs(audio) > 1e-4) else 0.0
    noise_rms = speech_rms / (10 ** (speaker.snr_db / 20))
    audio += rng.normal(0.0, noise_rms, size=audio.shape).astype(np.float32)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)
