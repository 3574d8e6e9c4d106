"""Mistake: cnn_params assumes the convolutions keep the image's size (as with padding 'same'),
so Flatten gives (28 // 2)^2 * 64 values instead of ((28 - 2 - 2) // 2)^2 * 64."""


def cnn_params(image_size=28, channels=1, filters=(32, 64), kernel_size=3, pool_size=2, dense_units=128,
               num_classes=10):
    side = image_size // pool_size
    conv1 = (kernel_size * kernel_size * channels + 1) * filters[0]
    conv2 = (kernel_size * kernel_size * filters[0] + 1) * filters[1]
    dense1 = (side * side * filters[1] + 1) * dense_units
    dense2 = (dense_units + 1) * num_classes
    return int(conv1 + conv2 + dense1 + dense2)
