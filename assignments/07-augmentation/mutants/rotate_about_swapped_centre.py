"""rotate turns about ((W-1)/2, (H-1)/2), the centre with rows and columns swapped, as
ImageDataGenerator's apply_transform does: right for square images, off-centre for a 20x30 one."""

import numpy as np
from scipy import ndimage


def rotate(image, degrees):
    image = np.asarray(image, dtype=np.float64)
    height, width = image.shape[:2]
    centre = np.array([(width - 1) / 2, (height - 1) / 2])     # the mistake: (x, y) for a (row, column) array
    theta = np.deg2rad(degrees)
    matrix = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    offset = centre - matrix @ centre
    channels = image.reshape(height, width, -1)
    out = [ndimage.affine_transform(channels[..., c], matrix, offset=offset, order=1, mode="nearest")
           for c in range(channels.shape[-1])]
    return np.stack(out, axis=-1).reshape(image.shape)
