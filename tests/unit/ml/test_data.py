"""Dataset loading: truncated or malformed files are refused with a DataError naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ml.data import CATEGORIES_FILE, MESSAGES_FILE, SMS_FILE, DataError, load_disaster, load_sms


def _copy(data_dir: Path, tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for name in (SMS_FILE, MESSAGES_FILE, CATEGORIES_FILE):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes((data_dir / name).read_bytes())
    return root


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    damaged = {
        "empty": b"",
        "header only": data.split(b"\n", 1)[0] + b"\n",
        "cut in the middle": data[: len(data) // 3],
        "cut inside a row": data[:1000],
        "not UTF-8": b"\xff\xfe" + data[:500],
        "renamed column": data.replace(b"categories", b"cats", 1).replace(b"message", b"text", 1),
    }[how]
    path.write_bytes(damaged)


@pytest.mark.parametrize("name", [MESSAGES_FILE, CATEGORIES_FILE])
@pytest.mark.parametrize(
    "how", ["empty", "header only", "cut in the middle", "cut inside a row", "not UTF-8", "renamed column"]
)
def test_damaged_disaster_file_is_a_data_error(data_dir: Path, tmp_path: Path, name: str, how: str) -> None:
    root = _copy(data_dir, tmp_path)
    _damage(root / name, how)
    with pytest.raises(DataError):
        load_disaster(root).split()


@pytest.mark.parametrize("how", ["empty", "cut inside a row"])
def test_damaged_sms_file_is_a_data_error(data_dir: Path, tmp_path: Path, how: str) -> None:
    root = _copy(data_dir, tmp_path)
    _damage(root / SMS_FILE, how)
    with pytest.raises(DataError):
        load_sms(root).split()


def test_real_data_loads_with_the_documented_sizes(full_data: Path) -> None:
    train, test = load_disaster(full_data).split()
    assert (len(train.ids), len(test.ids), len(test.label_names)) == (20925, 5255, 35)
    assert [len(part.texts) for part in load_sms(full_data).split()] == [1674, 3900]


def test_samples_load_with_every_label_in_both_parts(data_dir: Path) -> None:
    train, test = load_disaster(data_dir).split()
    assert len(test.label_names) == 35 and train.with_original() and test.with_original()
    assert all(any(row[j] for row in train.labels) for j in range(35))
    assert 0 < sum(load_sms(data_dir).labels) < len(load_sms(data_dir).labels)
