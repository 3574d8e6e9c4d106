"""random_augment does what ImageDataGenerator's code does (keras-team/keras#17398):
width_shift_range shifts vertically by up to that fraction of the width, and height_shift_range
horizontally by up to that fraction of the height."""

import numpy as np

correct_random_augment = random_augment


def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    height, width = np.shape(images)[1:3]
    return correct_random_augment(images, rng, rotation_range=rotation_range,
                                  width_shift_range=height_shift_range * height / width,
                                  height_shift_range=width_shift_range * width / height, zoom_range=zoom_range,
                                  horizontal_flip=horizontal_flip, vertical_flip=vertical_flip)
