"""VGG built with 5x5 convolutions instead of 3x3: the layers and output shapes are right, but
every convolution has 25/9 times the weights - the point of VGG's small filters is lost."""

import keras
from keras import layers


def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    if config not in VGG_CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}; use one of {', '.join(VGG_CONFIGS)}")
    model = keras.Sequential([keras.Input(shape=input_shape)], name=f"vgg_{config}")
    for item in VGG_CONFIGS[config]:
        if item == "M":
            model.add(layers.MaxPooling2D(pool_size=2, strides=2))
        else:
            filters, size = item if isinstance(item, tuple) else (item, 5)
            model.add(layers.Conv2D(filters, size, padding="same", activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
