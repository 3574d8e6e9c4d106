"""zoom takes its centre as ((W-1)/2, (H-1)/2), rows and columns swapped, as ImageDataGenerator's
apply_transform does: right for square images, off-centre for a 20x30 one."""

import numpy as np
from scipy import ndimage


def zoom(image, factor):
    image = np.asarray(image, dtype=np.float64)
    height, width = image.shape[:2]
    centre = np.array([(width - 1) / 2, (height - 1) / 2])     # the mistake
    matrix = np.diag([factor, factor])
    offset = centre - factor * centre
    channels = image.reshape(height, width, -1)
    out = [ndimage.affine_transform(channels[..., c], matrix, offset=offset, order=1, mode="nearest")
           for c in range(channels.shape[-1])]
    return np.stack(out, axis=-1).reshape(image.shape)
