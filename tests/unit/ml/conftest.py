"""Fixtures: real dataset rows and a tiny triage model trained once per test session.

With TIPLINE_DATA_DIR set (CI sets it) the tests read the full datasets; without it they read the small samples in
tests/data (see its README), so a fresh clone runs them too. A test that needs the full data asks for `full_data`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ml.artefacts import library_versions, save_artefact
from ml.card import render_card
from ml.data import SmsData, load_disaster, load_sms
from ml.predict import Triage
from ml.train import build_bundle

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLE_DIR = REPO_ROOT / "tests" / "data"
FULL_DATA = bool(os.environ.get("TIPLINE_DATA_DIR"))
DATA_DIR = Path(os.environ.get("TIPLINE_DATA_DIR") or SAMPLE_DIR).resolve()
SAMPLE_SMS_TRAIN_LINES = 300  # the sample's first 300 lines come from the protocol's train part (make_samples.py)
TINY_LABELS = ["request", "direct_report", "related"]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Return the dataset directory (TIPLINE_DATA_DIR or the samples), or skip when it is not present."""
    if not (DATA_DIR / "sms-spam-collection").is_dir() or not (DATA_DIR / "disaster-response").is_dir():
        pytest.skip(f"dataset directory {DATA_DIR} is missing: the ml tests need the real data")
    return DATA_DIR


@pytest.fixture(scope="session")
def full_data(data_dir: Path) -> Path:
    """Return the full dataset directory, or skip when the tests read the samples."""
    if not FULL_DATA:
        pytest.skip("needs the full datasets: set TIPLINE_DATA_DIR (tests/data holds only samples)")
    return data_dir


@pytest.fixture(scope="session")
def sms_train(data_dir: Path) -> SmsData:
    """Return the SMS protocol's train part (the sample's train lines when reading the samples)."""
    sms = load_sms(data_dir)
    if FULL_DATA:
        return sms.split()[0]
    cut = SAMPLE_SMS_TRAIN_LINES
    return SmsData(sms.lines[:cut], sms.texts[:cut], sms.labels[:cut], sms.sha256)


@pytest.fixture(scope="session")
def tiny_model_dir(data_dir: Path, sms_train: SmsData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Train a tiny model on a few hundred real train rows and save it as an artefact."""
    dis_train = load_disaster(data_dir).split()[0]
    sms_small = SmsData(sms_train.lines[:400], sms_train.texts[:400], sms_train.labels[:400], sms_train.sha256)
    bundle, notes = build_bundle(sms_small, dis_train.subset(list(range(min(600, len(dis_train.ids))))))
    meta = {
        "model_version": "tiny-test",
        "trained_at": notes["trained_at"],
        "data": {"split": "tiny"},
        "library_versions": library_versions(),
        "metrics": {},
        "labelled_languages": notes["topics"]["labelled_languages"],
        "actionability_prior": notes["topics"]["actionability_prior"],
    }
    out = tmp_path_factory.mktemp("tiny-model")
    save_artefact(out, bundle, meta, render_card(meta))
    return out


@pytest.fixture(scope="session")
def tiny_triage(tiny_model_dir: Path) -> Triage:
    """Return the tiny model loaded with a small gazetteer and category patterns."""
    patterns = {
        "suspicious vehicle": {"en": ["truck", "car*"], "es": ["camión", "camioneta"], "ht": ["kamyon", "machin"]},
        "person in distress": {"en": ["help", "trapped"], "ht": ["sekou", "bezwen"], "es": ["ayuda"]},
    }
    return Triage.load(tiny_model_dir, gazetteer=["Jacmel", "Port-au-Prince", "Nogales"], category_patterns=patterns)
