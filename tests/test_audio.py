"""zst.audio: decoding of wav/flac/ogg/mp3 (soundfile) and m4a (ffmpeg), resampling, cuts, errors."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from zst import audio as zaudio
from zst.audio import AUDIO_EXTENSIONS, SAMPLE_RATE, audio_duration, load_audio, save_wav
from zst.errors import AudioError

SR_IN = 44_100
DUR = 2.0
AMP_L, AMP_R = 0.6, 0.2  # mean downmix -> 0.4

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def _peak_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * sr / len(x))


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-v", "error", *args], check=True)


@pytest.fixture(scope="module")
def sine_files(tmp_path_factory):
    """440 Hz stereo sine at 44.1 kHz (L amplitude 0.6, R 0.2), 2 s, in five formats."""
    root = tmp_path_factory.mktemp("sine")
    t = np.arange(int(SR_IN * DUR)) / SR_IN
    s = np.sin(2 * np.pi * 440.0 * t)
    stereo = np.stack([AMP_L * s, AMP_R * s], axis=1).astype(np.float32)
    files = {
        "wav": root / "sine.wav",
        "flac": root / "sine.flac",
        "ogg": root / "sine.ogg",
        "mp3": root / "sine.mp3",
    }
    sf.write(files["wav"], stereo, SR_IN, subtype="PCM_16")
    sf.write(files["flac"], stereo, SR_IN)
    sf.write(files["ogg"], stereo, SR_IN, format="OGG", subtype="VORBIS")
    sf.write(files["mp3"], stereo, SR_IN, format="MP3", subtype="MPEG_LAYER_III")
    if shutil.which("ffmpeg"):
        files["m4a"] = root / "sine.m4a"
        _ffmpeg("-i", str(files["wav"]), "-c:a", "aac", "-b:a", "128k", str(files["m4a"]))
    return files


@pytest.fixture(scope="module")
def steps_files(tmp_path_factory):
    """16 kHz mono, 3 s: 300 Hz for 0-1 s, 600 Hz for 1-2 s, 900 Hz for 2-3 s (wav and m4a)."""
    root = tmp_path_factory.mktemp("steps")
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    x = np.concatenate([0.5 * np.sin(2 * np.pi * f * t) for f in (300.0, 600.0, 900.0)]).astype(np.float32)
    wav = root / "steps.wav"
    sf.write(wav, x, SAMPLE_RATE, subtype="FLOAT")
    files = {"wav": wav, "signal": x}
    if shutil.which("ffmpeg"):
        files["m4a"] = root / "steps.m4a"
        _ffmpeg("-i", str(wav), "-c:a", "aac", "-b:a", "128k", str(files["m4a"]))
    return files


@pytest.mark.parametrize("fmt", ["wav", "flac", "ogg", "mp3", "m4a"])
def test_load_formats_length_rate_pitch_and_downmix(sine_files, fmt):
    if fmt not in sine_files:
        pytest.skip("ffmpeg not installed")
    x = load_audio(sine_files[fmt])
    assert x.dtype == np.float32 and x.ndim == 1
    expected = int(DUR * SAMPLE_RATE)
    if fmt in ("wav", "flac", "ogg"):
        assert len(x) == expected
    else:  # mp3/aac add encoder delay/padding (a few ms)
        assert abs(len(x) - expected) <= 0.05 * SAMPLE_RATE
    assert _peak_hz(x, SAMPLE_RATE) == pytest.approx(440.0, abs=1.0)
    # mono = mean of channels: amplitude (0.6 + 0.2) / 2 = 0.4; lossy codecs within a few %
    mid = x[len(x) // 4 : 3 * len(x) // 4]
    amp = np.sqrt(2 * np.mean(mid.astype(np.float64) ** 2))
    assert amp == pytest.approx(0.4, abs=0.002 if fmt in ("wav", "flac") else 0.03)


def test_resample_to_other_rate(sine_files):
    x = load_audio(sine_files["flac"], sample_rate=8000)
    assert len(x) == int(DUR * 8000)
    assert _peak_hz(x, 8000) == pytest.approx(440.0, abs=1.0)


def test_offset_duration_cut_wav_is_exact(steps_files):
    full = load_audio(steps_files["wav"])
    np.testing.assert_array_equal(full, steps_files["signal"])
    seg = load_audio(steps_files["wav"], offset=1.25, duration=0.5)
    np.testing.assert_array_equal(seg, full[20_000:28_000])
    assert _peak_hz(seg, SAMPLE_RATE) == pytest.approx(600.0, abs=2.0)
    tail = load_audio(steps_files["wav"], offset=2.5)  # to the end
    assert len(tail) == 8000 and _peak_hz(tail, SAMPLE_RATE) == pytest.approx(900.0, abs=2.0)
    over = load_audio(steps_files["wav"], offset=2.5, duration=10.0)  # shortened at the end
    assert len(over) == 8000


@needs_ffmpeg
def test_offset_duration_cut_m4a(steps_files):
    seg = load_audio(steps_files["m4a"], offset=1.25, duration=0.5)
    assert abs(len(seg) - 8000) <= 1
    assert _peak_hz(seg, SAMPLE_RATE) == pytest.approx(600.0, abs=2.0)
    seg = load_audio(steps_files["m4a"], offset=2.2, duration=0.6)
    assert abs(len(seg) - 9600) <= 1
    assert _peak_hz(seg, SAMPLE_RATE) == pytest.approx(900.0, abs=2.0)


@pytest.mark.parametrize("fmt", ["wav", "m4a"])
def test_offset_past_end(steps_files, fmt):
    if fmt not in steps_files:
        pytest.skip("ffmpeg not installed")
    with pytest.raises(AudioError, match="past the end") as err:
        load_audio(steps_files[fmt], offset=5.0)
    assert str(steps_files[fmt]) in str(err.value) and "\n" not in str(err.value)


def test_audio_duration(sine_files, steps_files):
    assert audio_duration(sine_files["wav"]) == pytest.approx(2.0, abs=1e-9)
    assert audio_duration(steps_files["wav"]) == pytest.approx(3.0, abs=1e-9)
    assert audio_duration(sine_files["mp3"]) == pytest.approx(2.0, abs=0.06)
    if "m4a" in sine_files:
        assert audio_duration(sine_files["m4a"]) == pytest.approx(2.0, abs=0.06)


def test_missing_file(tmp_path):
    p = tmp_path / "nope.wav"
    with pytest.raises(AudioError, match="not found") as err:
        load_audio(p)
    assert str(p) in str(err.value)
    with pytest.raises(AudioError, match="not found"):
        audio_duration(p)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.wav"
    sf.write(p, np.zeros(0, dtype=np.float32), SAMPLE_RATE)
    with pytest.raises(AudioError, match="empty") as err:
        load_audio(p)
    assert str(p) in str(err.value)


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".m4a"])
def test_garbage_bytes(tmp_path, suffix):
    p = tmp_path / f"garbage{suffix}"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(AudioError, match="cannot decode") as err:
        load_audio(p)
    msg = str(err.value)
    assert str(p) in msg and "\n" not in msg


def test_nan_samples(tmp_path):
    p = tmp_path / "nan.wav"
    x = np.zeros(1600, dtype=np.float32)
    x[100] = np.nan
    x[200] = np.inf
    sf.write(p, x, SAMPLE_RATE, subtype="FLOAT")
    with pytest.raises(AudioError, match="2 non-finite") as err:
        load_audio(p)
    assert str(p) in str(err.value)


def test_ffmpeg_missing_is_clear(steps_files, monkeypatch):
    if "m4a" not in steps_files:
        pytest.skip("ffmpeg not installed")
    monkeypatch.setattr(zaudio.shutil, "which", lambda name: None)
    with pytest.raises(AudioError, match="needs ffmpeg"):
        load_audio(steps_files["m4a"])


def test_bad_arguments(steps_files):
    with pytest.raises(AudioError, match="offset"):
        load_audio(steps_files["wav"], offset=-1.0)
    with pytest.raises(AudioError, match="duration"):
        load_audio(steps_files["wav"], duration=0.0)


def test_save_wav_roundtrip(tmp_path):
    p = tmp_path / "out.wav"
    x = (0.5 * np.sin(2 * np.pi * 1000 * np.arange(16000) / 16000)).astype(np.float32)
    x[0] = 1.7  # clipped to 1.0
    save_wav(p, x)
    info = sf.info(p)
    assert (info.samplerate, info.channels, info.frames, info.subtype) == (16000, 1, 16000, "PCM_16")
    y = load_audio(p)
    assert y[0] == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(y[1:], x[1:], atol=1 / 32768 + 1e-6)
    with pytest.raises(AudioError, match="non-finite"):
        save_wav(tmp_path / "bad.wav", np.array([0.0, np.nan]))


def test_extensions():
    assert {".wav", ".flac", ".ogg", ".mp3", ".m4a", ".opus", ".webm"} <= set(AUDIO_EXTENSIONS)
    assert all(e.startswith(".") and e == e.lower() for e in AUDIO_EXTENSIONS)
