"""Rebuild the small dataset samples in tests/data from the full datasets (see README.md beside this file).

Usage: python tests/data/make_samples.py /path/to/datasets
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from ml.data import CATEGORIES_FILE, MESSAGES_FILE, SMS_FILE, SMS_TRAIN_LINES, load_disaster

HERE = Path(__file__).resolve().parent
SMS_TRAIN_SAMPLE = 300  # the sample's first lines come from the protocol's train part, the rest from its test part
SMS_TEST_SAMPLE = 100
DISASTER_TRAIN = 400
DISASTER_TEST = 100
PER_LABEL = {"train": 4, "test": 1}  # positives of every label that has them
ONLY_LABEL = 70  # train rows labelled water but not food, and food but not water (category tests use 60 each)
ORIGINALS = {"train": 200, "test": 40}  # rows with an original text (mostly Haitian Creole)
WITHOUT_ORIGINAL = {"train": 120, "test": 30}


def sample_sms(source: Path) -> list[str]:
    """Return the first lines of the protocol's train part and the first lines of its test part."""
    lines = source.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    return lines[:SMS_TRAIN_SAMPLE] + lines[SMS_TRAIN_LINES : SMS_TRAIN_LINES + SMS_TEST_SAMPLE]


def _pick(data, positions: list[int], size: int, part: str) -> list[int]:
    """Return up to size positions: first those meeting a quota (label positives, originals), then file order."""
    names = data.label_names
    water, food = names.index("water"), names.index("food")
    counts = dict.fromkeys(names, 0)
    only = {"water": 0, "food": 0}
    originals = without = 0
    chosen: list[int] = []
    for i in positions:
        row = data.labels[i]
        has_original = bool(data.originals[i].strip()) and data.originals[i].strip() != data.messages[i].strip()
        kind = "water" if row[water] and not row[food] else "food" if row[food] and not row[water] else None
        useful = any(v and counts[n] < PER_LABEL[part] for n, v in zip(names, row, strict=True))
        useful |= part == "train" and kind is not None and only[kind] < ONLY_LABEL
        useful |= has_original and originals < ORIGINALS[part]
        useful |= not has_original and without < WITHOUT_ORIGINAL[part]
        if useful:
            chosen.append(i)
            for name, value in zip(names, row, strict=True):
                counts[name] += value
            if kind:
                only[kind] += 1
            originals += has_original
            without += not has_original
        if len(chosen) == size:
            break
    rest = [i for i in positions if i not in set(chosen)]
    return sorted(chosen + rest[: size - len(chosen)])


def sample_disaster_ids(root: Path) -> set[int]:
    """Return the ids of a small disaster sample with every label present in its train and test parts."""
    data = load_disaster(root)
    train = [i for i, ident in enumerate(data.ids) if ident % 5 != 0]
    test = [i for i, ident in enumerate(data.ids) if ident % 5 == 0]
    keep = _pick(data, train, DISASTER_TRAIN, "train") + _pick(data, test, DISASTER_TEST, "test")
    return {data.ids[i] for i in keep}


def _copy_rows(source: Path, target: Path, ids: set[int]) -> None:
    seen: set[int] = set()
    with open(source, encoding="utf-8", newline="") as src, open(target, "w", encoding="utf-8", newline="") as out:
        reader = csv.reader(src)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(next(reader))
        for row in reader:
            ident = int(row[0])
            if ident in ids and ident not in seen:
                seen.add(ident)
                writer.writerow(row)


def main(root: Path) -> None:
    """Write the samples into tests/data."""
    for name in (SMS_FILE, MESSAGES_FILE, CATEGORIES_FILE):
        (HERE / name).parent.mkdir(parents=True, exist_ok=True)
    (HERE / SMS_FILE).write_text("".join(sample_sms(root / SMS_FILE)), encoding="utf-8")
    ids = sample_disaster_ids(root)
    _copy_rows(root / MESSAGES_FILE, HERE / MESSAGES_FILE, ids)
    _copy_rows(root / CATEGORIES_FILE, HERE / CATEGORIES_FILE, ids)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
