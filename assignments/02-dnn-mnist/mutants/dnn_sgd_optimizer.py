"""Mistake: plain SGD instead of Adam, which the notebook asks for."""

import keras
from keras import layers


def count_dense_params(inputs, units):
    return int(inputs * units + units)


def build_dnn():
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="sgd", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
