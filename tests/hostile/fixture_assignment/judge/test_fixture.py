"""Hidden checks of the fixture assignment. HIDDEN-JUDGE-MARKER-7f3a (a secret the sandbox must never see)."""

import numpy as np
import pytest


@pytest.mark.points(20)
def test_double(student, rng):
    x = rng.normal(size=(3, 4))
    got = student.double(x)
    assert isinstance(got, np.ndarray) and got.shape == x.shape, "double must keep the shape"
    assert np.allclose(got, x * 2), "double must multiply every value by 2"


@pytest.mark.points(20)
def test_clip01(student, rng):
    x = rng.normal(scale=3, size=(10,))
    got = student.clip01(x)
    assert isinstance(got, np.ndarray), "clip01 must return a numpy array"
    assert np.allclose(got, np.clip(x, 0, 1)), "clip01 must clip every value into [0, 1]"
