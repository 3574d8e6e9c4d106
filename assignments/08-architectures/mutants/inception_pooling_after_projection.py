"""An inception module whose fourth branch projects with the 1x1 convolution first and pools
after it, instead of pooling the input and then projecting: the same layers and parameters,
in another order."""

from keras import layers


def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    branch1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(
        layers.Conv2D(f3_reduce, 1, padding="same", activation="relu")(x))
    branch5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(
        layers.Conv2D(f5_reduce, 1, padding="same", activation="relu")(x))
    branch_pool = layers.MaxPooling2D(pool_size=3, strides=1, padding="same")(
        layers.Conv2D(pool_proj, 1, padding="same", activation="relu")(x))
    return layers.Concatenate(axis=-1)([branch1, branch3, branch5, branch_pool])
