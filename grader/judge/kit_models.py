"""Models the kit builds itself, for checks that grade something other than a model.

The augmentation check, for instance, trains the *same* small network with and
without the student's augmentation: the model is the kit's, the augmentation is
the student's. Named ``"kit:<name>"`` in :func:`grader.judge.ops.train_predict`.
"""

from __future__ import annotations


def small_cnn(input_shape=(28, 28, 1), num_classes=10):
    """Two 3x3 convolutions with max pooling, then a softmax: small enough to train in seconds."""
    import keras
    from keras import layers

    channels_missing = len(input_shape) == 2
    inputs = keras.Input(shape=tuple(input_shape))
    x = layers.Reshape((*input_shape, 1))(inputs) if channels_missing else inputs
    x = layers.Rescaling(1.0 / 255)(x)
    x = layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(32, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="small_cnn")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def small_dnn(input_shape=(784,), num_classes=10):
    """One hidden dense layer on flattened pixels (a baseline for the CNN checks)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=tuple(input_shape))
    x = layers.Flatten()(inputs)
    x = layers.Dense(128, activation="relu")(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs, name="small_dnn")
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


KIT_MODELS = {"small_cnn": small_cnn, "small_dnn": small_dnn}
