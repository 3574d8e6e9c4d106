"""Mistake: build_dnn returns the model without compiling it."""

import keras
from keras import layers


def count_dense_params(inputs, units):
    return int(inputs * units + units)


def build_dnn():
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
