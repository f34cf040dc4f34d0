"""Small audio files written into ``tmp_path``, good and broken, shared by the tests.

Every good file holds :func:`tone` (440 Hz, 0.5 s, amplitude 0.5) unless it says
otherwise, so a test can compare what it loads with the signal that was written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

SR = 16_000
DURATION = 0.5
FREQ = 440.0



def tone(
    freq: float = FREQ, sr: int = SR, duration: float = DURATION, amplitude: float = 0.5
) -> np.ndarray:
    """A float32 sine of ``duration`` seconds."""
    t = np.arange(round(sr * duration)) / sr
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write(path: Path, y: np.ndarray, sr: int = SR, subtype: str | None = None) -> Path:
    """Write ``y`` (``(n,)`` or ``(channels, n)``) with soundfile; return ``path``."""
    sf.write(path, np.asarray(y).T, sr, subtype=subtype)
    return path


@pytest.fixture
def sine_wav(tmp_path):
    """16 kHz mono 16-bit WAV of :func:`tone`."""
    return write(tmp_path / "sine.wav", tone(), subtype="PCM_16")


@pytest.fixture
def stereo_wav(tmp_path):
    """16 kHz stereo WAV: 440 Hz on the left, 880 Hz at amplitude 0.25 on the right."""
    y = np.stack([tone(), tone(880.0, amplitude=0.25)])
    return write(tmp_path / "stereo.wav", y, subtype="PCM_16")


@pytest.fixture
def pcm8_wav(tmp_path):
    """8-bit (unsigned) WAV."""
    return write(tmp_path / "pcm8.wav", tone(), subtype="PCM_U8")


@pytest.fixture
def pcm24_wav(tmp_path):
    """24-bit WAV."""
    return write(tmp_path / "pcm24.wav", tone(), subtype="PCM_24")


@pytest.fixture
def float_wav(tmp_path):
    """32-bit float WAV."""
    return write(tmp_path / "float.wav", tone(), subtype="FLOAT")


@pytest.fixture
def flac_file(tmp_path):
    """16-bit FLAC."""
    return write(tmp_path / "sine.flac", tone())


@pytest.fixture
def wav_44k(tmp_path):
    """44.1 kHz WAV of :func:`tone`."""
    return write(tmp_path / "sine_44k.wav", tone(sr=44_100), sr=44_100, subtype="PCM_16")


@pytest.fixture
def wav_8k(tmp_path):
    """8 kHz WAV of :func:`tone`."""
    return write(tmp_path / "sine_8k.wav", tone(sr=8_000), sr=8_000, subtype="PCM_16")


@pytest.fixture
def empty_wav(tmp_path):
    """A valid WAV header that declares 0 frames."""
    return write(tmp_path / "empty.wav", np.zeros(0, np.float32), subtype="PCM_16")


@pytest.fixture
def zero_byte_wav(tmp_path):
    """A 0-byte file named .wav."""
    path = tmp_path / "zero_bytes.wav"
    path.touch()
    return path


@pytest.fixture
def silent_wav(tmp_path):
    """0.5 s of digital silence (all samples 0)."""
    return write(tmp_path / "silent.wav", np.zeros(round(SR * DURATION), np.float32))


@pytest.fixture
def truncated_wav(tmp_path):
    """A valid 16-bit WAV with its last 1000 bytes cut off: the header declares 8000
    frames, the file holds 7500."""
    path = write(tmp_path / "truncated.wav", tone(), subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:-1000])
    return path


@pytest.fixture
def truncated_flac(tmp_path):
    """A FLAC file with its second half cut off."""
    path = write(tmp_path / "truncated.flac", tone())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture
def bad_header_wav(tmp_path):
    """The first 20 bytes of a WAV: RIFF header and a cut-off ``fmt `` chunk."""
    path = write(tmp_path / "bad_header.wav", tone(), subtype="PCM_16")
    path.write_bytes(path.read_bytes()[:20])
    return path


@pytest.fixture
def text_wav(tmp_path):
    """A text file renamed .wav."""
    path = tmp_path / "notes.wav"
    path.write_text("These are my notes, not a recording.\n" * 20)
    return path


@pytest.fixture
def m4a_as_wav(tmp_path):
    """The start of an MP4/M4A container (``ftyp`` box) saved as .wav."""
    path = tmp_path / "phone.wav"
    path.write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(600))
    return path


@pytest.fixture
def nan_wav(tmp_path):
    """A float WAV of :func:`tone` with a NaN at sample 1600 (0.1 s) and an inf."""
    y = tone()
    y[1600] = np.nan
    y[3200] = np.inf
    return write(tmp_path / "nan.wav", y, subtype="FLOAT")


@pytest.fixture
def directory(tmp_path):
    """An existing folder."""
    path = tmp_path / "recordings"
    path.mkdir()
    return path


@pytest.fixture
def missing_path(tmp_path):
    """A path where no file exists."""
    return tmp_path / "missing.wav"


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    """Every test caches into its own empty folder."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("VOICELAB_CACHE", str(cache))
    return cache
