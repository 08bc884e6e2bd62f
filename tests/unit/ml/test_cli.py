"""Commands run through click's CliRunner on small subsamples, and bad input files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from ml.cli import cli
from ml.data import load_disaster


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("TIPLINE_NO_PROGRESS", "1")
    return CliRunner()


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_benchmark_spam_prints_metrics_and_writes_one_row_per_test_line(
    runner: CliRunner, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "spam.csv"
    result = runner.invoke(
        cli, ["benchmark", "spam", "--predictions", str(out), "--data-dir", str(data_dir), "--limit", "300"]
    )
    assert result.exit_code == 0, result.output
    assert "MCC" in result.output and "BH" in result.output
    rows = _rows(out)
    assert len(rows) == 300 and list(rows[0]) == ["line", "spam", "score"]
    assert all(int(r["line"]) >= 1674 and r["spam"] in {"0", "1"} for r in rows)


@pytest.mark.parametrize("text", ["message", "original"])
def test_benchmark_topics_writes_id_and_one_column_per_label(
    runner: CliRunner, data_dir: Path, tmp_path: Path, text: str
) -> None:
    out = tmp_path / "topics.csv"
    result = runner.invoke(
        cli,
        [
            "benchmark",
            "topics",
            "--text",
            text,
            "--predictions",
            str(out),
            "--data-dir",
            str(data_dir),
            "--limit",
            "400",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output
    rows = _rows(out)
    labels = load_disaster(data_dir).label_names
    assert list(rows[0]) == ["id", *labels] and len(labels) == 35
    assert all(int(r["id"]) % 5 == 0 for r in rows)


def test_predict_writes_the_documented_columns(runner: CliRunner, tiny_model_dir: Path, tmp_path: Path) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text("id,text\n1,Mwen bezwen dlo\n2,\n3,Three men in a truck at 10pm\n", encoding="utf-8")
    result = runner.invoke(cli, ["predict", "--input", str(src), "--output", str(out), "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == ["id", "language", "spam", "actionability", "credibility", "topics", "reasons"]
    assert [r["id"] for r in rows] == ["1", "2", "3"] and rows[1]["language"] == "und"
    assert all(0.0 <= float(r[k]) <= 1.0 for r in rows for k in ("spam", "actionability", "credibility"))


def test_predict_rejects_invalid_utf8(runner: CliRunner, tiny_model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_bytes(b"id,text\n1,caf\xe9 \xff\n")
    result = runner.invoke(
        cli, ["predict", "--input", str(src), "--output", str(tmp_path / "o.csv"), "--model", str(tiny_model_dir)]
    )
    assert result.exit_code != 0 and "not valid UTF-8" in result.output


def test_predict_rejects_csv_without_text_column(runner: CliRunner, tiny_model_dir: Path, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,message\n1,hello\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["predict", "--input", str(src), "--output", str(tmp_path / "o.csv"), "--model", str(tiny_model_dir)]
    )
    assert result.exit_code != 0 and "missing required column(s): text" in result.output


def test_missing_model_directory_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,hello\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["predict", "--input", str(src), "--output", str(tmp_path / "o.csv"), "--model", str(tmp_path / "nowhere")]
    )
    assert result.exit_code != 0 and "metadata.json" in result.output
