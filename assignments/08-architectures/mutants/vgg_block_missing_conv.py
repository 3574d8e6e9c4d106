"""VGG built block by block with an off-by-one: each block of two or more convolutions gets one
too few (range(n - 1)), so configuration D has 1, 1, 2, 2, 2 convolutions instead of 2, 2, 3, 3, 3."""

import keras
from keras import layers


VGG_BLOCKS = {  # (convolutions, filters) per block; C's 1x1 layers counted as convolutions
    "A": [(1, 64), (1, 128), (2, 256), (2, 512), (2, 512)],
    "B": [(2, 64), (2, 128), (2, 256), (2, 512), (2, 512)],
    "C": [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)],
    "D": [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)],
    "E": [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)],
}


def vgg_block(model, convolutions, filters):
    for _ in range(max(convolutions - 1, 1)):   # the mistake: one convolution too few
        model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
    model.add(layers.MaxPooling2D(pool_size=2, strides=2))


def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    if config not in VGG_BLOCKS:
        raise ValueError(f"unknown VGG configuration {config!r}")
    model = keras.Sequential([keras.Input(shape=input_shape)], name=f"vgg_{config}")
    for convolutions, filters in VGG_BLOCKS[config]:
        vgg_block(model, convolutions, filters)
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
