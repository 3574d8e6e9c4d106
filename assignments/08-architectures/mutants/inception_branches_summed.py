"""An inception module that adds its four branches instead of concatenating them on the channel
axis: it fails unless every branch has the same number of filters, and then it loses channels."""

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


def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    if config not in VGG_CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}; use one of {', '.join(VGG_CONFIGS)}")
    model = keras.Sequential([keras.Input(shape=input_shape)], name=f"vgg_{config}")
    for item in VGG_CONFIGS[config]:
        if item == "M":
            model.add(layers.MaxPooling2D(pool_size=2, strides=2))
        else:
            filters, size = item if isinstance(item, tuple) else (item, 3)
            model.add(layers.Conv2D(filters, size, padding="same", activation="relu"))
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
    return layers.Add()([branch1, branch3, branch5, branch_pool])


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
