"""A residual block whose first convolution is followed by ReLU and then batch normalisation,
instead of batch normalisation and then ReLU: the same layers, shapes and parameter count, in
another order, so it computes something else."""

from keras import layers


def residual_block(x, filters, stride=1):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride)(x))
    y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
    y = layers.BatchNormalization()(layers.Activation("relu")(y))      # the mistake: ReLU first
    y = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y))
    return layers.Activation("relu")(layers.Add()([y, shortcut]))
