# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · Your own voices
#
# **Time:** about 75 minutes, plus the time you spend recording (the notebook runs in
# about 90 s).
#
# **By the end you can:**
#
# - record two or more voices so that a sentence-grouped evaluation can trust them, and
#   lay the files out as the folder `voicelab.data.load_folder` reads;
# - check a folder, and fix every problem it reports before you train;
# - estimate by sentence, with its spread, how well MFCC summaries and a logistic
#   regression tell any number of speakers apart;
# - choose, on validation predictions, a confidence below which the model answers
#   "unknown", and test whether it catches a voice it never heard;
# - read the same model as a verification system: equal error rate and DET curve;
# - run every step with the `voicelab` command, and say why recordings of voices need
#   consent.
#
# **Where this sits:** the last chapter. It puts together the folder loader of
# {doc}`01_sound_as_data`, the MFCC summaries of {doc}`02_features`, the
# sentence-grouped evaluation of {doc}`03_classical_ml` and the softmax of
# {doc}`04_micrograd`. For two speakers, the command can also train the CNN of
# {doc}`06_cnn`.

# %% tags=["remove-cell"]
import sys

if "google.colab" in sys.modules:
    # %pip install -q "voicelab @ git+https://github.com/voicelab-course/voicelab"

# %%
import contextlib
import hashlib
import io
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import librosa
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import soundfile as sf
from matplotlib.axes import Axes
from scipy.stats import norm
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import DetCurveDisplay, det_curve
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from voicelab import audio, augment, cli, data, evaluate, features, speaker_id, viz
from voicelab.glue import glue
from voicelab.speaker_id import MIN_SECONDS, MIN_SENTENCES, UNKNOWN

threadpool_limits(1)  # one thread: faster for problems this small, and repeatable
corpus = data.load_corpus()

# %% [markdown]
# ## Record a dataset you can trust
#
# Every number in this course rests on one design: the same sentences, read by every
# speaker, twice. Your recordings need that design too, because the honest evaluation
# of {doc}`03_classical_ml` splits by sentence. A model is only as trustworthy as the
# recordings it is tested on, so the design comes first.
#
# **Speakers.** Two or more people, each of whom has agreed to take part and knows
# what the recordings are for (see {ref}`sec-13-consent`).
#
# **Sentences.** One list for everybody: at least 20 sentences, each read twice (two
# *takes*), if you can on two different days. If each person read other texts, a model
# could learn *what* is said instead of *who* says it, and no split by sentence would
# be possible. The sentences are the independent units of the evaluation: 40 sentences
# narrow the intervals more than 20 sentences read four times each.
#
# **Device and room.** One phone or laptop, one recording app with the same settings,
# one quiet room, for everybody. Keep the microphone a hand's width or two from the
# mouth. If you must use several devices, record every speaker on every device.
#
# **Each clip.** One sentence, with a short silence before and after it, at least
# 1 s long. Speak normally; do not trim or edit the clips of one speaker differently
# from the others'.
#
# ```{warning}
# What ruins a dataset without anyone noticing:
#
# - **One device, or one room, per speaker.** The model learns the microphone or the
#   echo, scores well, and fails on the next recording. The same holds for one day per
#   speaker, with its own cold or mood.
# - **Background sounds** that differ between speakers: a fan, a TV, music, another
#   voice.
# - **Clipping:** a level so high that the waveform is cut flat. Lower the input gain.
# - **Enhancement:** phone apps may apply noise suppression or "voice boost" to some
#   recordings and not to others. Turn it off.
# - **Lossy formats** that voicelab cannot read: voice-memo apps often save M4A (AAC).
#   Convert with `ffmpeg -i clip.m4a clip.wav`.
# ```
#
# Need a list of sentences? Read the first 20 of the corpus, so that your voices and
# the course's share a script.

# %%
script = corpus.drop_duplicates("sentence_id").head(MIN_SENTENCES)
for row in script.itertuples():
    print(f"{row.sentence_id}  {row.text}")

# %% [markdown]
# ## The folder the loader reads
#
# `voicelab.data.load_folder` from {doc}`01_sound_as_data` reads one subfolder per
# speaker. The subfolder's name is the speaker's name; a file's name is the sentence,
# then the take:
#
# ```text
# recordings/
# ├── alice/
# │   ├── s001_t1.wav
# │   ├── s001_t2.wav
# │   ├── s002_t1.wav
# │   └── ...
# └── bob/
#     ├── s001_t1.wav
#     └── ...
# ```
#
# - The same sentence name means the same sentence for every speaker. The take suffix
#   is `_t1`, `_t2`, ... or `_take1`, ...; without one, the file is take 1.
# - WAV, FLAC, OGG or MP3, at any sample rate, mono or stereo: every clip is converted
#   to 16 kHz mono when it is read.
# - Hidden files (`.DS_Store`) and folders inside a speaker's folder are ignored. Any
#   other file that is not audio is an error: nothing is skipped silently.
# - Write models and reports *outside* this folder: a folder inside it would be read as
#   one more speaker.
#
# You probably have no recordings yet, so the chapter makes a folder that behaves like
# a reader's. It holds the two voices of the corpus and a third one, `slt_low`: slt's
# clips shifted down 2 semitones with `librosa.effects.pitch_shift`, which lowers pitch
# and formants together by a factor of {glue:text}`shift_factor:.3f`. It is a close
# relative of an enrolled voice: the hard case. Take 1 is written as if recorded on a
# laptop (WAV at 44.1 kHz), take 2 as if on a phone (FLAC at 48 kHz). Each clip gets
# pink room noise at a signal-to-noise ratio drawn between 10 and 25 dB
# (`voicelab.augment.add_noise`, from {doc}`07_augmentation`).

# %% tags=["nbval-ignore-output"]
SHIFT = -2  # semitones
DEVICES = {1: (".wav", 44_100), 2: (".flac", 48_000)}  # take -> format, rate
start = Path.cwd()
workdir = Path(tempfile.mkdtemp(prefix="voicelab-13-"))
os.chdir(workdir)  # paths below are relative: recordings/, recordings-model/, new/
rng = np.random.default_rng(13)
chosen = corpus[corpus["sentence_id"].isin(script["sentence_id"])]
for clip in tqdm(chosen.itertuples(), total=len(chosen), desc="writing"):
    y, sr = audio.load(clip.path)
    voices = {clip.speaker: y}
    if clip.speaker == "slt":
        voices["slt_low"] = librosa.effects.pitch_shift(y, sr=sr, n_steps=SHIFT)
    for name, voice in voices.items():
        ext, rate = DEVICES[clip.take]
        noisy = augment.add_noise(voice, rng.uniform(10, 25), rng=rng, kind="pink")
        path = Path("recordings", name, f"{clip.sentence_id}_t{clip.take}{ext}")
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, audio.resample(noisy, sr, rate), rate, subtype="PCM_16")
glue("shift_factor", round(2 ** (SHIFT / 12), 3))

# %% [markdown]
# And one broken file, as a copy cut short by a full disk or an unplugged phone
# leaves it: the first third of a WAV file, with its header intact.

# %%
broken = Path("recordings/slt_low/s020_t1.wav")
intact = broken.read_bytes()
broken.write_bytes(intact[: len(intact) // 3])
files = sorted(Path("recordings").glob("*/*"))
listing = pd.DataFrame({
    "speaker": [p.parent.name for p in files],
    "format": [p.suffix for p in files],
    "rate (Hz)": [sf.info(p).samplerate for p in files],
})
print(listing.value_counts(sort=False).rename("files").to_string())

# %% [markdown]
# Listen to one sentence in the three voices. Behind the room noise, `slt_low` sounds
# like a lower, slightly larger relative of slt.

# %% tags=["nbval-ignore-output"]
y_voices = {name: audio.load(f"recordings/{name}/s001_t1.wav")[0]
            for name in ("clb", "slt", "slt_low")}
f0 = {name: float(np.median(librosa.yin(y, fmin=80, fmax=400, sr=audio.SR)))
      for name, y in y_voices.items()}
ratio = f0["slt_low"] / f0["slt"]
assert abs(ratio - 2 ** (SHIFT / 12)) < 0.03, ratio  # the player's claim: 2 semitones
assert all(len(y) > 2 * audio.SR for y in y_voices.values())
medians = ", ".join(f"{name} {round(f):d}" for name, f in f0.items())
print(f"median F0 of s001 take 1 (Hz): {medians}; slt_low / slt = {ratio:.2f}")
viz.audio_table({name: (y, audio.SR) for name, y in y_voices.items()}, columns=2)

# %% [markdown]
# ## Check the folder first
#
# A broken file found after ten minutes of feature extraction costs ten minutes. So
# decode every file before anything else, and list *every* problem at once, each with
# what to do. Two kinds:
#
# - an **error** stops training: a file that cannot be decoded, is not audio, lasts less
#   than `MIN_SECONDS`, or a folder the loader refuses (one speaker, one sentence);
# - a **warning** weakens the numbers: fewer than `MIN_SENTENCES` sentences, sentences
#   one speaker did not read, single takes, clipping, and a device only one speaker
#   used.
#
# The per-file check reuses `voicelab.audio.load` of {doc}`01_sound_as_data`, whose
# messages already say what to do; the table check reuses `load_folder`.

# %%
def check_folder(
    root: str | os.PathLike, *, min_seconds: float = MIN_SECONDS, progress: bool = True
) -> pd.DataFrame:
    """Every problem of a recordings folder with what to do, one row per problem.
    Taught in chapter 13 (Your own voices).

    Each file is decoded with :func:`voicelab.audio.load` (clips shorter than
    ``min_seconds`` are errors); when no file is an error, the folder is read with
    :func:`voicelab.data.load_folder` and the table is checked too. Columns:
    ``severity`` ("error" stops training, "warning" weakens the numbers), ``where`` (a
    file or folder, relative to ``root``) and ``problem``. Files are only read.
    """
    root = Path(root)
    if not root.is_dir():
        problem = "is not a folder: pass the one that holds a subfolder per speaker."
        return pd.DataFrame([("error", str(root), problem)],
                            columns=["severity", "where", "problem"])
    files = sorted(p for p in root.glob("*/*")
                   if p.is_file() and not p.name.startswith(".")
                   and not p.parent.name.startswith("."))
    rows, rates = [], {}
    for path in tqdm(files, desc="check", disable=not progress):
        where = path.relative_to(root).as_posix()
        problem, rates[where] = _file_problem(path, min_seconds)
        if problem:
            rows.append(problem)
    loose = sorted(p.name for p in root.iterdir() if p.is_file()
                   and p.suffix.lower() in data.AUDIO_EXTENSIONS)
    if loose:
        rows.append(("warning", ".", f"{len(loose)} audio files outside any speaker's "
                     f"folder are ignored, e.g. {loose[0]}: move them into one."))
    if not any(severity == "error" for severity, _, _ in rows):
        try:
            table = data.load_folder(root)
        except ValueError as err:
            message = str(err).replace(str(root.resolve()), str(root))
            rows.append(("error", ".", message))
        else:
            rows += _table_problems(table, rates)
    return pd.DataFrame(rows, columns=["severity", "where", "problem"])


def _file_problem(path: Path, min_seconds: float) -> tuple[tuple | None, int]:
    """The problem of one file (or None) and its sample rate (0 when unreadable)."""
    where = path.relative_to(path.parents[1]).as_posix()
    if path.suffix.lower() not in data.AUDIO_EXTENSIONS:
        return ("error", where, f"is not a {'/'.join(data.AUDIO_EXTENSIONS)} file: "
                f"convert it (`ffmpeg -i {path.name} {path.stem}.wav`) or move it "
                "out of the folder."), 0
    try:
        y, sr = audio.load(path, sr=None, min_duration=min_seconds)
    except audio.AudioError as err:
        return ("error", where, str(err).replace(f"'{path}' ", "")), 0
    if np.max(np.abs(y)) >= 0.999:
        return ("warning", where, "reaches full scale (clipping): lower the input "
                "gain, or move away from the microphone, and record it again."), sr
    return None, sr


def _table_problems(table: pd.DataFrame, rates: dict[str, int]) -> list[tuple]:
    """Warnings about the recordings as a whole: too few, missing, one take, devices."""
    rows = []
    everything = set(table["sentence_id"])
    device = pd.Series([f"{rates[f] / 1000:g} kHz {Path(f).suffix.lower()}"
                        for f in table["file"]], index=table.index)
    for speaker, clips in table.groupby("speaker"):
        read = set(clips["sentence_id"])
        if len(read) < MIN_SENTENCES:
            rows.append(("warning", speaker, f"reads {len(read)} different sentences: "
                         f"record at least {MIN_SENTENCES} for numbers you can trust."))
        if everything - read:
            missing = sorted(everything - read)
            rows.append(("warning", speaker, f"has not read {len(missing)} sentences "
                         f"the others read, e.g. {missing[0]}: record them, or a model "
                         "may learn what is said instead of who says it."))
        single = int((clips.groupby("sentence_id").size() == 1).sum())
        if single:
            rows.append(("warning", speaker, f"has one take of {single} sentences: "
                         "record a second take, on another day if you can."))
        own = set(device[clips.index])
        if not own & set(device[table["speaker"] != speaker]):
            rows.append(("warning", speaker, "was recorded only with rates or formats "
                         f"no one else used ({', '.join(sorted(own))}): a model can "
                         "learn the device instead of the voice. Record everyone with "
                         "the same device and settings."))
    return rows


# %% [markdown]
# Run it on the folder.

# %%
problems = check_folder("recordings", progress=False)
for row in problems.itertuples():
    print(textwrap.fill(f"{row.severity} {row.where}: {row.problem}", 88,
                        subsequent_indent="    "))
assert problems["where"].tolist() == ["slt_low/s020_t1.wav"]

# %% [markdown]
# The `voicelab` command (below) runs this check before it trains, and stops at an
# error with one line, not a traceback. Here is what you would see in a terminal after
# `voicelab train recordings`:

# %%
error = io.StringIO()
with contextlib.redirect_stderr(error):
    status = cli.main(["train", "recordings", "--quiet"])
print(f"exit status {status}")
print(textwrap.fill(error.getvalue(), 88))
assert status == 1 and error.getvalue().count("\n") == 1

# %% [markdown]
# The fix is to record that take again, or to copy it again from the phone. Here the
# intact bytes are still at hand. Then check again, this time with the command
# (`voicelab check recordings` in a terminal):

# %%
broken.write_bytes(intact)
status = cli.main(["check", "recordings", "--quiet"])
assert status == 0

# %% [markdown]
# ```{note}
# `check_folder` only reads. The command never writes into your folder either: it
# writes its model and report next to it, into `recordings-model/`. The end of the
# chapter checks this with file hashes.
# ```
#
# ## From folder to features
#
# The loader gives the table every chapter uses, with a split by sentence: train, val
# and test. With 20 sentences, 16 train, 2 are for validation and 2 for the final test.

# %%
table = data.load_folder("recordings")
speakers = list(table.drop_duplicates("label").sort_values("label")["speaker"])
print(f"{len(table)} clips, speakers {speakers} = labels {list(range(len(speakers)))}")
print(table.pivot_table(index="speaker", columns="split", values="sentence_id",
                        aggfunc="nunique").to_string())

# %% [markdown]
# ```{note}
# With only 2 different sentences, `load_folder` makes a **two-way** split: one
# sentence trains, one tests, and there is no validation sentence. With 3 to 9, val
# and test get one sentence each. Below 20 sentences the numbers become too uncertain to
# say much; `check_folder` warns.
# ```
#
# Each clip becomes the 40 numbers of {doc}`02_features`: the mean and standard
# deviation of 20 MFCCs over its frames. The files are resampled to 16 kHz when read;
# the features are cached by each file's SHA-256, so a second run reads them back.

# %% tags=["nbval-ignore-output"]
X_all = features.extract(table, "mfcc")

# %%
X = X_all.to_numpy()
y = table["label"].to_numpy()
groups = table["sentence_id"].to_numpy()
is_dev = (table["split"] != "test").to_numpy()  # train + val: the development sentences
X_dev, y_dev, groups_dev = X[is_dev], y[is_dev], groups[is_dev]
print(f"X: {X.shape} (clips, features); development: {is_dev.sum()} clips of "
      f"{len(set(groups_dev))} sentences; test: {(~is_dev).sum()} clips")

# %% [markdown]
# ## A model for any number of speakers
#
# With two speakers, logistic regression squashed one score into a probability with
# the sigmoid. With $K$ speakers it computes one score per speaker,
# $z_k = \mathbf{w}_k \cdot \mathbf{x} + b_k$, and turns the scores into probabilities
# with the *softmax* of {doc}`04_micrograd`:
#
# $$
# p(k \mid \mathbf{x}) = \frac{e^{z_k}}{\sum_{j=1}^{K} e^{z_j}} ,
# \qquad k = 1, \dots, K .
# $$ (eq-13-softmax)
#
# scikit-learn fits all $K$ weight vectors at once, minimising the cross-entropy (the
# log loss of {doc}`03_classical_ml` with $K$ classes) plus an L2 penalty. Fit it on the
# development clips and recompute its probabilities with {eq}`eq-13-softmax`.

# %%
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
fitted = clone(model).fit(X_dev, y_dev)
scaler, logreg = fitted[0], fitted[-1]
z = scaler.transform(X_dev) @ logreg.coef_.T + logreg.intercept_
p_hand = np.exp(z - z.max(axis=1, keepdims=True))  # shifting z changes nothing
p_hand /= p_hand.sum(axis=1, keepdims=True)
np.testing.assert_allclose(p_hand, fitted.predict_proba(X_dev), rtol=1e-9, atol=1e-12)
print(f"weights {logreg.coef_.shape} (speakers, features), biases "
      f"{logreg.intercept_.shape}; softmax by hand = predict_proba")

# %% [markdown]
# ### How well, honestly
#
# Those were training probabilities: a check of the formula, not a result. To estimate
# how the model does on sentences it has not heard, use the repeated sentence-grouped
# cross-validation of {doc}`03_classical_ml` on the development sentences, leaving the
# test sentences alone. `voicelab.evaluate.grouped_cv` handles two classes; the
# function below does the same for any number, and also keeps every clip's
# *out-of-fold* probabilities: each from a model that never saw that clip's sentence.
# They are the **validation predictions** the rest of the chapter chooses things on.

# %%
def grouped_proba(
    model: Any, X: Any, y: Any, groups: Any, *, n_splits: int = 5,
    n_repeats: int = 5, seed: int = 0,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Repeated sentence-grouped cross-validation for any number of speakers.
    Taught in chapter 13 (Your own voices).

    ``y`` holds labels ``0 .. K-1``, ``groups`` each clip's sentence; the folds (at most
    one per sentence) are those of :func:`voicelab.evaluate.grouped_cv`. Returns the
    accuracy of every (repeat, fold), for :func:`voicelab.evaluate.summarize`, and the
    out-of-fold probabilities of the first repeat: one row per clip, one column per
    label.
    """
    X, y, groups = np.asarray(X), np.asarray(y), np.asarray(groups)
    n_splits = min(n_splits, len(np.unique(groups)))
    rows, first = [], None
    for repeat in range(n_repeats):
        proba = np.zeros((len(y), y.max() + 1))
        folds = GroupKFold(n_splits, shuffle=True, random_state=seed + repeat)
        for fold, (train, test) in enumerate(folds.split(X, y, groups)):
            fitted = clone(model).fit(X[train], y[train])
            proba[np.ix_(test, fitted.classes_)] = fitted.predict_proba(X[test])
            accuracy = np.mean(proba[test].argmax(axis=1) == y[test])
            rows.append({"repeat": repeat, "fold": fold, "accuracy": accuracy})
        first = proba if first is None else first
    return pd.DataFrame(rows), first


# %% [markdown]
# For two speakers its folds and accuracies are those of `evaluate.grouped_cv`:

# %%
pair = y_dev < 2
pair_scores, _ = grouped_proba(model, X_dev[pair], y_dev[pair], groups_dev[pair],
                               n_repeats=2)
reference = evaluate.grouped_cv(model, X_dev[pair], y_dev[pair], groups_dev[pair],
                                n_repeats=2, metrics=("accuracy",))
np.testing.assert_allclose(pair_scores["accuracy"], reference["accuracy"])
print(f"{len(pair_scores)} folds: grouped_proba = evaluate.grouped_cv")

# %% [markdown]
# Now all three voices, 5 folds repeated 5 times. Guessing would score one in three.

# %% tags=["nbval-ignore-output"]
cv_scores, proba_dev = grouped_proba(model, X_dev, y_dev, groups_dev)
cv = evaluate.summarize(cv_scores).loc["accuracy"]
print(f"accuracy, 5 x 5 sentence-grouped CV: {cv['mean']:.3f} ± {cv['std']:.3f} "
      f"(repeat means {cv['low']:.3f} to {cv['high']:.3f})")
assert cv["mean"] > 0.9 and cv["high"] - cv["low"] < 0.1
for key in ("mean", "std", "low", "high"):
    glue(f"cv_{key}", round(cv[key], 3))

# %% [markdown]
# The model names the right speaker for {glue:text}`cv_mean:.3f` of the development
# clips (standard deviation over folds {glue:text}`cv_std:.3f`; the means of the 5
# repeats range from {glue:text}`cv_low:.3f` to {glue:text}`cv_high:.3f`). Which voices
# does it confuse? The confusion matrix of the out-of-fold predictions:

# %% tags=["nbval-ignore-output"]
predicted_dev = proba_dev.argmax(axis=1)
ax = viz.plot_confusion(y_dev, predicted_dev, labels=speakers,
                        title="Validation predictions (out of fold)")
plt.show()
wrong = predicted_dev != y_dev
relatives = wrong & (y_dev > 0) & (predicted_dev > 0)  # slt taken for slt_low, or back
assert relatives.sum() >= wrong.sum() - relatives.sum()
glue("n_dev_errors", int(wrong.sum()))
glue("n_relative_errors", int(relatives.sum()))

# %% [markdown]
# Of the {glue:text}`n_dev_errors:d` mistakes, {glue:text}`n_relative_errors:d` confuse
# slt and slt_low, two versions of one voice; clb, the other real voice, is rarely
# involved. With recordings of your own, look at which pairs get confused, and listen
# to those clips.
#
# ## Saying "unknown"
#
# A classifier always names one of the speakers it was trained on, even for a voice it
# has never heard. A simple guard is the *confidence*, the highest probability
# $c_i = \max_k p(k \mid \mathbf{x}_i)$: below a threshold $t$, answer "unknown".
#
# Choose $t$ on the validation predictions, never on the test clips. One rule is to
# keep a share $q$ of the answers that were right. With $C$ the validation clips the
# model named correctly,
#
# $$
# t^* = \max \left\{ t : \frac{|\{ i \in C : c_i \ge t \}|}{|C|} \ge q \right\} .
# $$ (eq-13-threshold)
#
# By hand, try every confidence as a threshold and keep the largest that works:

# %%
KEEP = 0.95  # q: the share of correct validation answers to keep
confidence = proba_dev.max(axis=1)
correct = proba_dev.argmax(axis=1) == y_dev
candidates = np.unique(confidence)
kept = np.array([np.mean(confidence[correct] >= t) for t in candidates])
t_hand = candidates[kept >= KEEP].max()

# %% [markdown]
# The same as a function: sort the correct answers' confidences from high to low and
# take the last one that must be kept.

# %%
def confidence_threshold(proba: Any, y: Any, *, keep: float = 0.95) -> float:
    """The confidence below which a prediction says "unknown", chosen on validation.
    Taught in chapter 13 (Your own voices).

    A prediction's confidence is its highest probability. The threshold is the highest
    one that keeps at least ``keep`` of the correct answers among the validation
    probabilities ``proba`` (one row per clip) of clips labelled ``y``.
    """
    proba, y = np.asarray(proba), np.asarray(y)
    correct = np.sort(proba.max(axis=1)[proba.argmax(axis=1) == y])[::-1]
    assert correct.size, "no correct validation answer: the model has learned nothing"
    n_kept = int(np.ceil(round(keep * correct.size, 9)))  # round: 0.95 * 20 is 19
    return float(correct[n_kept - 1])


def name_or_unknown(proba: Any, speakers: Any, threshold: float) -> np.ndarray:
    """The most probable speaker of each clip, or ``UNKNOWN`` below ``threshold``.
    Taught in chapter 13 (Your own voices).

    ``proba`` has one row per clip and one column per name in ``speakers``.
    """
    proba = np.asarray(proba)
    names = np.asarray(speakers, dtype=object)[proba.argmax(axis=1)]
    return np.where(proba.max(axis=1) >= threshold, names, UNKNOWN)


# %% tags=["nbval-ignore-output"]
threshold = confidence_threshold(proba_dev, y_dev, keep=KEEP)
assert threshold == t_hand
answers = name_or_unknown(proba_dev, speakers, threshold)
named = answers != UNKNOWN
right_kept = np.mean(named[correct])
wrong_caught = 1 - np.mean(named[~correct]) if (~correct).any() else float("nan")
print(f"threshold {threshold:.3f}: keeps {right_kept:.3f} of the right answers")
print(f"turns {wrong_caught:.3f} of the {np.sum(~correct)} wrong ones into unknown")
assert right_kept >= KEEP
glue("threshold", round(threshold, 3))
glue("wrong_caught", round(wrong_caught, 3))
glue("n_wrong", int(np.sum(~correct)))

# %% [markdown]
# With $q$ = `KEEP` = `0.95`, the threshold is {glue:text}`threshold:.3f`. Of the
# {glue:text}`n_wrong:d` wrong validation answers, a share of
# {glue:text}`wrong_caught:.3f` fall below it and become "unknown". The histogram shows
# why the rule works at all: the wrong answers come with lower confidence than most
# right ones.

# %%
fig, ax = plt.subplots(figsize=(8, 3.2))
bins = np.linspace(1 / len(speakers), 1, 21)
ax.hist(confidence[correct], bins=bins, color="C0", label="right")
ax.hist(confidence[~correct], bins=bins, color="C3", label="wrong")
ax.axvline(threshold, color="k", linestyle="--", label="threshold")
ax.set(title="Confidence of the validation predictions",
       xlabel="Highest probability", ylabel="Clips")
ax.legend()
plt.show()
assert correct.all() or confidence[~correct].max() < np.median(confidence[correct])

# %% [markdown]
# ### A voice the model never heard
#
# The real use of "unknown" is a stranger. Test it: enrol only clb and slt (their
# development sentences), choose the threshold on their out-of-fold predictions, and
# present every clip of `slt_low`, whom this model has never heard.

# %% tags=["nbval-ignore-output"]
enrolled = y_dev < 2
_, proba_two = grouped_proba(model, X_dev[enrolled], y_dev[enrolled],
                             groups_dev[enrolled])
threshold_two = confidence_threshold(proba_two, y_dev[enrolled], keep=KEEP)
two_voices = clone(model).fit(X_dev[enrolled], y_dev[enrolled])
proba_stranger = two_voices.predict_proba(X[y == 2])
verdict = pd.Series(name_or_unknown(proba_stranger, speakers[:2], threshold_two))
print(f"threshold {threshold_two:.3f}; slt_low's {len(verdict)} clips are called:")
print(verdict.value_counts().to_string())
caught = np.mean(verdict == UNKNOWN)
assert caught < 0.5 and np.mean(verdict == "slt") > 0.5  # mostly taken for slt
glue("stranger_caught", round(caught, 3))

# %% [markdown]
# Most of slt_low's clips are named slt, confidently: only a share of
# {glue:text}`stranger_caught:.3f` falls below the threshold. The confidence of a
# closed-set classifier measures how far a clip is from the *other enrolled* voices,
# not how close it is to the one it names, and slt_low is far from clb. A threshold
# catches voices unlike every enrolled one; a relative, a twin or an impersonator slips
# through. {cite}`hendrycks2017baseline` proposed the highest softmax probability as a
# baseline detector of wrong and unfamiliar inputs, and found that unfamiliar inputs
# often still get a high one.
#
# ```{warning}
# "Unknown" below a threshold is a convenience, not a security check. To decide
# whether a voice belongs to anyone enrolled, evaluate on recordings of people who are
# *not* enrolled: that is the verification view, next.
# ```
#
# ## The verification view
#
# A *verification* system answers a yes-or-no question: is this clip speaker $k$, as
# claimed? Every pair (clip $i$, claimed speaker $k$) is a *trial* with score
# $s_{ik} = p(k \mid \mathbf{x}_i)$. It is a *target* trial when clip $i$ is speaker
# $k$'s, an *impostor* trial otherwise. Accepting when $s \ge t$ makes two kinds of
# error:
#
# $$
# \begin{aligned}
# \text{FAR}(t) &= \frac{|\{\text{impostor trials with } s \ge t\}|}
#                        {|\{\text{impostor trials}\}|} , \\
# \text{FRR}(t) &= \frac{|\{\text{target trials with } s < t\}|}
#                        {|\{\text{target trials}\}|} .
# \end{aligned}
# $$ (eq-13-far-frr)
#
# Raising $t$ trades false accepts for false rejects (misses). The **equal error rate**
# (EER) is the rate where the two meet: one number for the whole trade-off, the one
# speaker-verification papers quote {cite}`kinnunen2010overview`. By hand, over every
# score as a threshold:

# %%
def verification_trials(proba: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Every (clip, speaker) pair as a verification trial: its score and whether the
    clip is that speaker's. Taught in chapter 13 (Your own voices).

    ``proba`` has one row per clip and one column per speaker; ``y`` holds the labels.
    """
    proba = np.asarray(proba)
    targets = np.asarray(y)[:, None] == np.arange(proba.shape[1])
    return proba.ravel(), targets.ravel()


scores, targets = verification_trials(proba_dev, y_dev)
far = np.array([np.mean(scores[~targets] >= t) for t in np.unique(scores)])
frr = np.array([np.mean(scores[targets] < t) for t in np.unique(scores)])
closest = np.argmin(np.abs(far - frr))
eer_hand = (far[closest] + frr[closest]) / 2
print(f"{targets.sum()} target and {(~targets).sum()} impostor trials")

# %% [markdown]
# scikit-learn's `det_curve` gives both rates at every threshold, faster:

# %%
def equal_error_rate(proba: Any, y: Any) -> tuple[float, float]:
    """The equal error rate of the verification trials, and its threshold.
    Taught in chapter 13 (Your own voices).

    The mean of the false-accept and miss rates where they are closest; ``proba`` and
    ``y`` as for :func:`verification_trials`.
    """
    scores, targets = verification_trials(proba, y)
    false_accepts, misses, thresholds = det_curve(targets, scores)
    i = np.argmin(np.abs(false_accepts - misses))
    return float((false_accepts[i] + misses[i]) / 2), float(thresholds[i])


# %% tags=["nbval-ignore-output"]
eer, eer_threshold = equal_error_rate(proba_dev, y_dev)
np.testing.assert_allclose(eer, eer_hand)
print(f"EER {eer:.3f} at threshold {eer_threshold:.3f}")
assert eer < 0.1
glue("eer", round(eer, 3))

# %% [markdown]
# The equal error rate is {glue:text}`eer:.3f`. The *DET curve* (detection error
# trade-off) draws the whole trade-off: misses against false accepts, both on a
# normal-deviate (probit) scale, on which the curve of two Gaussian score distributions
# is a straight line {cite}`martin1997det`. Better systems lie closer to the lower-left
# corner. The EER is where the curve crosses the diagonal.

# %%
def plot_det(proba: Any, y: Any, *, ax: Axes | None = None, name: str | None = None,
             title: str = "DET curve of the verification trials") -> Axes:
    """The DET curve of the verification trials, on normal-deviate axes, EER marked.
    Taught in chapter 13 (Your own voices).

    ``proba`` and ``y`` as for :func:`verification_trials`; ``name`` labels the curve.
    """
    scores, targets = verification_trials(proba, y)
    ax = DetCurveDisplay.from_predictions(targets, scores, ax=ax, name=name).ax_
    eer, _ = equal_error_rate(proba, y)
    if 0 < eer < 1:
        ax.plot(norm.ppf(eer), norm.ppf(eer), "ko", label=f"EER {eer:.3f}")
    ax.set(title=title, xlabel="False accepts (share of other speakers' trials)",
           ylabel="Misses (share of own trials)")
    ax.legend(loc="upper right")
    return ax


ax = plot_det(proba_dev, y_dev, name="MFCC + logistic regression")
plt.show()

# %% [markdown]
# ## The final model, tested once
#
# Every choice is made: features, model, threshold. Fit on all development sentences,
# and score the test sentences once. The interval comes from the cluster bootstrap over
# sentences of {doc}`03_classical_ml`.

# %% tags=["nbval-ignore-output"]
final = clone(model).fit(X_dev, y_dev)
proba_test = final.predict_proba(X[~is_dev])
test_groups = groups[~is_dev]
test_acc, low, high = evaluate.bootstrap_ci(
    y[~is_dev], proba_test.argmax(axis=1), lambda t, p: float(np.mean(t == p)),
    groups=test_groups)
test_unknown = np.mean(name_or_unknown(proba_test, speakers, threshold) == UNKNOWN)
print(f"test: {(~is_dev).sum()} clips of {len(set(test_groups))} sentences, accuracy "
      f"{test_acc:.3f}, interval {low:.3f} to {high:.3f}; unknown {test_unknown:.3f}")
assert test_acc >= 0.75
glue("test_acc", round(test_acc, 3))
glue("test_low", round(low, 3))
glue("test_high", round(high, 3))
glue("n_test_sentences", len(set(test_groups)))

# %% [markdown]
# On the test sentences the model scores {glue:text}`test_acc:.3f`, with a bootstrap
# interval from {glue:text}`test_low:.3f` to {glue:text}`test_high:.3f`. Read it with
# care: {glue:text}`n_test_sentences:d` sentences can only be resampled a handful of
# ways, so the interval is far narrower than the real uncertainty. With a folder this
# small, the cross-validation over the development sentences says more; the test is a
# last check that nothing went wrong.
#
# ### Harder conditions
#
# Your recordings come from one quiet room. The people who will use the model may call
# from a phone or a café. {doc}`12_comparison` built seeded versions of a clip that are
# harder to hear: noise, a telephone channel, babble of other voices.
# `speaker_id.condition_accuracy` scores a model on the test clips as recorded and under
# three of them. It needs a function from clips to probabilities, so the MFCC
# statistics are computed from the audio in memory (`speaker_id.mfcc_vectors`, the same
# numbers as `features.extract`). The exact numbers depend on your CPU, so the tests
# check only the claims.

# %% tags=["nbval-ignore-output"]
test_clips = data.load_clips(table[~is_dev])
harder = speaker_id.condition_accuracy(
    lambda clips: final.predict_proba(speaker_id.mfcc_vectors(clips)),
    test_clips, y[~is_dev])
print(harder.round(3).to_string())
assert abs(harder["clean"] - test_acc) < 1e-9  # the same model on the same clips
assert harder.drop("clean").min() < harder["clean"]  # some condition costs accuracy
glue("harder_worst", harder.drop("clean").idxmin())
glue("harder_worst_acc", round(harder.drop("clean").min(), 3))

# %% [markdown]
# The hardest of the three for this model is {glue:text}`harder_worst`, where the
# accuracy falls to {glue:text}`harder_worst_acc:.3f`. The `voicelab train` command
# prints the same line for your folder. If the people you care about will call from
# a phone, record some of your sentences through one.
#
# ### New files
#
# The point of a model is to name the speaker of new recordings. Make six: sentences
# 41 and 42 of the corpus, which are not in the folder, by clb, slt and slt_low, in
# formats the folder does not use (OGG at 22 050 Hz, MP3 at 32 kHz).

# %%
new_files = []
for sentence, ext, rate in [("s041", ".ogg", 22_050), ("s042", ".mp3", 32_000)]:
    for name in ("clb", "slt", "slt_low"):
        clip = corpus.query(f"speaker == '{name[:3]}' and sentence_id == '{sentence}'")
        y_new, sr = audio.load(clip["path"].iloc[0])
        if name == "slt_low":
            y_new = librosa.effects.pitch_shift(y_new, sr=sr, n_steps=SHIFT)
        path = Path("new", f"{name}_{sentence}{ext}")
        path.parent.mkdir(exist_ok=True)
        sf.write(path, audio.resample(y_new, sr, rate), rate)
        new_files.append(path)
print(textwrap.fill(", ".join(map(str, new_files)), 88))

# %% tags=["nbval-ignore-output"]
new = pd.DataFrame({"path": [str(p) for p in new_files]})
proba_new = final.predict_proba(features.extract(new, "mfcc", progress=False))
new["speaker"] = name_or_unknown(proba_new, speakers, threshold)
new["confidence"] = proba_new.max(axis=1).round(3)
print(new.to_string(index=False))
truth = [p.name.rsplit("_", 1)[0] for p in new_files]
assert np.mean(new["speaker"] == truth) >= 0.5

# %% [markdown]
# ## The same from the command line
#
# The `voicelab` command runs these steps on your folder. `make` installs it into the
# course's environment (`.venv/bin/voicelab`); installing voicelab with `pip`, as the
# Colab cell does, installs it too.
#
# ```bash
# voicelab check recordings                   # every problem, with its fix
# voicelab train recordings                   # writes recordings-model/
# voicelab train recordings --model cnn       # two speakers only
# voicelab predict recordings-model new/*.wav # a name, or "unknown"
# ```
#
# `train` checks the folder, extracts the MFCC summaries, estimates the accuracy with
# 5 × 5 sentence-grouped cross-validation on the development sentences, chooses the
# "unknown" threshold and the EER on their out-of-fold predictions, fits the final
# model and scores the test sentences once. `--model cnn` trains the CNN of
# {doc}`06_cnn` instead; it has one sigmoid output, so it handles two speakers only,
# stops early on the validation sentences and is evaluated on the test split alone.
# Training 25 networks for a cross-validation would take too long. In a notebook,
# `cli.main` takes the same arguments as a list.

# %% tags=["nbval-ignore-output"]
def fingerprint(folder: str) -> dict[str, str]:
    """SHA-256 of every file under ``folder``."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


before = fingerprint("recordings")
status = cli.main(["train", "recordings", "--quiet"])
assert status == 0 and fingerprint("recordings") == before  # only read

# %%
print(", ".join(sorted(p.name for p in Path("recordings-model").iterdir())))
print(Path("recordings-model/report.md").read_text().splitlines()[0])

# %% [markdown]
# The report (`report.md`) holds the same numbers as sentences, the confusion matrix of
# the test clips and the DET curve; `test_predictions.csv` lists every test clip with
# its prediction, so that you can listen to the mistakes. `model.json` says which
# speakers the model knows and its threshold. Then name the speakers of new files:

# %% tags=["nbval-ignore-output"]
status = cli.main(["predict", "recordings-model", *map(str, new_files), "--quiet"])
assert status == 0

# %% [markdown]
# (sec-13-consent)=
# ## Consent and privacy
#
# A voice identifies a person, like a face or a fingerprint: recordings of voices, and
# models trained on them, are **biometric data**. In the European Union, the General
# Data Protection Regulation counts biometric data processed to identify someone among
# the special categories of personal data, which may be processed only under strict
# conditions such as explicit consent {cite}`gdpr2016`; other places have similar
# laws. This is not legal advice, and a purely personal project at home may fall
# outside such laws, but the decent practice is the same everywhere
# {cite}`nautsch2019preserving`:
#
# - **Ask first, in writing.** Say what you record, what for, who can hear it, and how
#   long you keep it. Ask a parent for a child. Anyone may say no, or change their mind
#   later.
# - **Keep it local.** voicelab never uploads anything. Do not put recordings, or a
#   trained model, in a public repository or a shared drive: a model and its
#   threshold are a key to a person's voice, and a few minutes of clean speech are
#   enough to clone a voice.
# - **Delete on request**: the recordings, their features (in the cache folder,
#   `~/.cache/voicelab`, keyed by file hash), and every model trained on them.
# - **Do not decide about people with it.** A model that scores well on 20 sentences in
#   one room is not evidence of who said something, and not an access control.

# %% [markdown]
# ## Summary
#
# - Record the same 20 or more sentences, twice, with one device and one room for
#   everybody; one device per speaker lets a model learn the device.
# - Lay the files out as `<folder>/<speaker>/<sentence>_t<take>.wav`, check the folder
#   before training, and fix every error it lists.
# - MFCC summaries with a softmax logistic regression handle any number of speakers;
#   estimate them with repeated sentence-grouped cross-validation on the development
#   sentences, and test once.
# - A confidence threshold chosen on validation predictions turns doubtful answers
#   into "unknown", but does not catch a voice close to an enrolled one.
# - As a verification system, the same probabilities give an equal error rate and a
#   DET curve.
# - Voices are biometric data: ask for consent, keep recordings local, delete on
#   request.

# %% [markdown]
# ## Exercises
#
# Each solution is a collapsed block; the hidden cell after it runs the solution's code.
#
# **1. Two sentences only.** Copy the clips of sentences s001 and s002 into a new
# folder and load it. How is it split? What does `voicelab train` report, and what can
# it not do?
#
# ````{admonition} Solution
# :class: dropdown
# `load_folder` makes a two-way split: sentence {glue:text}`ex1_train` trains and
# {glue:text}`ex1_test` tests, {glue:text}`ex1_test_clips:d` clips. With a single
# development sentence there is no cross-validation, so the command has no estimate
# with a spread, no validation predictions, and so no "unknown" threshold and no EER.
# It says so, and reports the accuracy on one test sentence, which says almost
# nothing.
# ````

# %% tags=["hide-cell", "nbval-ignore-output"]
for path in Path("recordings").glob("*/s00[12]_*"):
    target = Path("two_sentences", path.parent.name, path.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, target)
small = data.load_folder("two_sentences")
by_split = small.groupby("split")["sentence_id"].unique()
assert set(by_split.index) == {"train", "test"}
glue("ex1_train", by_split["train"][0])
glue("ex1_test", by_split["test"][0])
glue("ex1_test_clips", int((small["split"] == "test").sum()))
status = cli.main(["train", "two_sentences", "--quiet"])
assert status == 0
assert not Path("two_sentences-model/det.png").exists()

# %% [markdown]
# **2. One device per speaker.** Make a copy of the folder in which all of clb's clips
# are OGG files at 22 050 Hz, while the others keep their WAV and FLAC files. What
# does the check say, and why does it matter even though the model resamples every clip
# to 16 kHz?
#
# ````{admonition} Solution
# :class: dropdown
# The check warns that clb was recorded only with settings no one else used.
# Resampling does not remove the device: a 22 050 Hz recording holds nothing above
# 11 kHz, a lossy codec leaves its own traces, and a different microphone has its own
# frequency response. A model can score well by recognising those, and then fail on
# the first clip recorded differently. Record everyone on the same device, or every
# speaker on every device.
# ````

# %% tags=["hide-cell"]
shutil.copytree("recordings", "one_device_each")
for path in sorted(Path("one_device_each/clb").iterdir()):
    y_clip, sr = sf.read(path)
    sf.write(path.with_suffix(".ogg"), audio.resample(y_clip, sr, 22_050), 22_050)
    path.unlink()
found = check_folder("one_device_each", progress=False)
print(textwrap.fill(found["problem"].iloc[0], 88))
assert found["where"].tolist() == ["clb"]
assert found["problem"].iloc[0].startswith("was recorded only with rates or formats")

# %% [markdown]
# **3. How much to keep.** Repeat the stranger test with $q$ = `0.8`, `0.9`, `0.95`
# and `0.99`. How do the threshold, the share of right validation answers that
# survive, and the share of slt_low's clips called "unknown" move?
#
# ````{admonition} Solution
# :class: dropdown
# A smaller $q$ raises the threshold: more of slt_low's clips become "unknown" (from
# {glue:text}`ex3_caught_99:.3f` at `0.99` to {glue:text}`ex3_caught_80:.3f` at
# `0.8`), and more right answers are lost with them. Even the strictest setting here
# lets most of the stranger's clips through as slt: no threshold fixes a voice that
# the model cannot tell from an enrolled one.
# ````

# %% tags=["hide-cell", "nbval-ignore-output"]
rows = []
for keep in (0.8, 0.9, 0.95, 0.99):
    t = confidence_threshold(proba_two, y_dev[enrolled], keep=keep)
    right = proba_two.argmax(axis=1) == y_dev[enrolled]
    rows.append({"keep": keep, "threshold": round(t, 3),
                 "right kept": round(np.mean(proba_two.max(axis=1)[right] >= t), 3),
                 "slt_low unknown": round(np.mean(proba_stranger.max(axis=1) < t), 3)})
sweep = pd.DataFrame(rows)
print(sweep.to_string(index=False))
assert sweep["threshold"].is_monotonic_decreasing
assert sweep["slt_low unknown"].is_monotonic_decreasing
assert sweep["slt_low unknown"].max() < 0.5
glue("ex3_caught_80", sweep["slt_low unknown"].iloc[0])
glue("ex3_caught_99", sweep["slt_low unknown"].iloc[-1])

# %% [markdown]
# **4. The CNN for two speakers.** Make a folder with clb and slt only, and train
# `voicelab train <folder> --model cnn`. Compare its report with `mfcc-logreg`'s on the
# same folder. What does the CNN's evaluation lack, and why?
#
# ````{admonition} Solution
# :class: dropdown
# The CNN is evaluated on the two test sentences only, with a threshold and an EER from
# the two validation sentences: no repeated cross-validation, because that would mean
# training 25 networks. Its numbers therefore have a much wider real uncertainty than
# the logistic regression's, whatever the printed interval says; on a folder this
# small, a difference between the two models means little.
# ````

# %% tags=["remove-cell"]
os.chdir(start)
shutil.rmtree(workdir)

# %% [markdown]
# ## Further reading
#
# - {cite}`kinnunen2010overview` surveys text-independent speaker recognition, from
#   MFCCs to the models that followed them; {cite}`reynolds2000speaker` is the classic
#   verification system with Gaussian mixtures and a background model of other voices.
# - {cite}`martin1997det` introduced the DET curve.
# - {cite}`hendrycks2017baseline` tests the highest softmax probability as a detector of
#   wrong and unfamiliar inputs; {cite}`geifman2017selective` chooses a threshold with
#   a guaranteed risk.
# - {cite}`nautsch2019preserving` reviews privacy in speaker and speech technology,
#   and {cite}`gdpr2016` is the European regulation itself (Articles 4 and 9 for
#   biometric data).
