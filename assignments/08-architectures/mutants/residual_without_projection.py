"""A residual block that always adds the input itself: no 1x1 projection shortcut when stride 2 or
a new channel count changes the shape, so Keras' Add layer gets two different shapes."""

import keras
from keras import layers


def residual_block(x, filters, stride=1):
    shortcut = x
    y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)
