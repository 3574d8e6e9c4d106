"""VGG built with 5x5 convolutions instead of 3x3 (and the 1x1 layers of C as 3x3): the model has
the right layers and shapes but far too many parameters - the point of VGG is lost."""

import keras
from keras import layers

VGG_CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}


def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    if config not in VGG_CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}")
    model = keras.Sequential([keras.Input(shape=input_shape)])
    for item in VGG_CONFIGS[config]:
        if item == "M":
            model.add(layers.MaxPooling2D(2, strides=2))
        else:
            model.add(layers.Conv2D(item, 5, padding="same", activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
