"""Compare corpus feature extraction: voicelab (cold and cached) vs the report's naive loop.

The report reloaded every file once per feature, at librosa's default 22.05 kHz, and kept
nothing between runs. voicelab loads each clip once at 16 kHz, computes one STFT that the
spectral features share, spreads the clips over worker processes (one per core, started
inside the timed call) and caches the summary vectors on disk. The machine's load is
printed with the timings: on a shared machine, compare runs made at a similar load.

Usage (from the repository root)::

    .venv/bin/python benchmarks/feature_extraction.py [--clips N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings

import librosa
import numpy as np

from voicelab import data, features

NAIVE_FEATURES = {
    "rms": lambda y, sr: librosa.feature.rms(y=y),
    "zcr": lambda y, sr: librosa.feature.zero_crossing_rate(y),
    "centroid": lambda y, sr: librosa.feature.spectral_centroid(y=y, sr=sr),
    "bandwidth": lambda y, sr: librosa.feature.spectral_bandwidth(y=y, sr=sr),
    "contrast": lambda y, sr: librosa.feature.spectral_contrast(y=y, sr=sr),
    "rolloff": lambda y, sr: librosa.feature.spectral_rolloff(y=y, sr=sr),
    "chroma_stft": lambda y, sr: librosa.feature.chroma_stft(y=y, sr=sr),
    "chroma_cqt": lambda y, sr: librosa.feature.chroma_cqt(y=y, sr=sr),
    "chroma_cens": lambda y, sr: librosa.feature.chroma_cens(y=y, sr=sr),
    "mfcc": lambda y, sr: librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20),
}


def naive(paths: list[str]) -> np.ndarray:
    """The report's way: reload the file for every feature, at 22.05 kHz."""
    # librosa's CQT warns on every short clip at default settings; the timing is what counts.
    warnings.filterwarnings("ignore", message="n_fft=.* is too large")
    rows = []
    for path in paths:
        row = []
        for compute in NAIVE_FEATURES.values():
            y, sr = librosa.load(path)
            values = compute(y, sr)
            row.extend(np.r_[values.mean(axis=1), values.std(axis=1)])
        rows.append(row)
    return np.asarray(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=None, help="first N clips only")
    clips = parser.parse_args().clips
    corpus = data.load_corpus()
    if clips:
        corpus = corpus.head(clips)
    # Warm numba/JIT caches once so neither contender pays the compile cost.
    features.frame_features(*librosa.load(corpus.path.iloc[0], sr=16_000))

    timings = {}
    with tempfile.TemporaryDirectory() as cache:
        for label in ("voicelab, cold cache", "voicelab, cached"):
            start = time.perf_counter()
            features.extract(corpus, "all", cache_dir=cache, progress=False)
            timings[label] = time.perf_counter() - start
    start = time.perf_counter()
    naive(list(corpus.path))
    timings["naive loop (report)"] = time.perf_counter() - start

    print(f"{len(corpus)} clips, {corpus.duration_s.sum() / 60:.1f} min of audio, "
          f"{len(os.sched_getaffinity(0))} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    for label, seconds in timings.items():
        print(f"{label:<24s} {seconds:8.2f} s")
    base = timings["naive loop (report)"]
    print(f"speed-up, cold:   {base / timings['voicelab, cold cache']:6.1f}x")
    print(f"speed-up, cached: {base / timings['voicelab, cached']:6.1f}x")


if __name__ == "__main__":
    main()
