"""A residual block that puts the stride on its second 3x3 convolution instead of the first: the
output shape and the parameter count are right, but the first convolution works at full
resolution and the second samples every other pixel of its result."""

from keras import layers


def residual_block(x, filters, stride=1):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride)(x))
    y = layers.Conv2D(filters, 3, padding="same")(x)
    y = layers.Activation("relu")(layers.BatchNormalization()(y))
    y = layers.Conv2D(filters, 3, strides=stride, padding="same")(y)   # the mistake: the stride here
    y = layers.BatchNormalization()(y)
    return layers.Activation("relu")(layers.Add()([y, shortcut]))
