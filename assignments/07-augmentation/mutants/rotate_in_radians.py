"""rotate treats its argument as radians (np.degrees applied to a value already in degrees), so
rotate(image, 30) turns by 30 radians = 1719 degrees."""

import numpy as np
from scipy import ndimage


def rotate(image, degrees):
    image = np.asarray(image, dtype=np.float64)
    return ndimage.rotate(image, np.degrees(degrees), axes=(1, 0), reshape=False, order=1, mode="nearest")
