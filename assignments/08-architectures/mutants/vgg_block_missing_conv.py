"""VGG built block by block with an off-by-one: each block of two or more convolutions gets one
too few (range(n - 1)), so configuration D has 1, 1, 2, 2, 2 convolutions instead of 2, 2, 3, 3, 3."""

import keras
from keras import layers


def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(96, 11, strides=4, activation="relu"),
            layers.MaxPooling2D(pool_size=3, strides=2),
            layers.Conv2D(256, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=3, strides=2),
            layers.Conv2D(384, 3, padding="same", activation="relu"),
            layers.Conv2D(384, 3, padding="same", activation="relu"),
            layers.Conv2D(256, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=3, strides=2),
            layers.Flatten(),
            layers.Dense(4096, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(4096, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="alexnet",
    )


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


def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    branch1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3_reduce, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(branch3)
    branch5 = layers.Conv2D(f5_reduce, 1, padding="same", activation="relu")(x)
    branch5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(branch5)
    branch_pool = layers.MaxPooling2D(pool_size=3, strides=1, padding="same")(x)
    branch_pool = layers.Conv2D(pool_proj, 1, padding="same", activation="relu")(branch_pool)
    return layers.Concatenate(axis=-1)([branch1, branch3, branch5, branch_pool])


def residual_block(x, filters, stride=1):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)


def bottleneck_block(x, filters, stride=1, project=False):
    shortcut = x
    if project:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 1, strides=stride)(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(4 * filters, 1)(y)
    y = layers.BatchNormalization()(y)
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)


def build_resnet50(input_shape=(224, 224, 3), num_classes=1000):
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(64, 7, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(pool_size=3, strides=2, padding="same")(x)
    for filters, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        x = bottleneck_block(x, filters, stride=stride, project=True)
        for _ in range(blocks - 1):
            x = bottleneck_block(x, filters)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet50")
