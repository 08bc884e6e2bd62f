"""Benchmark commands: protocol benchmarks (spam, topics) and the speed bench."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import click
import numpy as np

from ml.cli import DATA_DIR_OPTION, LIMIT_OPTION, _data_dir, _load, check_output
from ml.data import DataError, DisasterData, SmsData, default_data_dir, load_disaster, load_sms


def evenly(n: int, limit: int | None) -> list[int]:
    """Return at most limit evenly spaced positions among n (all when limit is None)."""
    if limit is None or limit >= n:
        return list(range(n))
    return sorted({int(i) for i in np.linspace(0, n - 1, limit)})


def _sms_sample(data: SmsData, limit: int | None) -> SmsData:
    keep = evenly(len(data.texts), limit)
    return SmsData(
        [data.lines[i] for i in keep], [data.texts[i] for i in keep], [data.labels[i] for i in keep], data.sha256
    )


def _disaster_sample(data: DisasterData, limit: int | None) -> DisasterData:
    return data.subset(evenly(len(data.ids), limit))


@click.group()
def benchmark() -> None:
    """Train on a protocol's train split, predict its test split and print the protocol's metrics."""


@benchmark.command("spam")
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), required=True)
@DATA_DIR_OPTION
@LIMIT_OPTION
def benchmark_spam(predictions: Path, data_dir: Path | None, limit: int | None) -> None:
    """SMS Spam Collection: print SC %, BH %, accuracy and MCC; write line,spam,score."""
    from ml.evaluate import evaluate_spam
    from ml.train import train_spam

    check_output(predictions)
    try:
        train, test = load_sms(_data_dir(data_dir)).split()
        train, test = _sms_sample(train, limit), _sms_sample(test, limit)
        model, threshold, _ = train_spam(train)
    except DataError as exc:
        raise click.ClickException(str(exc)) from exc
    metrics, scores = evaluate_spam({"spam": model, "spam_threshold": threshold}, test)
    with open(predictions, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "spam", "score"])
        for line, score in zip(test.lines, scores, strict=True):
            writer.writerow([line, int(score >= threshold), f"{score:.6f}"])
    click.echo(f"train {len(train.texts)} / test {len(test.texts)} lines; threshold {threshold:.4f}")
    click.echo(
        "SC {SC_percent:.2f} %  BH {BH_percent:.3f} %  accuracy {accuracy_percent:.2f} %  MCC {MCC:.4f}".format(
            **metrics
        )
    )


@benchmark.command("topics")
@click.option("--text", type=click.Choice(["message", "original"]), default="message", show_default=True)
@click.option("--predictions", type=click.Path(dir_okay=False, path_type=Path), required=True)
@DATA_DIR_OPTION
@LIMIT_OPTION
def benchmark_topics(text: str, predictions: Path, data_dir: Path | None, limit: int | None) -> None:
    """Disaster Response: print micro/macro-F1 over the 35 labels; write id plus one 0/1 column per label."""
    from ml.evaluate import topic_metrics, topic_predictions, topic_texts
    from ml.train import train_topics

    check_output(predictions)
    try:
        train, test = load_disaster(_data_dir(data_dir)).split()
        train, test = _disaster_sample(train, limit), _disaster_sample(test, limit)
        rows, texts = topic_texts(test, text)
        if not rows:
            raise DataError(f"no test row of the sample has a {text} text: raise --limit")
        bundle = train_topics(train, jobs=2)
    except DataError as exc:
        raise click.ClickException(str(exc)) from exc
    _, predicted = topic_predictions(bundle, texts)
    truth = np.asarray(test.labels)[rows]
    metrics = topic_metrics(truth, predicted, test.label_names)
    with open(predictions, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", *test.label_names])
        for row, values in zip(rows, predicted, strict=True):
            writer.writerow([test.ids[row], *values.tolist()])
    click.echo(
        f"text={text}: {len(rows)} test rows; micro-F1 {metrics['micro_f1']:.4f}  macro-F1 {metrics['macro_f1']:.4f}"
    )


@click.command()
@click.option("--model", type=click.Path(file_okay=False, path_type=Path), default=None)
@DATA_DIR_OPTION
@click.option("--n", "count", type=click.IntRange(min=10), default=5000, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON line.")
def bench(model: Path | None, data_dir: Path | None, count: int, as_json: bool) -> None:
    """Print batch throughput on one core, single-tip p50/p99 latency, load time and RSS."""
    from ml.speed import measure

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    texts = _bench_texts(data_dir, count)
    figures = measure(lambda: _load(model), texts)
    if as_json:
        click.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        click.echo(f"{key}: {value}")


def _bench_texts(data_dir: Path | None, count: int) -> list[str]:
    """Return count disaster test texts; a given --data-dir must hold them, else four canned texts (with a warning)."""
    path = _data_dir(data_dir) if data_dir else default_data_dir()
    try:
        test = load_disaster(path).split()[1]
        texts = test.messages + [test.originals[i] for i in test.with_original()]
    except DataError as exc:
        if data_dir:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"warning: {exc}; measuring 4 canned texts instead of the disaster test split", err=True)
        texts = [
            "Three men unload boxes from a white truck near the bridge at 10pm.",
            "Mwen bezwen dlo ak manje pou 5 moun nan Jacmel.",
            "Necesito ayuda, hay heridos.",
            "Win a free prize now, txt WIN to 80086!",
        ]
    return [texts[i % len(texts)] for i in range(count)]
