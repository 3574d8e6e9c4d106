"""The notebook view: what a notebook sees in the sandbox holds no held-out example."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from grader.datasets import load_splits
from grader.datasets import notebook_view


def _digests(images: np.ndarray) -> set[str]:
    return {hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() for image in images}


@pytest.mark.parametrize("name", ["mnist", "shapes"])
def test_the_view_has_no_held_out_example_and_reads_back(name, tmp_path, monkeypatch):
    real = load_splits(name)
    notebook_view.write_notebook_data(None, [name], tmp_path)
    monkeypatch.setenv(notebook_view.DATA_ENV, str(tmp_path))
    view = notebook_view.load_splits(name)

    held_out = _digests(real.x_public) | _digests(real.x_private)
    seen = _digests(view.x_train) | _digests(view.x_public) | _digests(view.x_private)
    assert not (held_out & seen), "held-out test images leaked into the notebook view"
    assert len(view.x_train) + len(view.x_public) == len(real.x_train)
    assert view.class_names == real.class_names
    assert "notebook view" in view.source
    with np.load(tmp_path / f"{name}.npz", allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)


def test_an_unprepared_dataset_says_what_to_list(tmp_path, monkeypatch):
    monkeypatch.setenv(notebook_view.DATA_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="must list it in `datasets`"):
        notebook_view.load_splits("cifar-10")


def test_generate_shapes_writes_keras_folders_from_the_view(tmp_path, monkeypatch):
    notebook_view.write_notebook_data(None, ["shapes"], tmp_path / "data")
    monkeypatch.setenv(notebook_view.DATA_ENV, str(tmp_path / "data"))
    folder = notebook_view.generate_shapes(tmp_path / "png")
    view = notebook_view.load_splits("shapes")
    assert sorted(p.name for p in (folder / "train").iterdir()) == view.class_names
    assert sum(1 for _ in (folder / "train").rglob("*.png")) == len(view.x_train)
