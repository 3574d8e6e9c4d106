"""A bottleneck block that normalises after adding the shortcut instead of normalising the last
1x1 convolution before the addition: the same layers and parameters, in another order."""

from keras import layers


def bottleneck_block(x, filters, stride=1, project=False):
    shortcut = x
    if project:
        shortcut = layers.BatchNormalization()(layers.Conv2D(4 * filters, 1, strides=stride)(x))
    y = layers.Activation("relu")(layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride)(x)))
    y = layers.Activation("relu")(layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(y)))
    y = layers.Add()([layers.Conv2D(4 * filters, 1)(y), shortcut])
    return layers.Activation("relu")(layers.BatchNormalization()(y))   # the mistake: normalising the sum
