"""Every shipped baseline notebook trains on a tiny kit and writes a valid submission.csv."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from grader.competitions.solution import load_solution
from grader.competitions.validation import SubmissionSpec, validate_file
from grader.datasets.splits import Splits

from .conftest import add_competition, toy_splits

SHIPPED = Path(__file__).resolve().parents[2] / "starter_kits"
KITS = {  # name -> (image shape, class names)
    "digit-recognizer": ((28, 28), [str(i) for i in range(10)]),
    "fashion-mnist": ((28, 28), None),
    "cifar-10": ((32, 32, 3), None),
    "shapes-challenge": ((64, 64), None),
}

RUNNER = """
import os, sys, runpy, jupytext
for kit in sys.argv[1:]:
    os.chdir(kit)
    notebook = jupytext.read(os.path.join(kit, "baseline.ipynb"))
    code = "\\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    code = code.replace("EPOCHS = ", "EPOCHS = 1  # ", 1)
    exec(compile(code, kit + "/baseline.ipynb", "exec"), {"__name__": "__main__"})
"""


def _dogs_splits(folder: Path) -> Splits:
    folder.mkdir()
    paths, labels = [], []
    for i in range(16):
        label = i % 2
        path = folder / f"{'cat' if label == 0 else 'dog'}.{i}.jpg"
        Image.new("RGB", (40, 30), (200 * label, 50, 90)).save(path)
        paths.append(str(path))
        labels.append(label)
    paths, labels = np.array(paths), np.array(labels)
    return Splits(x_train=paths[:10], y_train=labels[:10], x_public=paths[10:12], y_public=labels[10:12],
                  x_private=paths[12:], y_private=labels[12:], class_names=["cat", "dog"], source="test",
                  variant="toy", ids_public=np.array([2, 5]), ids_private=np.array([1, 3, 4, 6]))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_baselines_write_valid_submissions(course, tmp_path):
    configs = {}
    for name, (shape, class_names) in KITS.items():
        shutil.copytree(SHIPPED / name, course.path("competitions", name), dirs_exist_ok=True)
        toml = (SHIPPED / name / "competition.toml").read_text()
        names = class_names or __import__("tomllib").loads(toml)["class_names"]
        configs[name] = add_competition(course, name, toml, toy_splits(image_shape=shape, n_classes=len(names),
                                                                       class_names=names))
    shutil.copytree(SHIPPED / "dogs-vs-cats", course.path("competitions", "dogs-vs-cats"), dirs_exist_ok=True)
    configs["dogs-vs-cats"] = add_competition(course, "dogs-vs-cats",
                                              (SHIPPED / "dogs-vs-cats" / "competition.toml").read_text(),
                                              _dogs_splits(tmp_path / "photos"))
    kits = [str(course.path("release", name)) for name in configs]
    result = subprocess.run([sys.executable, "-c", RUNNER, *kits], capture_output=True, text=True, timeout=280)
    assert result.returncode == 0, result.stderr[-3000:]
    for name, cfg in configs.items():
        spec = SubmissionSpec.for_competition(cfg, load_solution(cfg).ids)
        parsed = validate_file(course.path("release", name, "submission.csv"), spec)
        assert len(parsed.predictions) == len(spec.ids), name
        notebook = json.loads(course.path("release", name, "baseline.ipynb").read_text())
        assert notebook["cells"][0]["cell_type"] == "markdown"
