"""VGG whose two 4096-unit dense layers have no activation: with the right layers, shapes and
parameters, the classifier collapses into one linear map before the softmax."""

import keras
from keras import layers

correct_build_vgg = build_vgg


def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    model = correct_build_vgg(config, input_shape, num_classes)
    for layer in model.layers:
        if isinstance(layer, layers.Dense) and layer.units == 4096:
            layer.activation = keras.activations.linear          # the mistake: Dense(4096) without ReLU
    return model
