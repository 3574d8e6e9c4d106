"""random_augment shifts in the right directions but scales width_shift_range by the image's
height and height_shift_range by its width: the ranges are wrong on any image that is not square."""

import numpy as np

correct_random_augment = random_augment


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    height, width = np.shape(images)[1:3]
    return correct_random_augment(images, rng, rotation_range=rotation_range,
                                  width_shift_range=width_shift_range * height / width,
                                  height_shift_range=height_shift_range * width / height, zoom_range=zoom_range,
                                  horizontal_flip=horizontal_flip, vertical_flip=vertical_flip)
