"""Saving and loading officer-trained category models as skops files with an explicit trusted-type list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import skops.io as sio

from ml.artefacts import TRUSTED_TYPES, ArtefactError
from ml.categories import CategoryModel
from ml.data import sha256_of

FORMAT = "tipline-categories/1"
MODEL_FILE = "categories.skops"
CATEGORY_TRUSTED_TYPES = sorted({*TRUSTED_TYPES, "ml.categories.CategoryModel"})


def save_category_model(directory: Path, model: CategoryModel, meta: dict[str, Any]) -> dict[str, Any]:
    """Write the model and its metadata.json (format, categories, sha256); refuse types outside the list."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MODEL_FILE
    sio.dump(model, path, compression=8)
    untrusted = sorted(set(sio.get_untrusted_types(file=path)) - set(CATEGORY_TRUSTED_TYPES))
    if untrusted:
        path.unlink()
        raise ArtefactError(f"the category model holds types missing from the trusted list: {untrusted}")
    meta = {**meta, "format": FORMAT, "categories": list(model.categories), "model_sha256": sha256_of(path)}
    (directory / "metadata.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def load_category_model(directory: Path) -> CategoryModel:
    """Load a saved category model, checking its format, checksum and types."""
    directory = Path(directory)
    try:
        meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ArtefactError(f"{directory}: no readable metadata.json ({exc})") from exc
    path = directory / MODEL_FILE
    if meta.get("format") != FORMAT or not path.is_file() or sha256_of(path) != meta.get("model_sha256"):
        raise ArtefactError(f"{directory}: not a category model, or the file does not match its metadata")
    unknown = sorted(set(sio.get_untrusted_types(file=path)) - set(CATEGORY_TRUSTED_TYPES))
    if unknown:
        raise ArtefactError(f"{path} holds types outside the trusted list: {unknown}")
    model = sio.load(path, trusted=CATEGORY_TRUSTED_TYPES)
    if not isinstance(model, CategoryModel) or list(model.categories) != meta["categories"]:
        raise ArtefactError(f"{path}: the category set differs from metadata.json")
    return model
