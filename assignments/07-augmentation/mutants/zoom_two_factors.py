"""random_augment draws two independent zoom factors, one for the rows and one for the columns,
as ImageDataGenerator's zx and zy: the images are stretched as well as zoomed."""

import numpy as np
from scipy import ndimage

correct_random_augment = random_augment


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    rng = np.random.default_rng(rng)
    out = correct_random_augment(images, rng, rotation_range=rotation_range, width_shift_range=width_shift_range,
                                 height_shift_range=height_shift_range, horizontal_flip=horizontal_flip,
                                 vertical_flip=vertical_flip)
    centre = (np.array(out.shape[1:3]) - 1) / 2.0
    for i in range(len(out) if zoom_range else 0):
        matrix = np.diag(rng.uniform(1 - zoom_range, 1 + zoom_range, 2))    # the mistake: zy and zx
        image = out[i].reshape(*out.shape[1:3], -1)
        zoomed = [ndimage.affine_transform(image[..., c], matrix, offset=centre - matrix @ centre, order=1,
                                           mode="nearest") for c in range(image.shape[-1])]
        out[i] = np.stack(zoomed, axis=-1).reshape(out.shape[1:])
    return out
