"""Tests of voicelab.audio: loading and its errors, and each signal operation against
the library it wraps (librosa, scipy)."""

from __future__ import annotations

import hashlib

import librosa
import numpy as np
import pytest
import scipy.signal
import soundfile as sf
from conftest import DURATION, SR, tone, write

from voicelab import audio

N = round(SR * DURATION)


# --- load: good files ----------------------------------------------------------------


def test_load_returns_float32_mono_at_16k(sine_wav):
    y, sr = audio.load(sine_wav)
    assert (y.dtype, y.shape, sr) == (np.float32, (N,), SR)
    np.testing.assert_allclose(y, tone(), atol=1 / 2**15)


@pytest.mark.parametrize(
    ("fixture", "atol"),
    [("pcm8_wav", 1 / 2**7), ("pcm24_wav", 1 / 2**23), ("float_wav", 0),
     ("flac_file", 1 / 2**15)],
)
def test_load_reads_every_bit_depth_and_flac(request, fixture, atol):
    y, sr = audio.load(request.getfixturevalue(fixture))
    assert (y.dtype, sr) == (np.float32, SR)
    np.testing.assert_allclose(y, tone(), atol=atol)


def test_load_averages_stereo_to_mono(stereo_wav):
    y, _ = audio.load(stereo_wav)
    channels, _ = sf.read(stereo_wav, dtype="float32", always_2d=True)
    assert y.shape == (N,)
    np.testing.assert_allclose(y, channels.mean(axis=1), atol=1e-7)


def test_load_keeps_channels_first_when_mono_is_false(stereo_wav, sine_wav):
    y, _ = audio.load(stereo_wav, mono=False)
    assert y.shape == (2, N)
    np.testing.assert_allclose(y[1], tone(880.0, amplitude=0.25), atol=1 / 2**15)
    assert audio.load(sine_wav, mono=False)[0].shape == (1, N)


@pytest.mark.parametrize(("fixture", "file_sr"), [("wav_44k", 44_100), ("wav_8k", 8_000)])
def test_load_resamples_like_librosa(request, fixture, file_sr):
    path = request.getfixturevalue(fixture)
    y, sr = audio.load(path)
    raw, _ = sf.read(path, dtype="float32")
    expected = librosa.resample(raw, orig_sr=file_sr, target_sr=SR, res_type="soxr_hq")
    assert (sr, y.dtype, y.shape) == (SR, np.float32, (N,))
    np.testing.assert_allclose(y, expected, atol=1e-6)


def test_load_with_sr_none_keeps_the_file_rate(wav_44k):
    y, sr = audio.load(wav_44k, sr=None)
    assert (sr, y.shape) == (44_100, (round(44_100 * DURATION),))


def test_load_thresholds_can_be_switched_off(silent_wav):
    y, _ = audio.load(silent_wav, silence_peak=0)
    assert not y.any()


def test_load_accepts_str_paths(sine_wav):
    assert audio.load(str(sine_wav))[0].shape == (N,)


# --- load: every error, in the documented order --------------------------------------


@pytest.mark.parametrize(
    ("fixture", "error", "match"),
    [
        ("missing_path", audio.AudioFileNotFoundError, r"does not exist.*Check the file"),
        ("directory", audio.AudioFileNotFoundError,
         r"is a folder.*Point at one file.*voicelab\.data\.load_folder"),
        ("zero_byte_wav", audio.NotAudioError, r"empty \(0 bytes\).*export it again"),
        ("text_wav", audio.NotAudioError,
         r"'.*notes\.wav' is not an audio file soundfile can read \(it looks like text\)"
         r"\. Convert it to WAV or FLAC, e\.g\. `ffmpeg -i notes\.wav converted\.wav`"
         r".*FLAC.*MP3.*OGG.*WAV"),
        ("m4a_as_wav", audio.NotAudioError, r"MP4/M4A/AAC container.*ffmpeg"),
        ("bad_header_wav", audio.CorruptAudioError,
         r"cannot be decoded completely.*Malformed.*copy or export it again"),
        ("truncated_wav", audio.CorruptAudioError,
         r"header declares 8000 frames \(0\.50 s\) but only 7500 \(0\.47 s\).*truncated"),
        ("truncated_flac", audio.CorruptAudioError, r"cannot be decoded completely"),
        ("empty_wav", audio.EmptyAudioError, r"no samples.*Record it again"),
        ("nan_wav", audio.InvalidSamplesError,
         r"2 NaN or infinite samples \(the first at 0\.100 s\).*Export it again"),
        ("silent_wav", audio.SilentAudioError,
         r"silent: its peak is -inf dBFS, below silence_peak=0\.0001 \(-80 dBFS\)"
         r".*microphone.*gain"),
    ],
)
def test_load_errors_say_what_is_wrong_and_what_to_do(request, fixture, error, match):
    with pytest.raises(error, match=match):
        audio.load(request.getfixturevalue(fixture))


def test_too_short_reports_the_duration(sine_wav):
    with pytest.raises(audio.TooShortError, match=r"lasts 0\.500 s.*min_duration=1\.0"):
        audio.load(sine_wav, min_duration=1.0)


def test_quiet_clip_reports_its_peak_in_dbfs(tmp_path):
    path = write(tmp_path / "quiet.wav", tone(amplitude=1e-5), subtype="FLOAT")
    with pytest.raises(audio.SilentAudioError, match=r"peak is -100\.0 dBFS"):
        audio.load(path)
    assert audio.load(path, silence_peak=1e-6)[0].shape == (N,)


def test_silence_is_checked_after_mixing_to_mono(tmp_path):
    path = write(tmp_path / "inverted.wav", np.stack([tone(), -tone()]), subtype="FLOAT")
    with pytest.raises(audio.SilentAudioError):
        audio.load(path)
    assert audio.load(path, mono=False)[0].shape == (2, N)


def test_error_classes_form_one_family():
    for error in (audio.NotAudioError, audio.CorruptAudioError, audio.EmptyAudioError,
                  audio.SilentAudioError, audio.TooShortError, audio.InvalidSamplesError):
        assert issubclass(error, audio.AudioError)
    assert issubclass(audio.AudioError, ValueError)
    assert issubclass(audio.AudioFileNotFoundError, FileNotFoundError)


ALL_FILES = ["sine_wav", "stereo_wav", "pcm8_wav", "pcm24_wav", "float_wav", "flac_file",
             "wav_44k", "wav_8k", "empty_wav", "zero_byte_wav", "silent_wav",
             "truncated_wav", "truncated_flac", "bad_header_wav", "text_wav", "nan_wav"]


@pytest.mark.parametrize("fixture", ALL_FILES)
def test_load_never_changes_the_source_file(request, fixture):
    path = request.getfixturevalue(fixture)
    before = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    try:
        audio.load(path, mono=False)
    except audio.AudioError:
        pass
    after = hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns
    assert after == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


# --- to_mono, resample, trim_silence ----------------------------------------------------


def test_to_mono():
    y = np.stack([tone(), tone(880.0)])
    np.testing.assert_allclose(audio.to_mono(y), librosa.to_mono(y))
    assert audio.to_mono(y).dtype == np.float32
    np.testing.assert_array_equal(audio.to_mono(tone()), tone())
    with pytest.raises(AssertionError, match=r"\(n,\) or \(channels, n\)"):
        audio.to_mono(np.zeros((2, 2, 2)))


@pytest.mark.parametrize("target_sr", [8_000, 22_050, 44_100])
def test_resample_matches_librosa_and_keeps_the_pitch(target_sr):
    y = audio.resample(tone(), SR, target_sr)
    expected = librosa.resample(tone(), orig_sr=SR, target_sr=target_sr,
                                res_type="soxr_hq")
    np.testing.assert_array_equal(y, expected)
    assert y.shape == (round(N * target_sr / SR),)
    spectrum = np.abs(np.fft.rfft(y))
    freqs = np.fft.rfftfreq(len(y), 1 / target_sr)
    assert freqs[np.argmax(spectrum)] == pytest.approx(440, abs=2)


def test_resample_works_per_channel():
    y = np.stack([tone(), tone(880.0)])
    out = audio.resample(y, SR, 8_000)
    np.testing.assert_allclose(out[1], audio.resample(y[1], SR, 8_000), atol=1e-7)


def test_trim_silence_matches_librosa():
    y = np.concatenate([np.zeros(4000), tone(), np.zeros(6000)]).astype(np.float32)
    trimmed, (start, end) = audio.trim_silence(y)
    expected, (exp_start, exp_end) = librosa.effects.trim(y, top_db=30.0)
    np.testing.assert_array_equal(trimmed, expected)
    assert (start, end) == (exp_start, exp_end)
    assert isinstance(start, int) and isinstance(end, int)
    np.testing.assert_array_equal(trimmed, y[start:end])
    assert abs(start - 4000) <= 2048 and abs(end - (4000 + N)) <= 2048


def test_trim_silence_top_db_is_passed_on():
    y = np.concatenate([np.full(4000, 1e-3), tone()]).astype(np.float32)  # -54 dB floor
    assert audio.trim_silence(y, top_db=30)[1][0] > 0
    assert audio.trim_silence(y, top_db=80)[1][0] == 0


# --- Butterworth filter ------------------------------------------------------------------


def test_butter_filter_is_zero_phase_sosfiltfilt():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((2, N)).astype(np.float32)
    sos = scipy.signal.butter(5, 2000, btype="lowpass", output="sos", fs=SR)
    out = audio.butter_filter(y, SR, 2000)
    assert (out.dtype, out.shape) == (np.float32, y.shape)
    np.testing.assert_allclose(out, scipy.signal.sosfiltfilt(sos, y, axis=-1), atol=1e-6)


@pytest.mark.parametrize(("cutoff", "kind"), [(8000, "lowpass"), ((300, 9000), "bandpass")])
def test_butter_filter_refuses_cutoffs_at_or_above_nyquist(cutoff, kind):
    with pytest.raises(ValueError, match=r"0 < Wn < fs/2"):
        audio.butter_filter(tone(), SR, cutoff, kind=kind)


def _level_db(y: np.ndarray) -> float:
    middle = y[len(y) // 4 : -len(y) // 4]  # away from the edges the filter pads
    return 20 * np.log10(np.sqrt(np.mean(middle.astype(np.float64) ** 2)))


def test_butter_filter_frequency_response():
    passband, stopband = tone(500.0), tone(6000.0)
    assert _level_db(audio.butter_filter(passband, SR, 2000)) == pytest.approx(
        _level_db(passband), abs=0.01)
    assert _level_db(stopband) - _level_db(audio.butter_filter(stopband, SR, 2000)) > 40
    high = audio.butter_filter(passband, SR, 2000, kind="highpass")
    assert _level_db(passband) - _level_db(high) > 40
    band = audio.butter_filter(tone(1000.0) + stopband, SR, (500, 2000), kind="bandpass")
    np.testing.assert_allclose(band[N // 4 : -N // 4], tone(1000.0)[N // 4 : -N // 4],
                               atol=0.02)


# --- normalisation, pad / crop --------------------------------------------------------


@pytest.mark.parametrize("target", [-20.0, -30.0, -6.0])
def test_rms_normalize_reaches_the_target(target):
    out = audio.rms_normalize(tone(amplitude=0.01), target_dbfs=target)
    assert out.dtype == np.float32
    assert 20 * np.log10(np.sqrt(np.mean(out.astype(np.float64) ** 2))) == pytest.approx(
        target, abs=1e-4)


def test_rms_dbfs_of_a_full_scale_sine_is_minus_3_db():
    t = np.arange(16_000) / 16_000
    assert audio.rms_dbfs(np.sin(2 * np.pi * 100 * t)) == pytest.approx(-3.0103, abs=1e-3)
    assert audio.rms_dbfs(np.zeros(10)) == -np.inf


def test_normalizing_silence_is_refused():
    with pytest.raises(AssertionError, match="digital silence"):
        audio.rms_normalize(np.zeros(N, np.float32))


def test_pad_or_crop_start():
    y = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_array_equal(audio.pad_or_crop(y, 3), [1, 2, 3])
    np.testing.assert_array_equal(audio.pad_or_crop(y, 7), [1, 2, 3, 4, 5, 0, 0])
    np.testing.assert_array_equal(audio.pad_or_crop(y, 5), y)
    assert audio.pad_or_crop(y, 0).shape == (0,)
    assert audio.pad_or_crop(y, 7).dtype == np.float32


def test_pad_or_crop_center():
    y = np.arange(1, 6, dtype=np.float32)
    np.testing.assert_array_equal(audio.pad_or_crop(y, 3, align="center"), [2, 3, 4])
    np.testing.assert_array_equal(audio.pad_or_crop(y, 2, align="center"), [2, 3])
    np.testing.assert_array_equal(audio.pad_or_crop(y, 8, align="center"),
                                  [0, 1, 2, 3, 4, 5, 0, 0])


def test_pad_or_crop_works_on_the_last_axis():
    y = np.ones((2, 5), np.float32)
    assert audio.pad_or_crop(y, 8).shape == (2, 8)
    assert audio.pad_or_crop(y, 3, align="center").shape == (2, 3)
    np.testing.assert_array_equal(audio.pad_or_crop(y, 8)[:, 5:], 0)


def test_pad_or_crop_rejects_an_unknown_align():
    with pytest.raises(AssertionError, match="align must be start or center"):
        audio.pad_or_crop(np.ones(4), 2, align="end")


# --- conventions ----------------------------------------------------------------------


PUBLIC = [name for name, obj in vars(audio).items() if not name.startswith("_")
          and callable(obj) and getattr(obj, "__module__", "") == audio.__name__]


@pytest.mark.parametrize("name", PUBLIC)
def test_docstring_names_the_chapter(name):
    first_paragraph = getattr(audio, name).__doc__.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    assert " ".join(first_paragraph.split()).endswith(
        "Taught in chapter 01 (Sound as data).")
