"""Mistake: the hidden layer has 256 units instead of 512 (203,530 parameters)."""

import keras
from keras import layers


def count_dense_params(inputs, units):
    return int(inputs * units + units)


def build_dnn():
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
