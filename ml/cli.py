"""Command-line interface: the `ml` click group (attached by the web app as `tipline ml`)."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import click
from tqdm import tqdm

from ml.artefacts import DEFAULT_DIR, ArtefactError
from ml.data import DataError, default_data_dir

DATA_DIR_OPTION = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Dataset directory (default: $TIPLINE_DATA_DIR or ../shared/datasets).",
)
LIMIT_OPTION = click.option(
    "--limit",
    type=click.IntRange(min=100),  # smaller samples lack spam, original texts or actionable messages
    default=None,
    help="Use an evenly spaced sample of at most N train and N test rows (for CI).",
)


def _data_dir(value: Path | None) -> Path:
    path = value or default_data_dir()
    if not path.is_dir():
        raise click.ClickException(f"data directory not found: {path} (set --data-dir or TIPLINE_DATA_DIR)")
    return path


def check_output(path: Path) -> Path:
    """Return path, or raise a click error when its folder does not exist or is not writable (before any work)."""
    folder = path.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise click.ClickException(f"cannot write {path}: folder {folder} does not exist or is not writable")
    return path


def _steps(total: int, desc: str) -> tqdm:
    return tqdm(total=total, desc=desc, unit="step", disable=os.environ.get("TIPLINE_NO_PROGRESS") == "1")


@click.group()
def cli() -> None:
    """Train, evaluate, benchmark and run the triage models."""


@cli.command()
@DATA_DIR_OPTION
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_DIR, show_default=True)
@click.option("--jobs", type=click.IntRange(min=1), default=2, show_default=True, help="Parallel fits of the topics.")
def train(data_dir: Path | None, out: Path, jobs: int) -> None:
    """Train the default model on the train splits and write the artefact to OUT."""
    from ml.workflow import attach_speed, measure_in_subprocess, train_default_model

    bar = _steps(14, "train")

    def progress(message: str) -> None:
        """Advance the progress bar by one training step."""
        bar.set_postfix_str(message)
        bar.update(1)

    try:
        meta = train_default_model(_data_dir(data_dir), out, progress, jobs=jobs)
    except DataError as exc:
        raise click.ClickException(str(exc)) from exc
    progress("measuring speed in a fresh process")
    meta = attach_speed(out, measure_in_subprocess(out, _data_dir(data_dir)))
    bar.close()
    click.echo(f"saved {meta['model_version']} to {out}")


@cli.command()
@click.option("--model", type=click.Path(file_okay=False, path_type=Path), default=None)
@DATA_DIR_OPTION
def evaluate(model: Path | None, data_dir: Path | None) -> None:
    """Evaluate a model directory on the protocols' test splits."""
    from ml.data import load_disaster, load_sms
    from ml.workflow import evaluate_bundle

    triage = _load(model)
    path = _data_dir(data_dir)
    try:
        sms_test, disaster_test = load_sms(path).split()[1], load_disaster(path).split()[1]
        bar = _steps(3, "evaluate")
        metrics = evaluate_bundle(triage.bundle, triage.meta, sms_test, disaster_test, lambda m: bar.update(1))
    except DataError as exc:
        raise click.ClickException(str(exc)) from exc
    bar.close()
    for name, rows in metrics.items():
        if name != "topics_per_label_f1":
            click.echo(f"{name}: {rows}")


def _load(model: Path | None):  # noqa: ANN202 - imported lazily
    from ml.predict import Triage

    try:
        return Triage.load(model)
    except ArtefactError as exc:
        raise click.ClickException(str(exc)) from exc


def read_tips_csv(path: Path) -> tuple[list[str], list[str]]:
    """Read ids and texts from a UTF-8 CSV with columns id,text, or raise a click error."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:  # a BOM (Excel's UTF-8 CSV) is not a name
            reader = csv.DictReader(handle)
            missing = {"id", "text"} - set(reader.fieldnames or [])
            if missing:
                raise click.ClickException(f"{path}: missing required column(s): {', '.join(sorted(missing))}")
            rows = [(row["id"] or "", row["text"] or "") for row in reader]
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{path} is not valid UTF-8 (byte {exc.start}): re-save it as UTF-8") from exc
    except csv.Error as exc:
        raise click.ClickException(f"{path}: malformed CSV: {exc}") from exc
    return [r[0] for r in rows], [r[1] for r in rows]


@cli.command()
@click.option("--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True)
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--model", type=click.Path(file_okay=False, path_type=Path), default=None)
def predict(input_path: Path, output_path: Path, model: Path | None) -> None:
    """Score IN.csv (id,text) and write id,language,spam,actionability,credibility,topics,reasons,relevance,spam_flag
    (spam_flag 1: the spam decision the site acts on)."""
    check_output(output_path)
    ids, texts = read_tips_csv(input_path)
    triage = _load(model)
    results = []
    for start in tqdm(
        range(0, len(texts), 1000), desc="predict", unit="batch", disable=os.environ.get("TIPLINE_NO_PROGRESS") == "1"
    ):
        results += triage.score(texts[start : start + 1000])
    with open(output_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["id", "language", "spam", "actionability", "credibility", "topics", "reasons", "relevance", "spam_flag"]
        )
        for ident, r in zip(ids, results, strict=True):
            writer.writerow(
                [
                    ident,
                    r.language,
                    f"{r.spam:.4f}",
                    f"{r.actionability:.4f}",
                    f"{r.credibility:.4f}",
                    ";".join(r.topics),
                    " ".join(r.reasons),
                    f"{r.relevance:.4f}",
                    int(r.spam_flag),
                ]
            )
    click.echo(f"wrote {len(results)} rows to {output_path}")


from ml.cli_bench import bench, benchmark  # noqa: E402 - commands defined in a sibling module

cli.add_command(benchmark)
cli.add_command(bench)
