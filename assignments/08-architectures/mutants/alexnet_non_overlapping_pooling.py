"""AlexNet with ordinary 2x2 / stride 2 max pooling: the windows do not overlap. The feature maps
keep their sizes (55 -> 27 -> 13 -> 6), so only the pooling configuration shows the mistake."""

import keras
from keras import layers


def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(96, 11, strides=4, activation="relu"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            layers.Conv2D(256, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            layers.Conv2D(384, 3, padding="same", activation="relu"),
            layers.Conv2D(384, 3, padding="same", activation="relu"),
            layers.Conv2D(256, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=2, strides=2),
            layers.Flatten(),
            layers.Dense(4096, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(4096, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="alexnet",
    )
