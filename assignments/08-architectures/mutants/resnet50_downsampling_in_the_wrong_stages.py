"""ResNet-50 with the strides shifted by one stage: conv2_x halves the feature maps and conv5_x
keeps them. Parameters, additions and convolutions all count right; the blocks' feature maps have
the wrong sizes (28, 14, 7, 7 pixels across instead of 56, 28, 14, 7)."""

import keras
from keras import layers


def build_resnet50(input_shape=(224, 224, 3), num_classes=1000):
    inputs = keras.Input(shape=input_shape)
    x = layers.Activation("relu")(layers.BatchNormalization()(layers.Conv2D(64, 7, strides=2, padding="same")(inputs)))
    x = layers.MaxPooling2D(pool_size=3, strides=2, padding="same")(x)
    for filters, blocks, stride in [(64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)]:   # the mistake
        x = bottleneck_block(x, filters, stride=stride, project=True)
        for _ in range(blocks - 1):
            x = bottleneck_block(x, filters)
    outputs = layers.Dense(num_classes, activation="softmax")(layers.GlobalAveragePooling2D()(x))
    return keras.Model(inputs, outputs, name="resnet50")
