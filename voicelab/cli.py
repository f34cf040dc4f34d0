"""The ``voicelab`` command: check a folder of your recordings, train a model on it, and
name the speaker of new files::

    voicelab check DIR
    voicelab train DIR [--model mfcc-logreg|cnn] [--out OUT]
    voicelab predict MODEL FILE...

It runs the steps of chapter 13 (:mod:`voicelab.speaker_id`). Problems you can fix are
printed as one line, without a traceback; your recordings are only read. Taught in
chapter 13 (Your own voices).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from voicelab import audio, data, evaluate, features, speaker_id, viz

MODELS = ("mfcc-logreg", "cnn")
WIDTH = 88  # printed lines wrap here


class CommandError(Exception):
    """A problem the user can fix, printed as one line."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``voicelab`` with ``argv`` (default: the command line); return the status.
    Taught in chapter 13 (Your own voices).

    ``argv`` is e.g. ``["check", "recordings"]``. Status 0: done; 1: a problem,
    explained on one line of standard error (``check``: errors found); 2: wrong
    arguments (argparse exits).
    """
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (CommandError, ValueError, OSError) as err:  # AudioError is a ValueError
        print(f"voicelab: error: {_one_line(err)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("voicelab: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", action="store_true", help="no progress bars")
    common.add_argument("--min-duration", type=_positive(float), metavar="S",
                        default=speaker_id.MIN_SECONDS,
                        help="shortest accepted clip in seconds (default: %(default)s)")
    parser = argparse.ArgumentParser(
        prog="voicelab", description="Tell speakers apart from your own recordings.",
        epilog="DIR holds one subfolder per speaker: DIR/<speaker>/<sentence>_t<take>"
        ".wav (or .flac, .ogg, .mp3). Chapter 13 of the voicelab course explains it.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    check = commands.add_parser("check", parents=[common],
                                help="list every problem of DIR, with its fix")
    check.add_argument("dir", metavar="DIR")
    check.set_defaults(run=_check)
    train = commands.add_parser(
        "train", parents=[common], help="evaluate a model on DIR by sentence, save it "
        "and a report")
    train.add_argument("dir", metavar="DIR")
    train.add_argument("--model", choices=MODELS, default=MODELS[0],
                       help="mfcc-logreg: any number of speakers; cnn: two speakers")
    train.add_argument("--out", metavar="OUT", help="folder for the model and the "
                       "report (default: DIR-model, next to DIR)")
    train.add_argument("--keep", type=_share, default=0.95, help="share of the correct "
                       "validation answers that the 'unknown' threshold keeps")
    train.add_argument("--epochs", type=_positive(int), default=20,
                       help="cnn: most epochs")
    train.set_defaults(run=_train)
    predict = commands.add_parser("predict", parents=[common],
                                  help="name the speaker of each FILE, or 'unknown'")
    predict.add_argument("model", metavar="MODEL", help="the folder train wrote")
    predict.add_argument("files", metavar="FILE", nargs="+")
    predict.set_defaults(run=_predict)
    return parser


def _positive(kind: type) -> Any:
    def parse(text: str) -> Any:
        if kind(text) <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return kind(text)
    parse.__name__ = kind.__name__  # argparse names it in "invalid float value"
    return parse


def _share(text: str) -> float:
    if not 0 < float(text) <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return float(text)


def _one_line(err: BaseException) -> str:
    """The message on one line, with paths relative to the working folder."""
    return " ".join(str(err).split()).replace(f"{Path.cwd()}{os.sep}", "")


def _say(text: str, indent: int = 0) -> None:
    print(textwrap.fill(text, WIDTH, subsequent_indent=" " * indent,
                        break_on_hyphens=False))


def _folder(name: str) -> Path:
    root = Path(name)
    if not root.is_dir():
        raise CommandError(f"'{name}' is not a folder. Pass the folder that holds one "
                           "subfolder per speaker, e.g. recordings/ with "
                           "recordings/alice/*.wav and recordings/bob/*.wav.")
    return root


def _check(args: argparse.Namespace) -> int:
    root = _folder(args.dir)
    folders = [p for p in sorted(root.iterdir())
               if p.is_dir() and not p.name.startswith(".")]
    counts = {p.name: sum(f.is_file() and not f.name.startswith(".")
                          for f in p.iterdir()) for p in folders}
    listed = ", ".join(f"{name} {n}" for name, n in counts.items())
    _say(f"{args.dir}: {len(counts)} speaker folders ({listed} files).")
    problems = speaker_id.check_folder(root, min_seconds=args.min_duration,
                                       progress=not args.quiet)
    for row in problems.itertuples():
        _say(f"{row.severity:8s} {row.where}: {row.problem}", indent=9)
    errors = int((problems["severity"] == "error").sum())
    advice = (f": fix the errors, then run `voicelab check {args.dir}` again." if errors
              else ": ready for `voicelab train`.")
    _say(f"{errors} errors, {len(problems) - errors} warnings{advice}")
    return 1 if errors else 0


def _train(args: argparse.Namespace) -> int:
    root = _folder(args.dir)
    home = root.resolve()
    out = Path(args.out) if args.out else home.parent / f"{home.name}-model"
    if out.resolve().is_relative_to(home):
        raise CommandError(f"--out {out} is inside {args.dir}, where it would be read "
                           "as a speaker: choose a folder outside it.")
    problems = speaker_id.check_folder(root, min_seconds=args.min_duration,
                                       progress=not args.quiet)
    errors = problems[problems["severity"] == "error"]
    if len(errors):
        more = (f" ({len(errors) - 1} more problems: `voicelab check {args.dir}` lists "
                "them all)" if len(errors) > 1 else "")
        first = errors.iloc[0]
        raise CommandError(f"{first['where']}: {first['problem']}{more}")
    for row in problems.itertuples():
        _say(f"warning  {row.where}: {row.problem}", indent=9)
    table = data.load_folder(root)
    sentences = table.groupby("split")["sentence_id"].nunique()
    _say(f"{len(table)} clips of {table['speaker'].nunique()} speakers "
         f"({', '.join(sorted(set(table['speaker'])))}), split by sentence: "
         + ", ".join(f"{s} {sentences.get(s, 0)}" for s in ("train", "val", "test"))
         + " sentences.")
    fit = _fit_logreg if args.model == "mfcc-logreg" else _fit_cnn
    trained = fit(table, args) | {"keep": args.keep}
    trained["threshold"] = (speaker_id.confidence_threshold(
        trained["val_proba"], trained["val_y"], keep=args.keep)
        if trained["val_proba"] is not None else 0.0)
    lines = _save(out, table, trained, args)
    for line in lines:
        _say(line, indent=2)
    return 0


def _fit_logreg(table: pd.DataFrame, args: argparse.Namespace) -> dict[str, Any]:
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = features.extract(table, "mfcc", progress=not args.quiet).to_numpy()
    y, groups = table["label"].to_numpy(), table["sentence_id"].to_numpy()
    dev = (table["split"] != "test").to_numpy()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    trained = {"kind": "mfcc-logreg", "cv": None, "val_proba": None, "val_y": y[dev],
               "val_source": "out-of-fold, train and val sentences"}
    if len(set(groups[dev])) >= 2:
        scores, trained["val_proba"] = speaker_id.grouped_proba(
            model, X[dev], y[dev], groups[dev])
        trained["cv"] = evaluate.summarize(scores).loc["accuracy"]
        trained["cv_folds"] = scores["fold"].nunique()
    trained["estimator"] = final = clone(model).fit(X[dev], y[dev])
    n_labels = table["label"].max() + 1

    def proba(clips: list[np.ndarray]) -> np.ndarray:
        p = np.zeros((len(clips), n_labels))
        p[:, final.classes_] = final.predict_proba(speaker_id.mfcc_vectors(clips))
        return p

    trained["test_proba"] = np.zeros((int((~dev).sum()), n_labels))
    trained["test_proba"][:, final.classes_] = final.predict_proba(X[~dev])
    trained["predict_clips"] = proba
    return trained


def _fit_cnn(table: pd.DataFrame, args: argparse.Namespace) -> dict[str, Any]:
    if table["speaker"].nunique() != 2:
        raise CommandError(f"--model cnn tells 2 speakers apart (one sigmoid output); "
                           f"this folder has {table['speaker'].nunique()}: use --model "
                           "mfcc-logreg, which handles any number.")
    split = table["split"].to_numpy()
    if not (split == "val").any():
        raise CommandError("--model cnn needs validation sentences to stop training: "
                           "record at least 3 different sentences, or use --model "
                           "mfcc-logreg.")
    from voicelab import melspec, nn  # imports TensorFlow: a few seconds

    X = melspec.log_mel_dataset(table, progress=not args.quiet)
    y = table["label"].to_numpy()
    train, val = split == "train", split == "val"
    model = nn.train_cnn(X[train], y[train], X[val], y[val], seed=0, epochs=args.epochs,
                         verbose_every=0 if args.quiet else 1)  # one line per epoch

    def proba(rows: np.ndarray) -> np.ndarray:
        p = nn.predict_proba(model, X[rows])
        return np.column_stack([1 - p, p])

    def proba_clips(clips: list[np.ndarray]) -> np.ndarray:
        p = nn.predict_proba(model, np.stack(
            [melspec.log_mel(melspec.fixed_length(c)) for c in clips]))
        return np.column_stack([1 - p, p])

    return {"kind": "cnn", "cv": None, "val_proba": proba(val), "val_y": y[val],
            "val_source": "val sentences", "estimator": model,
            "test_proba": proba(split == "test"), "predict_clips": proba_clips}


def _save(out: Path, table: pd.DataFrame, trained: dict, args: argparse.Namespace
          ) -> list[str]:
    """Write the model, its description, the test predictions, figures and report."""
    out.mkdir(parents=True, exist_ok=True)
    speakers = list(table.drop_duplicates("label").sort_values("label")["speaker"])
    if trained["kind"] == "cnn":
        model_file = "model.keras"
        trained["estimator"].save(out / model_file)
    else:
        import joblib

        model_file = "model.joblib"
        joblib.dump(trained["estimator"], out / model_file)
    meta = {"voicelab_model": 1, "model": trained["kind"], "file": model_file,
            "speakers": speakers, "threshold": trained["threshold"], "keep": args.keep,
            "min_duration": args.min_duration}
    (out / "model.json").write_text(json.dumps(meta, indent=2) + "\n")
    test = table[table["split"] == "test"]
    predicted = speaker_id.name_or_unknown(trained["test_proba"], speakers,
                                           trained["threshold"])
    pd.DataFrame({"file": test["file"], "speaker": test["speaker"],
                  "predicted": predicted,
                  "confidence": trained["test_proba"].max(axis=1).round(4)},
                 ).to_csv(out / "test_predictions.csv", index=False)
    lines = _results(test, trained, speakers, predicted)
    harder = speaker_id.condition_accuracy(trained["predict_clips"],
                                           data.load_clips(test), test["label"])
    lines.append("Accuracy on the test clips as recorded and made harder as in chapter "
                 "12: " + ", ".join(f"{k} {v:.3f}" for k, v in harder.items()) + ".")
    _figures(out, test, trained, speakers)
    report = [f"# voicelab report: {Path(args.dir).resolve().name}", "",
              f"Model `{trained['kind']}` for {len(speakers)} speakers "
              f"({', '.join(speakers)}), {len(table)} clips. Every number comes from "
              "sentences the model never saw while it learned.", "",
              *[f"- {line}" for line in lines], "",
              "![Confusion matrix of the test clips](confusion.png)", ""]
    if trained["val_proba"] is not None:
        report += ["![DET curve](det.png)", ""]
    report += ["Few sentences give wide intervals: record more before trusting a "
               "difference of a few per cent. `test_predictions.csv` lists each test "
               "clip: listen to the mistakes.", ""]
    (out / "report.md").write_text("\n".join(report))
    return [*lines, f"Wrote {os.path.relpath(out)}: report.md, confusion.png, "
            f"{'det.png, ' if trained['val_proba'] is not None else ''}{model_file}, "
            "model.json, test_predictions.csv."]


def _results(test: pd.DataFrame, trained: dict, speakers: list[str],
             predicted: np.ndarray) -> list[str]:
    """The numbers of a training run, as sentences."""
    lines = []
    cv = trained["cv"]
    if cv is not None:
        folds = trained["cv_folds"]
        lines.append(f"Accuracy, {folds}-fold sentence-grouped CV repeated "
                     f"{int(cv['n']) // folds} times: {cv['mean']:.3f} "
                     f"± {cv['std']:.3f} "
                     f"(repeat means {cv['low']:.3f}–{cv['high']:.3f}).")
    y_test = test["label"].to_numpy()
    point, low, high = evaluate.bootstrap_ci(
        y_test, trained["test_proba"].argmax(axis=1),
        lambda t, p: float(np.mean(t == p)), groups=test["sentence_id"].to_numpy())
    n_test = test["sentence_id"].nunique()
    few = ("" if n_test >= 10 else f" Over {n_test} test sentences this interval is "
           "too narrow to trust: " + ("the cross-validation says more." if cv is not
                                      None else "record more sentences."))
    lines.append(f"Accuracy on the test sentences ({n_test}, {len(test)} clips): "
                 f"{point:.3f}, 95 % sentence-bootstrap interval "
                 f"{low:.3f}–{high:.3f}."
                 + few)
    if trained["val_proba"] is None:
        lines.append("Too few sentences to choose an 'unknown' threshold: every "
                     "prediction names a speaker.")
        return lines
    eer, _ = speaker_id.equal_error_rate(trained["val_proba"], trained["val_y"])
    unknown = int(np.sum(predicted == speaker_id.UNKNOWN))
    lines += [f"'unknown' below confidence {trained['threshold']:.3f} (keeps "
              f"{trained['keep']:.0%} of the correct answers on validation: "
              f"{trained['val_source']}); {unknown} of {len(test)} test clips unknown.",
              f"Equal error rate as a verification system ({trained['val_source']}): "
              f"{eer:.3f}."]
    return lines


def _figures(out: Path, test: pd.DataFrame, trained: dict, speakers: list[str]
             ) -> None:
    """confusion.png (test clips) and det.png (validation), without pyplot."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1.2 * len(speakers) + 3, 1.1 * len(speakers) + 2.2))
    viz.plot_confusion(test["label"].to_numpy(), trained["test_proba"].argmax(axis=1),
                       labels=speakers, ax=fig.add_subplot(),
                       title="Test clips (most probable speaker)")
    fig.tight_layout()
    fig.savefig(out / "confusion.png", dpi=100)
    if trained["val_proba"] is not None:
        fig = Figure(figsize=(5.5, 5))
        speaker_id.plot_det(trained["val_proba"], trained["val_y"],
                            ax=fig.add_subplot(), name=trained["kind"])
        fig.tight_layout()
        fig.savefig(out / "det.png", dpi=100)


def _load_model(name: str) -> tuple[dict, Any]:
    folder = Path(name)
    folder = folder.parent if folder.is_file() else folder
    try:
        meta = json.loads((folder / "model.json").read_text())
        model_path = folder / meta["file"]
        kind = meta["model"]
    except (OSError, ValueError, KeyError, TypeError):
        raise CommandError(f"'{name}' is not a model folder (no readable model.json): "
                           "pass the folder `voicelab train` wrote, e.g. "
                           "recordings-model.") from None
    if kind == "cnn":
        from voicelab import nn  # imports TensorFlow, quietly

        return meta, nn.keras.models.load_model(model_path)
    import joblib

    return meta, joblib.load(model_path)


def _predict(args: argparse.Namespace) -> int:
    meta, model = _load_model(args.model)
    good, failed = [], 0
    for name in args.files:
        try:
            audio.load(name, min_duration=meta["min_duration"])
            good.append(name)
        except audio.AudioError as err:
            print(f"voicelab: error: {_one_line(err)}", file=sys.stderr)
            failed += 1
    if good:
        clips = pd.DataFrame({"path": good})
        if meta["model"] == "cnn":
            from voicelab import melspec, nn

            p = nn.predict_proba(model, melspec.log_mel_dataset(
                clips, progress=not args.quiet))
            proba = np.column_stack([1 - p, p])
        else:
            X = features.extract(clips, "mfcc", progress=not args.quiet)
            proba = model.predict_proba(X.to_numpy())
        names = speaker_id.name_or_unknown(proba, meta["speakers"], meta["threshold"])
        width = max(len(n) for n in good)
        print(f"{'file':{width}s}  {'speaker':12s} confidence")
        for name, speaker, confidence in zip(good, names, proba.max(axis=1)):
            print(f"{name:{width}s}  {speaker:12s} {confidence:.3f}")
        _say(f"('{speaker_id.UNKNOWN}': confidence below {meta['threshold']:.3f}.)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
