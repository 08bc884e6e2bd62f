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
    runner: CliRunner, full_data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "spam.csv"
    result = runner.invoke(
        cli, ["benchmark", "spam", "--predictions", str(out), "--data-dir", str(full_data), "--limit", "300"]
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


def test_predict_writes_relevance_and_the_spam_decision_beside_the_documented_columns(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        "id,text\n1,Mwen bezwen dlo\n2,\n3,Three men in a truck at 10pm\n"
        "4,WINNER!! You have won a £1000 prize. Call 09061701461 now to claim\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["predict", "--input", str(src), "--output", str(out), "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows[0]) == [
        "id",
        "language",
        "spam",
        "actionability",
        "credibility",
        "topics",
        "reasons",
        "relevance",
        "spam_flag",
    ]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"] and rows[1]["language"] == "und"
    assert all(0.0 <= float(r[k]) <= 1.0 for r in rows for k in ("spam", "actionability", "credibility", "relevance"))
    assert [r["spam_flag"] for r in rows] == ["0", "0", "0", "1"]
    assert "public-safety desk" in rows[0]["reasons"]


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


def _label_mismatch_data(data_dir: Path, tmp_path: Path) -> Path:
    """Return a data directory with real SMS lines and a two-row disaster set labelled with 3 categories."""
    root = tmp_path / "data"
    (root / "sms-spam-collection").mkdir(parents=True)
    (root / "disaster-response").mkdir()
    sms = "sms-spam-collection/SMSSpamCollection"
    lines = (data_dir / sms).read_bytes().splitlines(keepends=True)
    (root / sms).write_bytes(b"".join(lines * (2000 // len(lines) + 1)))  # the sample too has a test part
    (root / "disaster-response/disaster_messages.csv").write_text(
        "id,message,original,genre\n1,Need water,,direct\n5,Need food,Nou bezwen manje,direct\n", encoding="utf-8"
    )
    (root / "disaster-response/disaster_categories.csv").write_text(
        "id,categories\n1,related-1;request-1;offer-0\n5,related-1;request-0;offer-0\n", encoding="utf-8"
    )
    return root


def test_evaluate_with_an_empty_data_dir_is_a_clear_error(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    result = runner.invoke(cli, ["evaluate", "--model", str(tiny_model_dir), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "dataset file not found" in result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback


def test_evaluate_refuses_data_with_another_label_set(
    runner: CliRunner, tiny_model_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    other = _label_mismatch_data(data_dir, tmp_path)
    result = runner.invoke(cli, ["evaluate", "--model", str(tiny_model_dir), "--data-dir", str(other)])
    assert result.exit_code == 1 and "topic labels differ" in result.output
    assert isinstance(result.exception, SystemExit)


def test_predict_reads_a_csv_with_a_byte_order_mark_and_crlf(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes("id,text\r\n1,Mwen bezwen dlo\r\n2,Three men in a truck\r\n".encode("utf-8-sig"))
    result = runner.invoke(cli, ["predict", "--input", str(src), "--output", str(out), "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in _rows(out)] == ["1", "2"]


def test_predict_checks_the_output_folder_before_loading_or_scoring(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,hello there\n", encoding="utf-8")
    out = tmp_path / "missing-folder" / "out.csv"
    result = runner.invoke(cli, ["predict", "--input", str(src), "--output", str(out), "--model", str(tmp_path)])
    assert result.exit_code == 1 and "does not exist" in result.output and "metadata.json" not in result.output


def test_predict_with_a_damaged_model_file_is_a_clear_error(
    runner: CliRunner, tiny_model_dir: Path, tmp_path: Path
) -> None:
    import json
    import shutil

    from ml.artefacts import METADATA_FILE, MODEL_FILE
    from ml.data import sha256_of

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    data = bytearray((model / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (model / MODEL_FILE).write_bytes(bytes(data))
    meta = json.loads((model / METADATA_FILE).read_text(encoding="utf-8"))
    (model / METADATA_FILE).write_text(json.dumps({**meta, "model_sha256": sha256_of(model / MODEL_FILE)}))
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,hello there\n", encoding="utf-8")
    result = runner.invoke(
        cli, ["predict", "--input", str(src), "--output", str(tmp_path / "o.csv"), "--model", str(model)]
    )
    assert result.exit_code == 1 and "damaged" in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("protocol", ["spam", "topics"])
def test_benchmark_limit_too_small_to_train_is_refused_up_front(
    runner: CliRunner, data_dir: Path, tmp_path: Path, protocol: str
) -> None:
    args = ["benchmark", protocol, "--predictions", str(tmp_path / "p.csv"), "--data-dir", str(data_dir)]
    result = runner.invoke(cli, [*args, "--limit", "10"])
    assert result.exit_code == 2 and "--limit" in result.output


def test_bench_with_a_missing_data_dir_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["bench", "--data-dir", str(tmp_path / "nowhere"), "--n", "10"])
    assert result.exit_code == 1 and "data directory not found" in result.output


def test_bench_with_a_data_dir_without_the_disaster_files_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["bench", "--data-dir", str(tmp_path), "--n", "10"])
    assert result.exit_code == 1 and "dataset file not found" in result.output
