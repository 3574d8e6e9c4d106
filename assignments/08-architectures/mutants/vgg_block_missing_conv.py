"""VGG with one convolution missing per block: the loop stops one layer early (range(n - 1)),
so configuration D has 2, 2, 2, 2, 2 convolutions instead of 2, 2, 3, 3, 3."""

import keras
from keras import layers

VGG_BLOCKS = {
    "A": [[64], [128], [256, 256], [512, 512], [512, 512]],
    "B": [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
    "C": [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    "D": [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
    "E": [[64, 64], [128, 128], [256] * 4, [512] * 4, [512] * 4],
}


def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    if config not in VGG_BLOCKS:
        raise ValueError(f"unknown VGG configuration {config!r}")
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for block in VGG_BLOCKS[config]:
        for i in range(max(len(block) - 1, 1)):   # the mistake: one convolution too few
            model.add(layers.Conv2D(block[i], 3, padding="same", activation="relu"))
        model.add(layers.MaxPooling2D(2, strides=2))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
