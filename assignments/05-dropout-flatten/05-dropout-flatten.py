# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Assignment 5 — Dropout and Flatten
#
# The CNN of assignment 6 (a convolutional neural network, 합성곱 신경망) has, besides its
# convolutions (합성곱) and its max pooling (맥스 풀링, 최대 풀링), two more kinds of layers
# that learn nothing themselves but matter a lot:
#
# 1. **Dropout (드롭아웃)**: during training, switch off a random part of a layer's
#    outputs, so that the network cannot rely on any single unit — a defence against
#    overfitting (과적합).
# 2. **Flatten (플래튼, 평탄화)**: turn the stack of feature maps (특징 맵) into one long
#    vector for the dense layers (완전연결층) at the end.
# 3. **Counting parameters (변수, 파라미터)**: where the 1,199,882 parameters of that CNN
#    are, and how their number follows from the sizes of its layers.
#
# Each exercise is stated before the cell where you answer it. Replace
# `raise NotImplementedError()` with your code; the test cell after it lets you check
# yourself. More checks run when your notebook is graded.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf  # only to compare your functions with TensorFlow's

print("TensorFlow", tf.__version__, "| GPUs:", len(tf.config.list_physical_devices("GPU")))

# %% [markdown]
# ## 1. Dropout (드롭아웃)
#
# A large network can memorise its training images instead of learning what digits
# look like: its training accuracy (정확도) keeps rising while its accuracy on new images stalls
# or drops. That is **overfitting (과적합)**. Dropout fights it: at every training step,
# each output of the layer is set to 0 with probability `rate` (Keras's
# `Dropout(0.25)` drops a quarter of them), a different random choice each step and for
# each image. No unit can count on its neighbours, so each has to be useful on its own.
#
# At inference (추론) — evaluating or predicting — nothing is dropped: the whole network
# is used. But then the next layer would receive larger sums than during training,
# where only a fraction `1 - rate` of the units were on. Keras solves this with
# **inverted dropout (역 드롭아웃)**: during training, the units that are kept are
# multiplied by `1 / (1 - rate)`, so the expected value of every output is the same in training and
# at inference, and at inference the layer does nothing at all.
#
# To make the random choice reproducible, we fix it exactly: with
# `rng = np.random.default_rng(seed)`, a unit is **kept** where
# `rng.random(x.shape) >= rate` — one random number per value of `x`, so every sample
# of the batch gets its own mask.
#
# ### Exercise 1 — `dropout`
#
# Write `dropout(x, rate, training, seed=None)`:
#
# - `training=True`: return `x` with the dropped values set to 0 and the kept values
#   divided by `1 - rate`, using the mask defined above;
# - `training=False`: return `x` unchanged (as a new float array);
# - `rate` must be in [0, 1); anything else raises `ValueError` (a rate of 1 would drop
#   everything and divide by zero).

# %% nbgrader="solution" grade_id="dropout"
def dropout(x, rate, training, seed=None):
    """Inverted dropout: drop with probability rate and rescale the kept values in training."""
    ### BEGIN SOLUTION
    if not 0 <= rate < 1:
        raise ValueError(f"rate must be in [0, 1), got {rate}")
    x = np.array(x, dtype=np.float64)
    if not training:
        return x
    keep = np.random.default_rng(seed).random(x.shape) >= rate
    return np.where(keep, x / (1 - rate), 0.0)
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_dropout" points=10
activations = np.ones((4, 1000))
dropped = dropout(activations, 0.25, training=True, seed=0)
assert dropped.shape == activations.shape, "dropout must keep the shape of its input"
assert abs((dropped == 0).mean() - 0.25) < 0.02, "about a quarter of the values must be dropped with rate 0.25"
assert np.allclose(dropped[dropped != 0], 1 / 0.75), "kept values must be divided by 1 - rate"
assert abs(dropped.mean() - 1.0) < 0.03, "inverted dropout keeps the mean of the activations"
assert np.array_equal(dropout(activations, 0.25, training=False), activations), "at inference dropout changes nothing"
try:
    dropout(activations, 1.0, training=True)
except ValueError:
    pass
else:
    raise AssertionError("dropout must raise ValueError for rate 1.0")
### BEGIN HIDDEN TESTS
_x = np.random.default_rng(1).normal(size=(3, 5, 2))
_keep = np.random.default_rng(7).random(_x.shape) >= 0.4
assert np.allclose(dropout(_x, 0.4, True, seed=7), _x * _keep / 0.6)
### END HIDDEN TESTS

# %% [markdown]
# What dropout does to a digit, seen as the 784 outputs of a layer: in training, about
# half of the pixels vanish (rate 0.5) and the others are twice as bright; at inference,
# the image is untouched. Each training step draws a new mask.

# %%
from cnn_data import load_splits  # the loader beside this notebook: reads data/, no download

splits = load_splits("mnist")
digit = splits.x_train[7].astype(np.float64) / 255.0

fig, axes = plt.subplots(1, 4, figsize=(12, 3))
panels = [(digit, "input"),
          (dropout(digit, 0.5, training=True, seed=1), "training, seed 1"),
          (dropout(digit, 0.5, training=True, seed=2), "training, seed 2"),
          (dropout(digit, 0.5, training=False), "inference")]
for ax, (image, title) in zip(axes, panels):
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=2)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## 2. Flatten (플래튼, 평탄화)
#
# The convolutions and the pooling (풀링) of a CNN produce feature maps of shape
# `(N, height, width, channels)`, one value per position and channel (채널); the dense
# layers at the end want one vector per image.
# `Flatten` lays every image's values out in one row, in **row-major** (C) order: the
# channels of the top-left pixel first, then the next pixel of the top row, and so on.
# In the CNN of assignment 6, 12×12×64 feature maps become vectors of 9,216 numbers.
#
# ### Exercise 2 — `flatten`
#
# Write `flatten(x)` that turns an array of shape `(N, d1, d2, ...)` into `(N, d1·d2·…)`,
# in the same order as `keras.layers.Flatten`. Only the first axis (the batch) is kept;
# it works for any number of other axes.

# %% nbgrader="solution" grade_id="flatten"
def flatten(x):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...), row-major like keras.layers.Flatten."""
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return x.reshape(x.shape[0], -1)
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_flatten" points=5
maps = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
assert flatten(maps).shape == (2, 60), "flatten of (2, 3, 4, 5) has shape (2, 60)"
assert np.array_equal(flatten(maps)[0, :5], maps[0, 0, 0]), "the first values are the channels of the top-left pixel"
assert flatten(np.zeros((7, 12, 12, 64))).shape == (7, 9216), "12x12x64 feature maps give 9,216 values per image"
### BEGIN HIDDEN TESTS
import keras

assert np.array_equal(flatten(maps), keras.layers.Flatten()(maps.astype("float32")).numpy())
### END HIDDEN TESTS

# %% [markdown]
# The same digit, flattened: the 28 rows of the image, one after the other, in a strip
# of 784 values (shown in four pieces of 196).

# %%
strip = flatten(digit.reshape(1, 28, 28))[0]
fig, ax = plt.subplots(figsize=(12, 1.5))
ax.imshow(strip.reshape(4, 196), cmap="gray_r", aspect="auto")
ax.set_title("flatten: (28, 28) -> 784 values, row after row (in 4 pieces of 196 = 7 rows)")
ax.set_yticks([])
plt.show()

# %% [markdown]
# ## 3. The parameters of a CNN
#
# The CNN of assignment 6, on 28×28×1 images:
#
# | layer | output shape |
# | --- | --- |
# | `Conv2D(32, (3, 3), activation="relu")` | 26×26×32 |
# | `Conv2D(64, (3, 3), activation="relu")` | 24×24×64 |
# | `MaxPooling2D(pool_size=2)` | 12×12×64 |
# | `Dropout(0.25)` | 12×12×64 |
# | `Flatten()` | 9,216 |
# | `Dense(128, activation="relu")` | 128 |
# | `Dropout(0.5)` | 128 |
# | `Dense(10, activation="softmax")` | 10 |
#
# A `Conv2D` layer has `(kh·kw·C_in + 1)·filters` parameters (assignment 3); a `Dense`
# layer with `n` inputs and `units` outputs has `(n + 1)·units`. The dense layer's `n` is
# what Flatten gives: height × width × channels of the last feature maps, and those sizes
# follow from the layers before it — a `"valid"` k×k convolution turns a side of `s` pixels
# into `s - k + 1`, and a max pooling of size `p` (stride (스트라이드) `p`) into `s // p`.
#
# ### Exercise 3 — `cnn_params`
#
# Write `cnn_params(image_size=28, channels=1, filters=(32, 64), kernel_size=3, pool_size=2,
# dense_units=128, num_classes=10)`: the number of parameters, as an int, of the network in
# the table built for square `image_size`×`image_size` images with `channels` channels, two
# `kernel_size`×`kernel_size` convolutions with `filters[0]` and `filters[1]` filters (필터), max
# pooling of size `pool_size`, a hidden dense layer of `dense_units` units and `num_classes`
# outputs. With the defaults it is the network above. Compute it from the layers, one term per
# layer, so that your code shows where the parameters are; the grader checks it on other sizes
# too.

# %% nbgrader="solution" grade_id="cnn_params"
def cnn_params(image_size=28, channels=1, filters=(32, 64), kernel_size=3, pool_size=2, dense_units=128,
               num_classes=10):
    """Total number of parameters of the two-convolution CNN of the table, layer by layer."""
    ### BEGIN SOLUTION
    side = image_size - kernel_size + 1   # first 'valid' convolution: 28 -> 26
    side = side - kernel_size + 1         # second: 26 -> 24
    side = side // pool_size              # max pooling: 24 -> 12
    conv1 = (kernel_size * kernel_size * channels + 1) * filters[0]
    conv2 = (kernel_size * kernel_size * filters[0] + 1) * filters[1]
    dense1 = (side * side * filters[1] + 1) * dense_units   # Flatten gives side * side * filters[1] values
    dense2 = (dense_units + 1) * num_classes
    return int(conv1 + conv2 + dense1 + dense2)  # pooling, dropout and flatten add nothing
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_cnn_params" points=5
assert isinstance(cnn_params(), int), "cnn_params must return an int"
assert cnn_params(image_size=10, channels=1, filters=(2, 4), kernel_size=3, pool_size=2, dense_units=8,
                  num_classes=3) == 419, \
    "10x10 images, filters (2, 4): 20 + 76 + (3*3*4 + 1)*8 + (8 + 1)*3 = 419 parameters"
### BEGIN HIDDEN TESTS
assert cnn_params() == 1_199_882
### END HIDDEN TESTS

# %% [markdown]
# Check yourself against Keras: build the network and compare its summary with your
# count, layer by layer.

# %%
import keras
from keras import layers

cnn = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, (3, 3), activation="relu"),
    layers.Conv2D(64, (3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=2),
    layers.Dropout(0.25),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
cnn.summary()
print("your count:", cnn_params(), "  Keras:", cnn.count_params())

# %% [markdown]
# ## Question — layers without parameters
#
# The summary shows 0 parameters for `MaxPooling2D`, `Dropout` and `Flatten`. In a few
# sentences, explain for each of the three why it has nothing to learn. Then say which
# layer holds most of the network's parameters, and why Flatten sits just before it.

# %% [markdown] nbgrader="manual" grade_id="why_no_parameters" points=10
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy; the rubric is in
# rubric.md):*
#
# `MaxPooling2D` takes the largest value of each window: a fixed rule with no weights — the
# window size and stride are chosen by us, not learned. `Dropout` multiplies its inputs by a
# random mask of zeros and 1 / (1 − rate) during training and does nothing at inference; the
# rate is a setting, the mask is drawn, nothing is adjusted by the gradient. `Flatten` only
# reorders the numbers into one vector (a reshape): no arithmetic at all. The first `Dense`
# layer holds most of the parameters: (9,216 + 1)·128 = 1,179,776 of the 1,199,882, because it
# connects every value of the 12×12×64 feature maps to each of its 128 units. Flatten sits just
# before it because a dense layer takes one vector per image, while the convolutions and the
# pooling produce height × width × channels feature maps.
