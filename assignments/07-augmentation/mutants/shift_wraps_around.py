"""shift with np.roll: the pixels pushed out on one side come back on the other (wrap-around)
instead of repeating the nearest edge pixel (fill_mode='nearest'); fractions are rounded."""

import numpy as np
from scipy import ndimage


def shift(image, dx, dy):
    image = np.asarray(image, dtype=np.float64)
    return np.roll(image, (int(round(dy)), int(round(dx))), axis=(0, 1))
