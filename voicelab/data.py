"""The shipped two-speaker corpus, or a folder of your own recordings, as a table.

One row per clip, with the columns of ``CLIP_COLUMNS``, and sentence-grouped splits.
Taught in chapter 01 (Sound as data).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from voicelab import audio
from voicelab._util import file_sha256

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
SPEAKERS: tuple[str, ...] = ("clb", "slt")
CLIP_COLUMNS = (
    "path", "file", "speaker", "label", "sentence_id", "take", "text", "duration_s",
    "sha256", "split",
)
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
_TAKE_SUFFIX = re.compile(r"^(?P<sentence>.+?)_(?:t|take)(?P<take>\d+)$", re.IGNORECASE)
_REGENERATE = "Regenerate it with `python tools/make_corpus.py` in a clone of voicelab"


def load_corpus(root: str | os.PathLike = CORPUS_DIR) -> pd.DataFrame:
    """The corpus as a table, one row per clip, with its train/val/test split.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    root : str or os.PathLike
        Folder with ``manifest.csv``, ``splits.csv`` and the clips; default: the
        corpus shipped with voicelab.
    """
    root = Path(root).resolve()
    manifest = root / "manifest.csv"
    if not manifest.is_file():
        raise FileNotFoundError(f"No corpus manifest at '{manifest}'. {_REGENERATE}.")
    df = pd.read_csv(manifest, dtype=str, keep_default_na=False)
    unknown = sorted(set(df["speaker"]) - set(SPEAKERS))
    if unknown:
        raise ValueError(
            f"'{manifest}' names speakers {unknown} outside SPEAKERS={SPEAKERS}. "
            f"{_REGENERATE}, or read your own recordings with load_folder()."
        )
    absent = [f for f in df["file"] if not (root / f).is_file()]
    if absent:
        raise FileNotFoundError(
            f"{len(absent)} of the {len(df)} files listed in '{manifest}' are missing, "
            f"e.g. {absent[:3]}. {_REGENERATE}, or reinstall voicelab."
        )
    df = df.assign(
        path=[str(root / f) for f in df["file"]],
        label=df["speaker"].map(SPEAKERS.index).astype(int),
        take=df["take"].astype(int),
        duration_s=df["duration_s"].astype(float),
    )
    if not (root / "splits.csv").is_file():  # a corpus fresh from tools/make_corpus.py
        df["split"] = make_splits(df, seed=0)
        return df[list(CLIP_COLUMNS)]
    splits = pd.read_csv(root / "splits.csv", dtype=str).set_index("sentence_id")
    df["split"] = df["sentence_id"].map(splits["split"])
    if df["split"].isna().any():
        missing = sorted(set(df.loc[df["split"].isna(), "sentence_id"]))
        raise ValueError(
            f"'{root / 'splits.csv'}' has no split for sentences {missing[:5]}: it is "
            "out of date: delete it to get make_splits(df, seed=0)."
        )
    return df[list(CLIP_COLUMNS)]


# make_splits and load_clips are written out in chapter 01, verbatim (a test compares).
def make_splits(
    df: pd.DataFrame, *, seed: int = 0, fractions: Sequence[float] = (0.8, 0.1, 0.1),
    group: str = "sentence_id",
) -> pd.Series:
    """Assign every row to train, val or test, keeping each group in one split.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    df : pd.DataFrame
        One row per clip, with a ``group`` column.
    seed : int
        Seed of the shuffle of the groups.
    fractions : sequence of 3 floats
        Shares of the groups for train, val and test; each non-zero share gets at
        least one group, and train takes what rounding leaves.
    group : str
        Column whose values never straddle two splits.
    """
    groups = np.sort(df[group].unique())
    shares = np.asarray(fractions, dtype=float)
    counts = np.maximum(np.round(shares * len(groups)), shares > 0).astype(int)
    counts[0] = len(groups) - counts[1:].sum()
    assert np.isclose(shares.sum(), 1) and counts.min() >= 0, (fractions, counts)
    shuffled = np.random.default_rng(seed).permutation(groups)
    names = np.repeat(["train", "val", "test"], counts)
    return df[group].map(dict(zip(shuffled, names))).rename("split")


def load_clips(df: pd.DataFrame, *, sr: int = audio.SR) -> list[np.ndarray]:
    """Load the file of every row with ``voicelab.audio.load``, in row order.
    Taught in chapter 01 (Sound as data).

    Parameters
    ----------
    df : pd.DataFrame
        A table with a ``path`` column, from ``load_corpus`` or ``load_folder``.
    sr : int
        The sample rate every clip is resampled to.
    """
    return [audio.load(path, sr=sr)[0] for path in df["path"]]


def load_folder(
    root: str | os.PathLike, *, speakers: Sequence[str] | None = None
) -> pd.DataFrame:
    """Your own recordings, ``<root>/<speaker>/<sentence>[_t<take>].wav``, as a table.
    Taught in chapter 01 (Sound as data).

    The table has the columns of ``load_corpus``: ``text`` is empty, the durations
    come from the file headers, the splits from ``make_splits(df, seed=0)``; with
    only 2 different sentences, one trains and one tests (no val). Files
    whose names start with ``.`` and nested folders are ignored; any other file that
    is not readable audio (``AUDIO_EXTENSIONS``) is an error, so that nothing is
    dropped silently. Files are only read.

    Parameters
    ----------
    root : str or os.PathLike
        The folder that holds one subfolder per speaker.
    speakers : sequence of str, optional
        Subfolders to use, in label order; default: all of them, sorted by name.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(
            f"'{root}' is not a folder. Pass the folder that holds one subfolder per "
            "speaker, e.g. recordings/ holding recordings/alice/*.wav and "
            "recordings/bob/*.wav."
        )
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and _visible(p))
    if not folders:
        found = sorted(p.name for p in root.iterdir() if _visible(p))
        raise ValueError(
            f"'{root}' has no speaker subfolders (found {found[:10]}). Put each "
            f"speaker's recordings in their own subfolder: {root}/<speaker>/<name>.wav."
        )
    speakers = folders if speakers is None else list(speakers)
    absent = [s for s in speakers if s not in folders]
    if absent:
        raise ValueError(f"'{root}' has no subfolders {absent}; it has {folders}.")
    if len(speakers) < 2:
        raise ValueError(
            f"'{root}' holds recordings of {len(speakers)} speaker ({speakers}); a "
            "classifier needs at least 2. Add a subfolder per speaker."
        )
    rows = [row for label, name in enumerate(speakers)
            for row in _speaker_rows(root, name, label)]
    df = pd.DataFrame(rows, columns=list(CLIP_COLUMNS[:-1]))
    n_sentences = df["sentence_id"].nunique()
    if n_sentences < 2:
        raise ValueError(
            f"'{root}' holds {n_sentences} different sentence; training and testing "
            "need one each: record at least 2 different sentences (20 or more for "
            "numbers you can trust)."
        )
    three_way = n_sentences >= 3  # else too few for validation: train and test only
    df["split"] = make_splits(df, seed=0, fractions=(0.8, 0.1, 0.1) if three_way
                              else (0.5, 0.0, 0.5))
    return df


def _visible(path: Path) -> bool:
    return not path.name.startswith(".")


def _speaker_rows(root: Path, speaker: str, label: int) -> list[dict]:
    files = sorted(p for p in (root / speaker).iterdir() if p.is_file() and _visible(p))
    audio_files = [p for p in files if p.suffix.lower() in AUDIO_EXTENSIONS]
    if not audio_files:
        raise ValueError(
            f"'{root / speaker}' holds no audio (found {[p.name for p in files][:10]})."
            f" Accepted extensions: {', '.join(AUDIO_EXTENSIONS)}; convert other "
            "formats, e.g. `ffmpeg -i clip.m4a clip.wav`."
        )
    infos, bad = {}, [p for p in files if p not in audio_files]
    for p in audio_files:
        try:
            infos[p] = sf.info(p)
        except sf.LibsndfileError:
            bad.append(p)
    if bad:
        raise audio.NotAudioError(
            f"'{root / speaker}' holds files that are not readable audio: "
            f"{sorted(p.name for p in bad)}. Remove them from the folder, or convert "
            f"them to WAV (`ffmpeg -i clip.m4a clip.wav`); accepted extensions: "
            f"{', '.join(AUDIO_EXTENSIONS)}."
        )
    rows = []
    for p, info in infos.items():
        match = _TAKE_SUFFIX.match(p.stem)
        rows.append({
            "path": str(p), "file": p.relative_to(root).as_posix(),
            "speaker": speaker, "label": label,
            "sentence_id": match["sentence"] if match else p.stem,
            "take": int(match["take"]) if match else 1, "text": "",
            "duration_s": info.frames / info.samplerate, "sha256": file_sha256(p),
        })
    return rows
