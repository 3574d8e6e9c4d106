"""flip mirrors the wrong axis: horizontal=True reverses the rows (top and bottom) instead of the
columns (left and right), and horizontal=False the columns."""

import numpy as np
from scipy import ndimage


def flip(image, horizontal=True):
    image = np.asarray(image, dtype=np.float64)
    return image[::-1].copy() if horizontal else image[:, ::-1].copy()
