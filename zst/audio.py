"""Audio loading: any common format to float32 mono at 16 kHz, optionally cut to a segment.

Decoding goes through soundfile (libsndfile: wav, flac, ogg/vorbis, mp3, ...) and, for containers
libsndfile cannot read (m4a/aac/mp4/webm/opus, or anything it rejects), an ``ffmpeg`` subprocess
that writes raw little-endian float32 to stdout. Resampling of soundfile-decoded audio uses
:func:`scipy.signal.resample_poly` (polyphase FIR, Kaiser window).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from math import gcd
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from zst.errors import AudioError

__all__ = [
    "AUDIO_EXTENSIONS",
    "FFMPEG_EXTENSIONS",
    "SAMPLE_RATE",
    "audio_duration",
    "load_audio",
    "save_wav",
]

SAMPLE_RATE = 16_000
"""Sample rate (Hz) of every waveform zst feeds to a model."""

FFMPEG_EXTENSIONS = (".m4a", ".aac", ".mp4", ".webm", ".opus")
"""Suffixes decoded with ffmpeg directly (libsndfile cannot read these containers)."""

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", *FFMPEG_EXTENSIONS)
"""Lower-case file suffixes that zst treats as audio when scanning folders."""


def _one_line(text: str) -> str:
    """First non-empty line of a decoder message (our errors are one line)."""
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return "unknown error"


def _ffmpeg_bin(name: str, path: Path) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise AudioError(f"{path}: decoding {path.suffix or 'this file'} needs {name}, which is not on PATH")
    return exe


def _probe_duration(path: Path) -> float:
    """Container duration in seconds via ffprobe (AudioError if ffprobe fails)."""
    exe = _ffmpeg_bin("ffprobe", path)
    proc = subprocess.run(
        [exe, "-v", "error", "-show_entries", "format=duration", "-of", "default=nw=1:nk=1", str(path)],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    out = proc.stdout.strip().splitlines()
    try:
        value = float(out[0]) if proc.returncode == 0 and out else math.nan
    except ValueError:  # "N/A"
        value = math.nan
    if not math.isfinite(value):
        reason = _one_line(proc.stderr) if proc.stderr.strip() else "no duration in container"
        raise AudioError(f"{path}: cannot read audio ({reason})")
    return value


def _decode_ffmpeg(path: Path, sample_rate: int, offset: float, duration: float | None) -> np.ndarray:
    """Decode with ffmpeg to float32 mono at ``sample_rate``; ffmpeg cuts and resamples."""
    exe = _ffmpeg_bin("ffmpeg", path)
    cmd = [exe, "-nostdin", "-v", "error"]
    if offset > 0:
        cmd += ["-ss", f"{offset:.6f}"]  # input seeking; exact for audio since ffmpeg decodes from there
    if duration is not None:
        cmd += ["-t", f"{duration:.6f}"]
    # -rematrix_maxval 1 normalises the downmix gain, so stereo -> mono is the mean of both channels
    # (ffmpeg's default for float output is (L + R) / sqrt(2)).
    cmd += ["-i", str(path), "-vn", "-rematrix_maxval", "1", "-f", "f32le", "-ac", "1", "-ar", str(sample_rate), "-"]
    proc = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise AudioError(f"{path}: cannot decode audio ({_one_line(proc.stderr.decode('utf-8', 'replace'))})")
    audio = np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)
    if audio.size == 0 and offset > 0:
        total = _probe_duration(path)
        if offset >= total:
            raise AudioError(f"{path}: offset {offset:g} s is past the end of the audio ({total:.3f} s)")
    return audio


def _decode_soundfile(path: Path, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    """Decode with soundfile; returns (float32 mono at the file's rate, rate). Raises sf errors."""
    with sf.SoundFile(str(path)) as f:
        sr = f.samplerate
        start = int(round(offset * sr))
        if start > 0:
            if f.frames > 0 and start >= f.frames:
                raise AudioError(f"{path}: offset {offset:g} s is past the end of the audio ({f.frames / sr:.3f} s)")
            f.seek(start)
        frames = -1 if duration is None else int(round(duration * sr))
        data = f.read(frames, dtype="float32", always_2d=True)
    return data.mean(axis=1, dtype=np.float32), sr


def load_audio(
    path: str | Path,
    *,
    sample_rate: int = SAMPLE_RATE,
    offset: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """Load an audio file (or a segment of it) as float32 mono at ``sample_rate``.

    Args:
        path: audio file. wav/flac/ogg/mp3 (and anything else libsndfile reads) go through
            soundfile; m4a/aac/mp4/webm/opus, and files soundfile rejects, through ffmpeg.
        sample_rate: output rate in Hz (default 16 000).
        offset: start of the segment in seconds from the start of the file (>= 0).
        duration: segment length in seconds (> 0), or None for "to the end". A segment running
            past the end of the file is silently shortened.

    Returns:
        ``np.ndarray`` of shape ``(n,)``, dtype float32, values nominally in [-1, 1]. Channels
        are averaged (ffmpeg path: stereo is averaged exactly, >2 channels use ffmpeg's
        standard downmix normalised to unit gain). soundfile-decoded audio is resampled with
        ``scipy.signal.resample_poly``; ffmpeg resamples itself (``-ar``).

    Raises:
        AudioError: (one line naming ``path``) missing file, undecodable data, ffmpeg needed but
            missing, offset past the end, empty result (0 samples), NaN/Inf samples, or an
            invalid offset/duration/sample_rate.
    """
    path = Path(path)
    if not (isinstance(sample_rate, int) and sample_rate > 0):
        raise AudioError(f"{path}: sample_rate must be a positive integer in Hz, got {sample_rate!r}")
    if not (math.isfinite(offset) and offset >= 0):
        raise AudioError(f"{path}: offset must be a finite number of seconds >= 0, got {offset!r}")
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise AudioError(f"{path}: duration must be a finite number of seconds > 0, got {duration!r}")
    if not path.exists():
        raise AudioError(f"{path}: audio file not found")
    if not path.is_file():
        raise AudioError(f"{path}: not a file")

    if path.suffix.lower() in FFMPEG_EXTENSIONS:
        audio = _decode_ffmpeg(path, sample_rate, offset, duration)
    else:
        try:
            audio, sr = _decode_soundfile(path, offset, duration)
        except (sf.LibsndfileError, RuntimeError, TypeError) as sf_err:
            # libsndfile cannot read it: try ffmpeg, which knows many more formats.
            if shutil.which("ffmpeg") is None:
                raise AudioError(f"{path}: cannot decode audio ({_one_line(sf_err)}; ffmpeg not on PATH)") from None
            audio = _decode_ffmpeg(path, sample_rate, offset, duration)
        else:
            if sr != sample_rate and audio.size:
                g = gcd(sr, sample_rate)
                audio = resample_poly(audio, sample_rate // g, sr // g).astype(np.float32)

    if audio.size == 0:
        cut = f" (offset {offset:g} s, duration {duration:g} s)" if offset or duration else ""
        raise AudioError(f"{path}: audio is empty, 0 samples{cut}")
    if not np.isfinite(audio).all():
        bad = int((~np.isfinite(audio)).sum())
        raise AudioError(f"{path}: audio contains {bad} non-finite samples (NaN/Inf)")
    return np.ascontiguousarray(audio, dtype=np.float32)


def audio_duration(path: str | Path) -> float:
    """Duration of an audio file in seconds, read from its header (no full decode).

    Uses ``soundfile.info`` and falls back to ``ffprobe`` for m4a/aac/mp4/webm/opus and files
    libsndfile cannot open.

    Raises:
        AudioError: (one line naming ``path``) missing file, unreadable header, or ffprobe needed
            but missing.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: audio file not found")
    if path.suffix.lower() not in FFMPEG_EXTENSIONS:
        try:
            info = sf.info(str(path))
            if info.frames > 0 and info.samplerate > 0:
                return info.frames / info.samplerate
        except (sf.LibsndfileError, RuntimeError, TypeError):
            pass
    return _probe_duration(path)


def save_wav(path: str | Path, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write ``audio`` as a 16-bit PCM WAV file.

    Args:
        path: output file (parent directory must exist).
        audio: float array, shape ``(n,)`` mono or ``(n, channels)``, values in [-1, 1]
            (clipped to that range before conversion).
        sample_rate: rate in Hz.

    Raises:
        AudioError: ``audio`` holds NaN/Inf or has more than 2 dimensions.
    """
    path = Path(path)
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim not in (1, 2):
        raise AudioError(f"{path}: audio must have shape (n,) or (n, channels), got {audio.shape}")
    if not np.isfinite(audio).all():
        raise AudioError(f"{path}: refusing to write non-finite samples (NaN/Inf)")
    sf.write(str(path), np.clip(audio, -1.0, 1.0), sample_rate, subtype="PCM_16", format="WAV")
