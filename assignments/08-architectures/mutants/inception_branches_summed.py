"""An inception module that adds its four branches instead of concatenating them on the channel
axis: it fails unless every branch has the same number of filters, and then it loses channels."""

import keras
from keras import layers


def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    branch1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3_reduce, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(branch3)
    branch5 = layers.Conv2D(f5_reduce, 1, padding="same", activation="relu")(x)
    branch5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(branch5)
    branch_pool = layers.MaxPooling2D(pool_size=3, strides=1, padding="same")(x)
    branch_pool = layers.Conv2D(pool_proj, 1, padding="same", activation="relu")(branch_pool)
    return layers.Add()([branch1, branch3, branch5, branch_pool])
