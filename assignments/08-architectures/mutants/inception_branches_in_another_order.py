"""An inception module that concatenates its branches as 3x3, 1x1, 5x5, pooling instead of 1x1,
3x3, 5x5, pooling: the output shape and parameter count are right, the channels are in another
order, so the next layer's weights would meet other feature maps."""

from keras import layers


def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    branch1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(
        layers.Conv2D(f3_reduce, 1, padding="same", activation="relu")(x))
    branch5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(
        layers.Conv2D(f5_reduce, 1, padding="same", activation="relu")(x))
    branch_pool = layers.Conv2D(pool_proj, 1, padding="same", activation="relu")(
        layers.MaxPooling2D(pool_size=3, strides=1, padding="same")(x))
    return layers.Concatenate(axis=-1)([branch3, branch1, branch5, branch_pool])
