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


def _span_patches(ax: Axes) -> list:
    return [p for p in ax.patches if str(p.get_label()).startswith("frame ")]


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
    with pytest.raises(ValueError, match="empty"):
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


def test_audio_table_handles_silence_and_loud_clips(tone):
    clips = {"silent": (np.zeros(100), SR), "loud": (4 * tone, SR)}
    assert viz.audio_table(clips, normalize=False).data.count("<audio") == 2
    assert viz.audio_table(clips).data.count("<audio") == 2


@pytest.mark.parametrize(
    ("clips", "kwargs", "error"),
    [
        ({}, {}, ValueError),
        ({"a": (np.ones(10), SR)}, {"columns": 0}, ValueError),
        ({"a": np.ones(10)}, {}, TypeError),
        ({"a": (np.array([0.0, np.nan]), SR)}, {}, ValueError),
        ([("a", (np.ones(10), SR))], {}, TypeError),
    ],
)
def test_audio_table_rejects_bad_input(clips, kwargs, error):
    with pytest.raises(error):
        viz.audio_table(clips, **kwargs)


# --- plot_frames ---------------------------------------------------------------------


def test_plot_frames_draws_n_spans(tone):
    ax = viz.plot_frames(tone, SR, frame_length=256, hop_length=64, n_frames=5)
    spans = _span_patches(ax)
    assert [p.get_label() for p in spans] == [f"frame {k}" for k in range(5)]
    assert ax.get_xlabel() == "Time (s)"
    assert ax.get_ylabel() == "Amplitude"
    assert "256 samples" in ax.get_title() and "64 samples" in ax.get_title()


def test_plot_frames_span_positions(tone):
    frame_length, hop = 200, 80
    ax = viz.plot_frames(tone, SR, frame_length=frame_length, hop_length=hop,
                         n_frames=3, start_frame=2)
    spans = _span_patches(ax)
    assert [p.get_label() for p in spans] == ["frame 2", "frame 3", "frame 4"]
    for k, patch in zip((2, 3, 4), spans):
        x0, _ = patch.get_xy()
        assert x0 == pytest.approx(k * hop / SR)
        assert patch.get_width() == pytest.approx(frame_length / SR)


def test_plot_frames_center_shifts_by_half_a_frame(tone):
    ax = viz.plot_frames(tone, SR, frame_length=200, hop_length=80, n_frames=2,
                         center=True, title="Centred")
    assert ax.get_title() == "Centred"
    x0, _ = _span_patches(ax)[0].get_xy()
    assert x0 == pytest.approx(-100 / SR)


def test_plot_frames_uses_given_axes_and_validates(tone):
    fig, ax = plt.subplots()
    assert viz.plot_frames(tone, SR, frame_length=64, hop_length=32, ax=ax) is ax
    with pytest.raises(ValueError):
        viz.plot_frames(tone, SR, frame_length=64, hop_length=0)
    with pytest.raises(ValueError):
        viz.plot_frames(tone, SR, frame_length=64, hop_length=32, n_frames=0)


# --- conventions ---------------------------------------------------------------------


@pytest.mark.parametrize("name", viz.__all__)
def test_docstring_names_the_chapter(name):
    doc = getattr(viz, name).__doc__
    first_paragraph = doc.strip().split("\n\n")[0]
    assert len(first_paragraph.splitlines()) <= 2
    assert " ".join(first_paragraph.split()).endswith(
        ("Taught in chapter 01 (Sound as data).",
         "Taught in chapter 02 (Hand-made features).",
         "Taught in chapter 03 (Classical machine learning).",
         "Taught in chapter 04 (Backpropagation by hand).")
    )


# --- draw_graph ----------------------------------------------------------------------


class _TinyValue:
    """A course-made scalar autograd value: same attribute names as micrograd's."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        out = _TinyValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        out = _TinyValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = float(np.tanh(self.data))
        out = _TinyValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, seen = [], set()

        def build(v):
            if v not in seen:
                seen.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


def _graph_counts(g) -> tuple[int, int, int]:
    """(value nodes, operation nodes, edges) in a Digraph's body."""
    import re

    values = ops = edges = 0
    for line in g.body:
        line = line.strip()
        if "->" in line:
            edges += 1
        elif re.match(r"^n\d+_op \[", line):
            ops += 1
        elif re.match(r"^n\d+ \[", line):
            values += 1
    return values, ops, edges


def _labelled_micrograd(**values):
    from micrograd.engine import Value

    out = []
    for name, data in values.items():
        v = Value(data)
        v.label = name
        out.append(v)
    return out


def test_draw_graph_micrograd_counts_and_records():
    import graphviz

    a, b, c = _labelled_micrograd(a=2.0, b=-3.0, c=10.0)
    d = a * b + c
    d.label = "d"
    g = viz.draw_graph(d)
    assert isinstance(g, graphviz.Digraph)
    assert _graph_counts(g) == (5, 2, 6)  # a, b, c, a*b, d; "*", "+"
    assert 'label="{a | data 2.0000 | grad 0.0000}"' in g.source
    assert 'label="{d | data 4.0000 | grad 0.0000}"' in g.source
    assert "{ | data -6.0000 | grad 0.0000}" in g.source  # a*b has no label
    # Named n0, n1, ... with the root last; no memory addresses anywhere.
    assert g.body[-1].strip() == "n4_op -> n4"
    assert "0x" not in g.source
    assert "rankdir=LR" in g.source and "fontname=Helvetica" in g.source


def test_draw_graph_shows_gradients_after_backward():
    a, b, c = _labelled_micrograd(a=2.0, b=-3.0, c=10.0)
    d = a * b + c
    d.label = "d"
    d.backward()
    src = viz.draw_graph(d).source
    assert "{a | data 2.0000 | grad -3.0000}" in src
    assert "{b | data -3.0000 | grad 2.0000}" in src
    assert "{c | data 10.0000 | grad 1.0000}" in src
    assert "{d | data 4.0000 | grad 1.0000}" in src


def test_draw_graph_course_value_tanh_neuron():
    x1, x2 = _TinyValue(2.0, label="x1"), _TinyValue(0.0, label="x2")
    w1, w2 = _TinyValue(-3.0, label="w1"), _TinyValue(1.0, label="w2")
    b = _TinyValue(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    g = viz.draw_graph(o, rankdir="TB", label="A neuron")
    # 5 inputs + x1w1, x2w2, their sum, n, o; ops: *, *, +, +, tanh.
    assert _graph_counts(g) == (10, 5, 14)
    assert "o | data 0.7071 | grad 1.0000" in g.source
    assert "x1 | data 2.0000 | grad -1.5000" in g.source
    assert 'label="A neuron"' in g.source
    assert "rankdir=TB" in g.source
    assert '"{' not in g.source  # top to bottom: record fields side by side already


def test_draw_graph_shared_subexpression_drawn_once():
    (a,) = _labelled_micrograd(a=3.0)
    sq = a * a  # _prev is {a}: one operand, one edge
    y = sq + sq
    y.backward()
    g = viz.draw_graph(y)
    assert _graph_counts(g) == (3, 2, 4)
    assert g.source.count("{a | data 3.0000 | grad 12.0000}") == 1


def test_draw_graph_order_ignores_operand_order_and_memory():
    # a*b + c and c + b*a are the same graph (operands are sets): same source.
    def build(flip: bool):
        a, b, c = _labelled_micrograd(a=1.5, b=-2.0, c=0.25)
        junk = [object() for _ in range(97)]  # move later objects in memory
        d = c + b * a if flip else a * b + c
        d.label = "d"
        d.backward()
        del junk
        return viz.draw_graph(d).source

    first = build(False)
    assert all(build(flip) == first for flip in (True, False, True))


def test_draw_graph_svg_identical_across_processes():
    import subprocess
    import sys

    script = """
import sys
from micrograd.engine import Value
from voicelab.viz import draw_graph
pad = [Value(i) for i in range(int(sys.argv[1]))]
a = Value(2.0); b = Value(-3.0); c = Value(2.0)
a.label = "a"; b.label = "b"
e = a * b + c * b + Value(2.0) * Value(2.0)
e = e.relu() + a
e.label = "out"
e.backward()
sys.stdout.buffer.write(draw_graph(e).pipe(format="svg"))
"""
    outs = [
        subprocess.run([sys.executable, "-c", script, str(n)], check=True,
                       capture_output=True, timeout=60).stdout
        for n in (0, 513)
    ]
    assert outs[0].startswith(b"<?xml")
    assert outs[0] == outs[1]
    assert b"<title>n0</title>" in outs[0]


def test_draw_graph_escapes_record_characters_and_rejects_non_values():
    (a,) = _labelled_micrograd(a=1.0)
    a.label = "x|{y}<z>"
    assert "x\\|\\{y\\}\\<z\\>" in viz.draw_graph(a).source
    with pytest.raises(TypeError, match="_prev"):
        viz.draw_graph(3.0)
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(a, rankdir="XY")


# --- plot_classifier_curves ----------------------------------------------------------


@pytest.fixture
def scores() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    y = np.r_[np.zeros(60, int), np.ones(40, int)]
    good = np.clip(0.3 + 0.4 * y + 0.2 * rng.standard_normal(y.size), 0, 1)
    weak = np.clip(0.45 + 0.1 * y + 0.25 * rng.standard_normal(y.size), 0, 1)
    return y, good, weak


def _model_lines(ax: Axes, prefix: str = "") -> list:
    refs = ("chance", "prevalence", "perfectly calibrated")
    return [ln for ln in ax.get_lines()
            if not str(ln.get_label()).startswith(refs)
            and not str(ln.get_label()).startswith("_")
            and str(ln.get_label()).startswith(prefix)]


def test_classifier_curves_labels_and_auc(scores):
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y, good, _ = scores
    axes = viz.plot_classifier_curves(y, good, title_prefix="MFCC: ",
                                      pos_label_name="slt")
    assert isinstance(axes, np.ndarray) and axes.shape == (3,)
    roc, pr, cal = axes
    assert roc.get_title() == "MFCC: ROC curve"
    assert roc.get_xlabel() == "False positive rate (false accepts)"
    assert roc.get_ylabel() == "True positive rate (recall)"
    assert pr.get_title() == "MFCC: Precision-recall curve"
    assert pr.get_xlabel() == "Recall (true positive rate)"
    assert pr.get_ylabel().startswith("Precision")
    assert cal.get_title().startswith("MFCC: Reliability diagram")
    assert cal.get_xlabel() == "Predicted probability of slt"
    assert cal.get_ylabel() == "Observed fraction of slt"
    legend = [t.get_text() for t in roc.get_legend().get_texts()]
    assert f"AUC = {roc_auc_score(y, good):.3f}" in legend
    assert "chance (AUC = 0.500)" in legend
    pr_legend = [t.get_text() for t in pr.get_legend().get_texts()]
    assert f"AP = {average_precision_score(y, good):.3f}" in pr_legend
    assert "prevalence = 0.400" in pr_legend
    cal_legend = [t.get_text() for t in cal.get_legend().get_texts()]
    assert f"Brier = {brier_score_loss(y, good):.3f}" in cal_legend
    # The histogram of predicted probabilities sits on a twin axis.
    twins = [a for a in roc.figure.axes if a not in axes]
    assert len(twins) == 1 and twins[0].get_ylabel()
    assert len(twins[0].patches) == 1  # one step histogram
    roc.figure.canvas.draw()  # the layout (twin axis included) renders


def test_classifier_curves_one_line_per_model(scores):
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import roc_auc_score

    y, good, weak = scores
    fig, given = plt.subplots(1, 3)
    axes = viz.plot_classifier_curves(y, {"good": good, "weak": weak}, axes=given,
                                      n_bins=5)
    assert list(axes) == list(given)
    assert len(plt.get_fignums()) == 1
    for ax in axes:
        assert len(_model_lines(ax)) == 2
        assert len(_model_lines(ax, "good")) == 1 and len(_model_lines(ax, "weak")) == 1
    legend = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert f"weak (AUC = {roc_auc_score(y, weak):.3f})" in legend
    frac, mean = calibration_curve(y, good, n_bins=5, strategy="uniform")
    x, v = _model_lines(axes[2], "good")[0].get_data()
    np.testing.assert_allclose(x, mean)
    np.testing.assert_allclose(v, frac)


def test_classifier_curves_reject_bad_input(scores):
    y, good, _ = scores
    with pytest.raises(ValueError, match="predict_proba"):
        viz.plot_classifier_curves(y, 3 * good - 1)
    with pytest.raises(ValueError, match="one class"):
        viz.plot_classifier_curves(np.ones_like(y), good)
    with pytest.raises(ValueError, match="0/1"):
        viz.plot_classifier_curves(np.where(y == 1, "slt", "clb"), good)
    with pytest.raises(ValueError, match="one score per clip"):
        viz.plot_classifier_curves(y, good[:-1])


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
    with pytest.raises(ValueError, match="positions"):
        viz.plot_confusion(y_true + 5, y_pred, labels=("clb", "slt"))
