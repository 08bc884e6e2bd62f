"""Model artefacts: skops files loaded with an explicit trusted-type list, metadata and model card."""

from __future__ import annotations

import json
import platform
import zipfile
import zlib
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import skops.io as sio

from ml.data import sha256_of

FORMAT = "tipline-triage/1"
MODEL_FILE = "triage.skops"
METADATA_FILE = "metadata.json"
CARD_FILE = "MODEL_CARD.md"
DEFAULT_DIR = Path(__file__).resolve().parent / "models" / "default"
BUNDLE_KEYS = frozenset(
    {
        "featurizer",
        "spam",
        "spam_threshold",
        "topics",
        "topic_labels",
        "topic_thresholds",
        "topic_thresholds_original",
        "actionability",
    }
)
TRUSTED_TYPES: list[str] = [
    "ml.pipeline.ColumnSelector",
    "ml.pipeline.MultiLabelLogistic",
    "ml.pipeline.TipVectorizer",
    "ml.spam.SpamLogistic",
    "ml.spam.SpamVectorizer",
    "numpy.dtype",
    "numpy.float32",
    "numpy.float64",
    "numpy.int32",
    "numpy.int64",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.utils._bunch.Bunch",
]
LIBRARIES = ("scikit-learn", "spacy", "spacy-lookups-data", "py3langid", "skops", "numpy", "scipy")


class ArtefactError(ValueError):
    """Raised when a model directory is missing, tampered with or does not match this code."""


def library_versions() -> dict[str, str]:
    """Return the installed versions of the libraries the models depend on."""
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def _dump_trusted(obj: Any, path: Path, trusted: list[str]) -> None:
    """Write obj with skops and refuse (deleting the file) if it holds a type outside the trusted list."""
    sio.dump(obj, path, compression=8)
    untrusted = sorted(set(sio.get_untrusted_types(file=path)) - set(trusted))
    if untrusted:
        path.unlink()
        raise ArtefactError(f"{path.name} would hold types missing from the trusted list: {untrusted}")


def save_artefact(directory: Path, bundle: dict[str, Any], meta: dict[str, Any], card: str) -> dict[str, Any]:
    """Write the skops bundle, metadata.json (with the file's sha256) and MODEL_CARD.md; return metadata."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    _dump_trusted(bundle, model_path, TRUSTED_TYPES)
    meta = {
        **meta,
        "format": FORMAT,
        "model_file": MODEL_FILE,
        "model_sha256": sha256_of(model_path),
        "topic_labels": list(bundle["topic_labels"]),
    }
    (directory / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    (directory / CARD_FILE).write_text(card, encoding="utf-8")
    return meta


def _json_object(path: Path) -> dict[str, Any]:
    """Return the JSON object in path, or raise ArtefactError when it is unreadable or not an object."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ArtefactError(f"{path} is not readable JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise ArtefactError(f"{path} is not a JSON object")
    return meta


def _load_skops(path: Path, trusted: list[str]) -> Any:
    """Load a skops file, refusing types outside trusted and damaged files (bad zip, bad CRC) with ArtefactError."""
    try:
        unknown = sorted(set(sio.get_untrusted_types(file=path)) - set(trusted))
        if unknown:
            raise ArtefactError(f"{path} holds types outside the trusted list: {unknown}")
        return sio.load(path, trusted=trusted)
    except ArtefactError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, KeyError, TypeError, ValueError) as exc:
        raise ArtefactError(f"{path} is damaged or not a skops file: {exc}") from exc


def read_metadata(directory: Path) -> dict[str, Any]:
    """Return metadata.json of an artefact directory, checking its format."""
    path = Path(directory) / METADATA_FILE
    if not path.is_file():
        raise ArtefactError(f"no {METADATA_FILE} in {directory}: not a triage model directory")
    meta = _json_object(path)
    if meta.get("format") != FORMAT:
        raise ArtefactError(f"{path}: format {meta.get('format')!r} is not {FORMAT!r}")
    return meta


def load_artefact(directory: Path | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load (bundle, metadata) from directory, refusing unknown types and mismatching metadata."""
    directory = Path(directory) if directory else DEFAULT_DIR
    meta = read_metadata(directory)
    name = meta.get("model_file", MODEL_FILE)
    if not isinstance(name, str) or Path(name).name != name:
        raise ArtefactError(f"{METADATA_FILE} in {directory}: model_file {name!r} is not a file name")
    model_path = directory / name
    if not model_path.is_file():
        raise ArtefactError(f"model file {model_path} is missing")
    if sha256_of(model_path) != meta.get("model_sha256"):
        raise ArtefactError(f"{model_path} does not match the sha256 recorded in {METADATA_FILE}")
    bundle = _load_skops(model_path, TRUSTED_TYPES)
    _check_bundle(bundle, meta, model_path)
    return bundle, meta


def _check_bundle(bundle: Any, meta: dict[str, Any], path: Path) -> None:
    if not isinstance(bundle, dict) or not BUNDLE_KEYS <= set(bundle):
        raise ArtefactError(f"{path} is not a triage bundle (expected keys {sorted(BUNDLE_KEYS)})")
    labels = list(bundle["topic_labels"])
    if labels != list(meta.get("topic_labels", [])):
        raise ArtefactError(f"{path}: the topic label set differs from {METADATA_FILE}")
    if len(bundle["topic_thresholds"]) != len(labels):
        raise ArtefactError(f"{path}: {len(labels)} topic labels but {len(bundle['topic_thresholds'])} thresholds")


CATEGORY_TRUSTED_TYPES = [*TRUSTED_TYPES, "ml.categories.CategoryModel"]


CATEGORY_FORMAT = "tipline-categories/1"
CATEGORY_FILE = "categories.skops"


def save_category_model(directory: Path, model: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """Write a promoted category model (officers' labels) and its metadata.json; refuse untrusted types."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CATEGORY_FILE
    _dump_trusted(model, path, CATEGORY_TRUSTED_TYPES)
    meta = {**meta, "format": CATEGORY_FORMAT, "categories": list(model.categories), "model_sha256": sha256_of(path)}
    (directory / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def load_category_model(directory: Path) -> Any:
    """Load a saved category model, checking its format, checksum, category set and types."""
    directory = Path(directory)
    meta = _json_object(directory / METADATA_FILE)
    path = directory / CATEGORY_FILE
    if meta.get("format") != CATEGORY_FORMAT or not path.is_file() or sha256_of(path) != meta.get("model_sha256"):
        raise ArtefactError(f"{directory}: not a category model, or the file does not match its metadata")
    model = _load_skops(path, CATEGORY_TRUSTED_TYPES)
    if list(getattr(model, "categories", [])) != meta.get("categories"):
        raise ArtefactError(f"{path}: the category set differs from {METADATA_FILE}")
    return model
