"""The judges' own references agree with the library functions the assignments name.

01's judge computes ``keras.utils.to_categorical`` with numpy (so grading 01 never imports
TensorFlow); the students are told their ``one_hot`` must equal Keras's, so the two must agree.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_judge(path: Path):
    spec = importlib.util.spec_from_file_location(f"judge_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("num_classes", [2, 10, 17])
def test_01_reference_one_hot_equals_keras_to_categorical(num_classes):
    import keras

    judge = load_judge(ROOT / "assignments" / "01-preprocessing" / "judge" / "test_preprocessing.py")
    rng = np.random.default_rng(num_classes)
    for labels in (rng.integers(0, num_classes, size=37), np.array([num_classes - 1, 0]), np.array([], dtype=int)):
        want = keras.utils.to_categorical(labels, num_classes)
        got = judge.to_categorical(labels, num_classes)
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        assert np.array_equal(got, want)


def test_01_judge_does_not_import_tensorflow():
    text = (ROOT / "assignments" / "01-preprocessing" / "judge" / "test_preprocessing.py").read_text(encoding="utf-8")
    code = [line for line in text.splitlines() if line.lstrip().startswith(("import ", "from "))]
    assert not [line for line in code if "keras" in line or "tensorflow" in line], code
