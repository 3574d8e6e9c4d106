"""The notebook view and its loader: what a notebook sees holds no held-out example, read with NumPy alone."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from grader.datasets import cnn_data, load_splits, notebook_view


def _digests(images: np.ndarray) -> set[str]:
    return {hashlib.sha256(np.ascontiguousarray(image).tobytes()).hexdigest() for image in images}


@pytest.mark.parametrize("name", ["mnist", "shapes"])
def test_the_view_has_no_held_out_example_and_reads_back(name, tmp_path, monkeypatch):
    real = load_splits(name)
    notebook_view.write_notebook_data(None, [name], tmp_path)
    monkeypatch.setenv(cnn_data.DATA_ENV, str(tmp_path))
    view = cnn_data.load_splits(name)

    held_out = _digests(real.x_public) | _digests(real.x_private)
    seen = _digests(view.x_train) | _digests(view.x_public) | _digests(view.x_private)
    assert not (held_out & seen), "held-out test images leaked into the notebook view"
    assert len(view.x_train) + len(view.x_public) == len(real.x_train)
    assert view.class_names == real.class_names
    assert "notebook view" in view.source
    with np.load(tmp_path / f"{name}.npz", allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)


def test_an_unprepared_dataset_says_where_it_looked_and_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv(cnn_data.DATA_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as error:
        cnn_data.load_splits("cifar-10")
    message = str(error.value)
    assert message.startswith(f"No data for 'cifar-10': cifar-10.npz is in none of {tmp_path / 'data'}, {tmp_path}, ")
    assert "Keep the data/ folder of the assignment's zip next to the notebook" in message
    assert "must list it in `datasets`" in message
    monkeypatch.setenv(cnn_data.DATA_ENV, str(tmp_path / "job-data"))
    assert cnn_data.data_folders() == [tmp_path / "job-data"]


def test_the_loader_finds_data_beside_the_notebook_or_in_its_folder(tmp_path, monkeypatch):
    """The released layout (data/ next to the notebook) and Colab's (files uploaded beside it)."""
    monkeypatch.delenv(cnn_data.DATA_ENV, raising=False)
    written = notebook_view.write_notebook_folder(None, ["mnist"], tmp_path / "released")
    assert [p.relative_to(tmp_path / "released").as_posix() for p in written] == ["cnn_data.py", "data/mnist.npz"]
    monkeypatch.chdir(tmp_path / "released")
    assert len(cnn_data.load_splits("mnist").y_train) > 0
    colab = tmp_path / "content"
    colab.mkdir()
    (tmp_path / "released" / "data" / "mnist.npz").rename(colab / "mnist.npz")
    monkeypatch.chdir(colab)
    assert cnn_data.load_splits("mnist").class_names == [str(i) for i in range(10)]


def test_the_shipped_loader_runs_where_the_kit_is_absent(tmp_path):
    """cnn_data.py alone, in a Python that cannot import grader: it needs NumPy only."""
    folder = tmp_path / "released"
    notebook_view.write_notebook_folder(None, ["shapes"], folder)
    script = ("import sys\n"
              "class NoKit:\n"
              "    def find_spec(self, name, path=None, target=None):\n"
              "        if name.partition('.')[0] == 'grader': raise ModuleNotFoundError(name)\n"
              "sys.meta_path.insert(0, NoKit())\n"
              "import cnn_data\n"
              "s = cnn_data.load_splits('shapes')\n"
              "print(len(s.y_train), len(s.y_public), len(s.y_private), sorted(m for m in sys.modules if m in "
              "('grader', 'PIL', 'tensorflow', 'keras', 'scipy')))\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNKIT_")}
    result = subprocess.run([sys.executable, "-c", script], cwd=folder, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    with np.load(folder / "data" / "shapes.npz") as data:
        expected = f"{len(data['y_train'])} {len(data['y_public'])} {len(data['y_private'])} []\n"
    assert result.stdout == expected


def test_generate_shapes_writes_keras_folders_of_pngs_with_the_views_pixels(tmp_path, monkeypatch):
    from PIL import Image

    notebook_view.write_notebook_data(None, ["shapes"], tmp_path / "data")
    monkeypatch.setenv(cnn_data.DATA_ENV, str(tmp_path / "data"))
    folder = cnn_data.generate_shapes(tmp_path / "png")
    view = cnn_data.load_splits("shapes")
    assert sorted(p.name for p in (folder / "train").iterdir()) == view.class_names
    assert sum(1 for _ in (folder / "train").rglob("*.png")) == len(view.x_train)
    assert sum(1 for _ in (folder / "challenge").rglob("*.png")) == len(view.x_private)
    first = view.class_names[int(view.y_train[0])]
    np.testing.assert_array_equal(np.asarray(Image.open(folder / "train" / first / f"{first}000.png")), view.x_train[0])


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (4, 6, 1)])
def test_write_png_round_trips_through_pillow(tmp_path, shape):
    from PIL import Image

    pixels = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    cnn_data.write_png(tmp_path / "image.png", pixels)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "image.png")), np.squeeze(pixels, axis=-1)
                                  if shape[-1] == 1 else pixels)


def test_write_png_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(ValueError, match=r"uint8 images of shape \(H, W\) or \(H, W, 3\), got float64 \(2, 2\)"):
        cnn_data.write_png(tmp_path / "x.png", np.zeros((2, 2)))
