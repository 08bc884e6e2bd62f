"""Artefacts: trusted-type loading, the shipped default model and refusal of mismatching files."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import skops.io as sio

from ml.artefacts import DEFAULT_DIR, METADATA_FILE, MODEL_FILE, TRUSTED_TYPES, ArtefactError, load_artefact
from ml.data import load_disaster
from ml.evaluate import evaluate_spam_on_genuine
from ml.predict import Triage


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(src, dst)
    return dst


def _edit_metadata(directory: Path, **changes: object) -> None:
    path = directory / METADATA_FILE
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta.update(changes)
    path.write_text(json.dumps(meta), encoding="utf-8")


def test_shipped_artefact_loads_with_the_trusted_list_and_reproduces_its_version() -> None:
    meta = json.loads((DEFAULT_DIR / METADATA_FILE).read_text(encoding="utf-8"))
    assert set(sio.get_untrusted_types(file=DEFAULT_DIR / MODEL_FILE)) <= set(TRUSTED_TYPES)
    triage = Triage.load()
    assert triage.version == meta["model_version"]
    assert triage.score(["Three men in a truck at the bridge"])[0].model_version == meta["model_version"]


def test_shipped_artefact_is_small_and_documented() -> None:
    size = sum(p.stat().st_size for p in DEFAULT_DIR.iterdir())
    assert size < 20 * 1024 * 1024
    card = (DEFAULT_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Intended use" in card and "Limitations" in card and "credibility =" in card


def test_tampered_model_file_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = _copy(tiny_model_dir, tmp_path)
    with open(directory / MODEL_FILE, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtefactError, match="sha256"):
        load_artefact(directory)


def test_metadata_with_another_label_set_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = _copy(tiny_model_dir, tmp_path)
    _edit_metadata(directory, topic_labels=["smuggling", "trafficking"])
    with pytest.raises(ArtefactError, match="label set"):
        load_artefact(directory)


def test_unknown_artefact_format_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = _copy(tiny_model_dir, tmp_path)
    _edit_metadata(directory, format="someone-else/9")
    with pytest.raises(ArtefactError, match="format"):
        load_artefact(directory)


def test_file_with_an_untrusted_type_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    directory = _copy(tiny_model_dir, tmp_path)
    bundle = sio.load(directory / MODEL_FILE, trusted=TRUSTED_TYPES)
    bundle["extra"] = Counter(a=1)
    sio.dump(bundle, directory / MODEL_FILE)
    from ml.data import sha256_of

    _edit_metadata(directory, model_sha256=sha256_of(directory / MODEL_FILE))
    with pytest.raises(ArtefactError, match="trusted"):
        load_artefact(directory)


def test_directory_without_metadata_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match="metadata.json"):
        Triage.load(tmp_path)


def test_damaged_model_file_with_a_matching_sha256_is_refused(tiny_model_dir: Path, tmp_path: Path) -> None:
    from ml.data import sha256_of

    directory = _copy(tiny_model_dir, tmp_path)
    data = bytearray((directory / MODEL_FILE).read_bytes())
    data[len(data) // 2] ^= 0xFF  # a bad CRC inside the zip archive
    (directory / MODEL_FILE).write_bytes(bytes(data))
    _edit_metadata(directory, model_sha256=sha256_of(directory / MODEL_FILE))
    with pytest.raises(ArtefactError, match="damaged"):
        load_artefact(directory)


@pytest.mark.parametrize("content", ["[1, 2]", '"triage"', "null"])
def test_metadata_that_is_not_a_json_object_is_refused(tiny_model_dir: Path, tmp_path: Path, content: str) -> None:
    directory = _copy(tiny_model_dir, tmp_path)
    (directory / METADATA_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(ArtefactError, match="not a JSON object"):
        load_artefact(directory)


def test_shipped_model_rarely_flags_genuine_disaster_reports_as_spam(full_data: Path) -> None:
    bundle, _ = load_artefact()
    figures = evaluate_spam_on_genuine(bundle, load_disaster(full_data).split()[1])
    assert figures["n"] > 7000  # every test message and original text
    assert figures["flagged_percent"] <= 0.5  # the target (3.35 % before)


def test_shipped_card_shows_fitted_credibility_weights_and_the_test_evaluation_log() -> None:
    meta = json.loads((DEFAULT_DIR / METADATA_FILE).read_text(encoding="utf-8"))
    card = (DEFAULT_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    fit = meta["training"]["credibility"]
    assert set(meta["credibility_weights"]) >= {"not_spam", "relevance", "actionability", "specificity"}
    assert f"out-of-fold AUC of the weighted sum against the actionable label {fit['oof_auc']}" in card
    assert "Log of evaluations on the test splits" in card and meta["model_version"] in card.split("Log of")[1]
    assert "15 % validation split" not in card
