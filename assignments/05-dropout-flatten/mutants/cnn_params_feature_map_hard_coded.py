"""Mistake: cnn_params takes the layers' sizes for the weights but keeps the MNIST CNN's 12x12
feature maps for Flatten, so any other image, kernel or pooling size gets the wrong dense layer."""


def cnn_params(image_size=28, channels=1, filters=(32, 64), kernel_size=3, pool_size=2, dense_units=128,
               num_classes=10):
    conv1 = (kernel_size * kernel_size * channels + 1) * filters[0]
    conv2 = (kernel_size * kernel_size * filters[0] + 1) * filters[1]
    dense1 = (12 * 12 * filters[1] + 1) * dense_units
    dense2 = (dense_units + 1) * num_classes
    return int(conv1 + conv2 + dense1 + dense2)
