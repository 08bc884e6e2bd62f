"""Dataset loading and the documented evaluation protocols (train/test splits)."""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

SMS_FILE = "sms-spam-collection/SMSSpamCollection"
MESSAGES_FILE = "disaster-response/disaster_messages.csv"
CATEGORIES_FILE = "disaster-response/disaster_categories.csv"
SMS_TRAIN_LINES = 1674
DROPPED_LABELS = ("child_alone",)
ACTIONABILITY_LABELS = ("request", "direct_report", "related")


class DataError(ValueError):
    """Raised when a dataset file is missing or malformed."""


def default_data_dir() -> Path:
    """Return TIPLINE_DATA_DIR or ../shared/datasets relative to the working directory."""
    return Path(os.environ.get("TIPLINE_DATA_DIR", "../shared/datasets"))


def sha256_of(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _require(path: Path) -> Path:
    if not path.is_file():
        raise DataError(f"dataset file not found: {path}")
    return path


@dataclass
class SmsData:
    """The SMS Spam Collection in file order: line numbers, texts and 0/1 spam labels."""

    lines: list[int]
    texts: list[str]
    labels: list[int]
    sha256: str

    def split(self) -> tuple[SmsData, SmsData]:
        """Return the paper's protocol split: first 1,674 lines train, the rest test."""
        cut = SMS_TRAIN_LINES
        if len(self.texts) <= cut:
            raise DataError(f"the SMS collection has {len(self.texts)} lines; the protocol needs more than {cut}")
        head = SmsData(self.lines[:cut], self.texts[:cut], self.labels[:cut], self.sha256)
        tail = SmsData(self.lines[cut:], self.texts[cut:], self.labels[cut:], self.sha256)
        return head, tail


def load_sms(data_dir: Path) -> SmsData:
    """Read SMSSpamCollection (label<TAB>text per line)."""
    path = _require(Path(data_dir) / SMS_FILE)
    lines, texts, labels = [], [], []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, raw in enumerate(handle):
            label, _, text = raw.rstrip("\r\n").partition("\t")
            if label not in ("ham", "spam"):
                raise DataError(f"{path}:{number}: unknown label {label!r}")
            lines.append(number)
            texts.append(text)
            labels.append(int(label == "spam"))
    if not lines:
        raise DataError(f"{path} is empty")
    return SmsData(lines, texts, labels, sha256_of(path))


@dataclass
class DisasterData:
    """Disaster Response messages: one row per id, 35 binary labels."""

    ids: list[int]
    messages: list[str]
    originals: list[str]
    genres: list[str]
    label_names: list[str]
    labels: list[list[int]]
    sha256: dict[str, str] = field(default_factory=dict)

    def subset(self, keep: list[int]) -> DisasterData:
        """Return the rows at the given positions."""
        return DisasterData(
            [self.ids[i] for i in keep],
            [self.messages[i] for i in keep],
            [self.originals[i] for i in keep],
            [self.genres[i] for i in keep],
            self.label_names,
            [self.labels[i] for i in keep],
            self.sha256,
        )

    def split(self) -> tuple[DisasterData, DisasterData]:
        """Return the protocol split: test = id % 5 == 0, train = the rest."""
        train = [i for i, ident in enumerate(self.ids) if ident % 5 != 0]
        test = [i for i, ident in enumerate(self.ids) if ident % 5 == 0]
        if not train or not test:
            raise DataError(f"the disaster messages give {len(train)} train and {len(test)} test rows")
        return self.subset(train), self.subset(test)

    def with_original(self) -> list[int]:
        """Return positions of rows whose original text is non-empty and differs from the message."""
        return [
            i
            for i, (m, o) in enumerate(zip(self.messages, self.originals, strict=True))
            if o.strip() and o.strip() != m.strip()
        ]


# what a truncated or malformed CSV row raises below: a missing column or field, a bad number, bad UTF-8
_MALFORMED = (KeyError, ValueError, TypeError, AttributeError, csv.Error)


def _malformed(path: Path, line: int, exc: Exception) -> DataError:
    return DataError(f"{path}:{line}: malformed or truncated row ({type(exc).__name__}: {exc})")


def _read_categories(path: Path) -> tuple[list[str], dict[int, list[int]]]:
    names: list[str] = []
    rows: dict[int, list[int]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                pairs = [item.rsplit("-", 1) for item in row["categories"].split(";")]
                if not names:
                    names = [name for name, _ in pairs if name not in DROPPED_LABELS]
                values = {name: min(int(value), 1) for name, value in pairs}
                rows.setdefault(int(row["id"]), [values[name] for name in names])
        except _MALFORMED as exc:
            raise _malformed(path, reader.line_num, exc) from exc
    if not rows:
        raise DataError(f"{path} holds no categories")
    return names, rows


def _read_messages(path: Path, categories: dict[int, list[int]], data: DisasterData) -> None:
    seen: set[int] = set()
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                ident = int(row["id"])
                if ident in seen or ident not in categories:
                    continue
                seen.add(ident)
                data.ids.append(ident)
                data.messages.append(row["message"] or "")
                data.originals.append(row["original"] or "")
                data.genres.append(row["genre"] or "")
                data.labels.append(categories[ident])
        except _MALFORMED as exc:
            raise _malformed(path, reader.line_num, exc) from exc


def load_disaster(data_dir: Path) -> DisasterData:
    """Read the disaster messages and categories, applying the documented clean-up."""
    msg_path = _require(Path(data_dir) / MESSAGES_FILE)
    cat_path = _require(Path(data_dir) / CATEGORIES_FILE)
    names, categories = _read_categories(cat_path)
    data = DisasterData([], [], [], [], names, [], {"messages": sha256_of(msg_path), "categories": sha256_of(cat_path)})
    _read_messages(msg_path, categories, data)
    if len(data.ids) != len(categories):  # both files list the same ids
        raise DataError(
            f"{len(categories) - len(data.ids)} of the {len(categories)} ids in {cat_path} have no message in "
            f"{msg_path}: a truncated or mismatched file?"
        )
    return data
