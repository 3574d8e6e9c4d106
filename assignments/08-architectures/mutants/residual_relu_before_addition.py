"""A residual block that applies the last ReLU to the convolutions' branch before adding the
shortcut, and none after the addition: the same layers, in another order."""

from keras import layers


def residual_block(x, filters, stride=1):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride)(x))
    y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
    return layers.Add()([layers.Activation("relu")(y), shortcut])     # the mistake: ReLU, then the sum
