"""Tests for voicelab.viz: labels, ranges, determinism. Fast, no audio files needed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.display import HTML  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from voicelab import viz  # noqa: E402

SR = 8_000


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def tone() -> np.ndarray:
    """Half a second of a 440 Hz tone (an even number of samples)."""
    t = np.arange(SR // 2) / SR
    return (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


# --- plot_waveform -------------------------------------------------------------------


def test_waveform_labels_and_time_axis(tone):
    ax = viz.plot_waveform(tone, SR, title="A tone")
    assert isinstance(ax, Axes)
    assert ax.get_title() == "A tone"
    assert ax.get_xlabel() == "Time (s)"
    assert ax.get_ylabel() == "Amplitude"
    assert ax.get_xlim() == pytest.approx((0.0, len(tone) / SR))


def test_waveform_default_title(tone):
    assert viz.plot_waveform(tone, SR).get_title() == "Waveform"


def test_waveform_uses_given_axes(tone):
    fig, ax = plt.subplots()
    assert viz.plot_waveform(tone, SR, ax=ax) is ax
    assert len(plt.get_fignums()) == 1


def test_waveform_long_clip_is_envelope_and_deterministic():
    rng = np.random.default_rng(0)
    y = rng.standard_normal(10 * 60 * SR).astype(np.float32)  # ten minutes
    ax1 = viz.plot_waveform(y, SR, max_points=2000)
    ax2 = viz.plot_waveform(y, SR, max_points=2000)
    assert len(ax1.lines) <= 1  # only the zero line: the signal is a filled envelope
    assert len(ax1.collections) == 1
    p1 = ax1.collections[0].get_paths()[0].vertices
    p2 = ax2.collections[0].get_paths()[0].vertices
    assert len(p1) < 5000
    np.testing.assert_array_equal(p1, p2)
    # The envelope keeps the extremes of the signal.
    assert p1[:, 1].max() == pytest.approx(float(y.max()))
    assert p1[:, 1].min() == pytest.approx(float(y.min()))
    assert ax1.get_xlim() == pytest.approx((0.0, 600.0))


def test_waveform_rejects_stereo_with_hint(tone):
    with pytest.raises(ValueError, match="to_mono"):
        viz.plot_waveform(np.vstack([tone, tone]), SR)


def test_waveform_rejects_empty():
    with pytest.raises(ValueError, match="non-empty mono"):
        viz.plot_waveform(np.array([]), SR)


# --- plot_spectrum -------------------------------------------------------------------


def test_spectrum_range_is_zero_to_nyquist(tone):
    ax = viz.plot_spectrum(tone, SR)
    assert ax.get_title() == "Magnitude spectrum"
    assert ax.get_xlabel() == "Frequency (Hz)"
    assert ax.get_ylabel() == "Magnitude"
    x, _ = ax.lines[0].get_data()
    assert x[0] == 0.0
    assert x[-1] == pytest.approx(SR / 2)
    assert len(x) == len(tone) // 2 + 1
    assert ax.get_xlim() == pytest.approx((0.0, SR / 2))


def test_spectrum_peak_at_tone_frequency(tone):
    ax = viz.plot_spectrum(tone, SR)
    x, mag = ax.lines[0].get_data()
    assert x[np.argmax(mag)] == pytest.approx(440.0)
    expected = np.abs(np.fft.rfft(tone.astype(np.float64)))
    np.testing.assert_allclose(mag, expected, rtol=1e-6, atol=1e-9)


def test_spectrum_db_and_max_freq(tone):
    ax = viz.plot_spectrum(tone, SR, db=True, max_freq=1000, title="dB")
    assert ax.get_ylabel() == "Magnitude (dB)"
    assert ax.get_title() == "dB"
    assert ax.get_xlim() == pytest.approx((0.0, 1000.0))
    _, values = ax.lines[0].get_data()
    assert np.all(np.isfinite(values))
    mag = np.abs(np.fft.rfft(tone.astype(np.float64)))
    expected = 20 * np.log10(np.maximum(mag, 1e-10))
    np.testing.assert_allclose(values, expected, atol=1e-6)


def test_two_spectra_share_one_axes_with_colours_and_labels(tone):
    ax = viz.plot_spectrum(tone, SR, color="C0", label="before")
    viz.plot_spectrum(0.5 * tone, SR, ax=ax, color="C1", label="after")
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["before", "after"]
    assert lines[0].get_color() != lines[1].get_color()


def test_spectrum_of_silence_is_finite_in_db():
    ax = viz.plot_spectrum(np.zeros(256), SR, db=True)
    _, values = ax.lines[0].get_data()
    assert np.all(np.isfinite(values))


# --- plot_spectrogram ----------------------------------------------------------------


def _s_db(n_bins: int = 129, n_frames: int = 40) -> np.ndarray:
    rng = np.random.default_rng(1)
    return -80 * rng.random((n_bins, n_frames))


def test_spectrogram_labels_and_colorbar():
    hop = 64
    S_db = _s_db()
    ax = viz.plot_spectrogram(S_db, SR, hop_length=hop, title="Spec")
    assert ax.get_title() == "Spec"
    assert ax.get_xlabel() == "Time (s)"
    assert ax.get_ylabel() == "Frequency (Hz)"
    cbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert len(cbar_axes) == 1
    assert cbar_axes[0].get_ylabel() == "dB"
    # The time axis is in seconds and covers all frames (to within one hop).
    assert ax.get_xlim()[1] == pytest.approx(S_db.shape[1] * hop / SR, abs=hop / SR)
    assert ax.get_ylim()[1] == pytest.approx(SR / 2, rel=0.02)


def test_spectrogram_without_colorbar_and_log_axis():
    fig, ax = plt.subplots()
    out = viz.plot_spectrogram(_s_db(), SR, hop_length=64, ax=ax, y_axis="log",
                               colorbar=False)
    assert out is ax
    assert fig.axes == [ax]
    assert ax.get_yscale() == "symlog"
    assert ax.get_title() == "Spectrogram"


def test_spectrogram_rejects_1d():
    with pytest.raises(ValueError, match="2-D"):
        viz.plot_spectrogram(np.zeros(10), SR, hop_length=64)


# --- audio_table ---------------------------------------------------------------------


def test_audio_table_one_player_per_clip(tone):
    clips = {f"clip {i}": (tone * (i + 1) / 3, SR) for i in range(5)}
    table = viz.audio_table(clips, columns=2)
    assert isinstance(table, HTML)
    html_text = table.data
    assert html_text.count("<audio") == 5
    assert html_text.count("<tr>") == 3  # 2 + 2 + 1
    assert html_text.count("<td") == 5
    for label in clips:
        assert label in html_text
    # Labels appear in the given order.
    positions = [html_text.index(label) for label in clips]
    assert positions == sorted(positions)


def test_audio_table_escapes_labels(tone):
    label = '<script>alert("x")</script> & co'
    html_text = viz.audio_table({label: (tone, SR)}).data
    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in html_text


def test_audio_table_is_deterministic(tone):
    rng = np.random.default_rng(3)
    noise = rng.standard_normal(SR // 4)
    clips = {"tone": (tone, SR), "noise": (noise, SR)}
    first = viz.audio_table(clips).data
    second = viz.audio_table(dict(clips)).data
    assert first == second
    assert "id=" not in first


def test_audio_table_embeds_the_sampling_rate(tone):
    import base64
    import io
    import re
    import wave

    html_text = viz.audio_table({"t": (tone, 11_025)}).data
    payload = re.search(r"base64,([A-Za-z0-9+/=]+)", html_text).group(1)
    with wave.open(io.BytesIO(base64.b64decode(payload))) as wav:
        assert wav.getframerate() == 11_025
        assert wav.getnframes() == len(tone)


def _payload(html_text: str) -> list[np.ndarray]:
    """The samples of every player, as 16-bit integers."""
    import base64
    import io
    import re
    import wave

    clips = []
    for payload in re.findall(r"base64,([A-Za-z0-9+/=]+)", html_text):
        with wave.open(io.BytesIO(base64.b64decode(payload))) as wav:
            clips.append(np.frombuffer(wav.readframes(wav.getnframes()), np.int16))
    return clips


def test_audio_table_handles_silence_and_loud_clips(tone):
    clips = {"silent": (np.zeros(100), SR), "loud": (4 * tone, SR)}
    silent, clipped = _payload(viz.audio_table(clips, normalize=False).data)
    assert not silent.any()
    assert np.abs(clipped).max() == 32767  # clipped to full scale, not rescaled
    quiet, _ = _payload(viz.audio_table({"q": (0.1 * tone, SR), "s": (tone, SR)}).data)
    assert np.abs(quiet).max() == 32767  # normalize=True plays every clip at full scale
    kept, _ = _payload(viz.audio_table({"q": (0.1 * tone, SR), "s": (tone, SR)},
                                       normalize=False).data)
    assert np.abs(kept).max() == pytest.approx(0.05 * 32767, rel=0.01)


# --- conventions ---------------------------------------------------------------------


@pytest.mark.parametrize("name", viz.__all__)
def test_docstring_names_the_chapter(name):
    doc = getattr(viz, name).__doc__
    first_paragraph = doc.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    assert " ".join(first_paragraph.split()).endswith(
        ("Taught in chapter 01 (Sound as data).",
         "Taught in chapter 02 (Hand-made features).",
         "Taught in chapter 03 (Telling two voices apart with classical ML).")
    )


# --- plot_confusion ------------------------------------------------------------------


def _heatmap_values(ax: Axes) -> np.ndarray:
    mesh = ax.collections[0]
    return np.asarray(mesh.get_array()).reshape(2, 2)


def test_confusion_counts_match_sklearn():
    from sklearn.metrics import confusion_matrix

    y_true = np.array(["clb"] * 7 + ["slt"] * 5)
    y_pred = np.array(["clb"] * 5 + ["slt"] * 2 + ["slt"] * 4 + ["clb"])
    ax = viz.plot_confusion(y_true, y_pred, labels=["clb", "slt"])
    expected = confusion_matrix(y_true, y_pred, labels=["clb", "slt"])
    np.testing.assert_array_equal(_heatmap_values(ax), expected)
    assert [t.get_text() for t in ax.texts] == [str(v) for v in expected.ravel()]
    assert ax.get_xlabel() == "Predicted speaker"
    assert ax.get_ylabel() == "True speaker"
    assert ax.get_title() == "Confusion matrix"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["clb", "slt"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["clb", "slt"]


def test_confusion_positions_and_row_percentages():
    from sklearn.metrics import confusion_matrix

    y_true = np.array([0] * 8 + [1] * 4)
    y_pred = np.array([0] * 6 + [1] * 2 + [1] * 3 + [0])
    fig, given = plt.subplots()
    ax = viz.plot_confusion(y_true, y_pred, labels=("clb", "slt"), ax=given,
                            normalize="true", title="Test split")
    assert ax is given
    assert ax.get_title() == "Test split"
    np.testing.assert_allclose(_heatmap_values(ax),
                               confusion_matrix(y_true, y_pred, normalize="true"))
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["6\n(75.0%)", "2\n(25.0%)", "1\n(25.0%)", "3\n(75.0%)"]
    with pytest.raises(ValueError, match="normalize"):
        viz.plot_confusion(y_true, y_pred, labels=("clb", "slt"), normalize="rows")
    with pytest.raises(ValueError):  # neither the labels nor their positions
        viz.plot_confusion(y_true + 5, y_pred + 5, labels=("clb", "slt"))
