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
# # Assignment 1 — Preprocessing MNIST
#
# Before a neural network can learn from images, the images have to be turned into
# numbers of the right shape and scale. This assignment walks through the
# preprocessing (전처리) of the MNIST handwritten digits, the "hello world" of deep
# learning. MNIST ("Modified NIST") was made from the handwritten digits collected by the US
# National Institute of Standards and Technology (NIST): 70,000 images of 28×28 pixels, 60,000
# for training and 10,000 for testing.
#
# 1. **Look at the data**: one image with matplotlib, then the same image as a 28×28
#    grid of pixel values.
# 2. **Normalisation (정규화)**: pixel values 0–255 → floats in [0, 1].
# 3. **Flattening (플래튼, 평탄화)**: each 28×28 image → a vector of 784 numbers, the input of a
#    dense layer (완전연결층).
# 4. **One-hot encoding (원-핫 인코딩)**: the label 3 → `[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]`.
#
# Each exercise is stated before the cell where you answer it. Replace
# `raise NotImplementedError()` with your code; the test cell after it lets you
# check yourself. More checks run when your notebook is graded.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import numpy as np
import matplotlib.pyplot as plt

from cnn_data import load_splits

# %% [markdown]
# ## Load the data
#
# `load_splits("mnist")` reads MNIST from local files (nothing is downloaded) and
# splits it into a training set (훈련 세트) and held-out test sets (테스트 세트). Images are
# `uint8` arrays of shape `(n, 28, 28)`; labels are integers 0–9.

# %%
splits = load_splits("mnist")
x_train, y_train = splits.x_train, splits.y_train
print("source:", splits.source)
print("x_train:", x_train.shape, x_train.dtype)
print("y_train:", y_train.shape, y_train.dtype)

# %% [markdown]
# ## Look at one image
#
# `plt.imshow` draws a 2-D array as an image; the colour map `gray_r` shows 0 as white
# and 255 as black, like ink on paper.

# %%
index = 4321 % len(x_train)
plt.figure(figsize=(3, 3))
plt.imshow(x_train[index], cmap="gray_r")
plt.title(f"label: {y_train[index]}")
plt.axis("off")
plt.show()

# %% [markdown]
# The computer sees the same image as a 28×28 grid of pixel (픽셀) values, one byte each:

# %%
for row in x_train[index]:
    print(" ".join(f"{value:3d}" for value in row))

# %% [markdown]
# ## Exercise 1 — normalisation (정규화)
#
# Neural networks learn best when their inputs are small numbers of similar scale.
# Write `normalize(images)` that returns the pixel values divided by 255, as
# `float64` values in [0, 1]. It must not change the array it is given, and it works
# for any shape.

# %% nbgrader="solution" grade_id="normalize"
def normalize(images):
    """Pixel values 0..255 -> float64 values in [0, 1]."""
    ### BEGIN SOLUTION
    return np.asarray(images, dtype=np.float64) / 255.0
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_normalize" points=5
sample = np.array([[0, 51, 255]], dtype=np.uint8)
assert normalize(sample).dtype == np.float64, "normalize must return float64"
assert np.allclose(normalize(sample), [[0.0, 0.2, 1.0]]), "normalize must divide by 255"
### BEGIN HIDDEN TESTS
assert normalize(x_train[:3]).shape == (3, 28, 28)
assert normalize(x_train).max() <= 1.0 and normalize(x_train).min() >= 0.0
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 2 — flattening (플래튼, 평탄화)
#
# A dense layer (완전연결층) takes a vector, not a grid. Write `flatten(images)` that turns
# images of shape `(n, height, width)` into `(n, height * width)` — for MNIST,
# `(n, 784)` — reading each image row by row (the first 28 values are the top row).
# Anything that is not a 3-D array of images must raise `ValueError`.

# %% nbgrader="solution" grade_id="flatten"
def flatten(images):
    """(n, height, width) -> (n, height * width), row by row."""
    ### BEGIN SOLUTION
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"flatten expects images of shape (n, height, width), got shape {images.shape}")
    return images.reshape(images.shape[0], -1)
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_flatten" points=5
assert flatten(x_train[:2]).shape == (2, 784), "flatten must return (n, 784) for MNIST images"
assert np.array_equal(flatten(x_train[:1])[0, :28], x_train[0, 0]), "the first 28 values must be the top row"
try:
    flatten(x_train[0])
except ValueError:
    pass
else:
    raise AssertionError("flatten must raise ValueError for a single 28x28 image (2-D)")
### BEGIN HIDDEN TESTS
assert flatten(np.zeros((5, 4, 3))).shape == (5, 12)
### END HIDDEN TESTS

# %% [markdown]
# ## Exercise 3 — one-hot encoding (원-핫 인코딩)
#
# The network's last layer has one output per class (클래스), so each label becomes a vector
# with a 1 at the label's position: with 10 classes, 3 → `[0, 0, 0, 1, 0, 0, 0, 0, 0, 0]`.
# Write `one_hot(labels, num_classes=10)` that returns a float array of shape
# `(n, num_classes)`, equal to `keras.utils.to_categorical(labels, num_classes)`.
# It must raise `ValueError` when `labels` is not 1-D, or when a label is negative or
# not smaller than `num_classes`.

# %% nbgrader="solution" grade_id="one_hot"
def one_hot(labels, num_classes=10):
    """Integer labels (n,) -> float (n, num_classes) with one 1 per row."""
    ### BEGIN SOLUTION
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"one_hot expects a 1-D array of labels, got shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must be in 0..{num_classes - 1}")
    encoded = np.zeros((labels.shape[0], num_classes), dtype=np.float64)
    encoded[np.arange(labels.shape[0]), labels.astype(np.int64)] = 1.0
    return encoded
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_one_hot" points=10
encoded = one_hot(np.array([3, 0]))
assert encoded.shape == (2, 10), "one_hot must return (n, num_classes)"
assert np.issubdtype(encoded.dtype, np.floating), "one_hot must return floats"
assert encoded[0, 3] == 1 and encoded.sum() == 2, "one_hot(3) has a single 1 at position 3"
try:
    one_hot(np.array([0, 10]), num_classes=10)
except ValueError:
    pass
else:
    raise AssertionError("one_hot must raise ValueError for the label 10 with 10 classes")
### BEGIN HIDDEN TESTS
# Every training label against the identity matrix's rows, which is what
# keras.utils.to_categorical returns; the hidden judge compares with Keras itself, outside the
# notebook, so this cell does not spend 4 s of each student's kernel importing it.
assert np.array_equal(one_hot(y_train, 10), np.eye(10)[y_train]), "one_hot(y_train) must equal to_categorical"
### END HIDDEN TESTS

# %% [markdown]
# ## Put it together
#
# The inputs of the dense network (완전연결 신경망) of the next assignment: normalised, flattened images
# and one-hot labels.

# %%
x_ready = flatten(normalize(x_train))
y_ready = one_hot(y_train)
print("x:", x_ready.shape, x_ready.dtype, "range", x_ready.min(), "to", x_ready.max())
print("y:", y_ready.shape, y_ready.dtype)
print("label", y_train[index], "->", y_ready[index])

# %% [markdown]
# ## Question — why preprocess?
#
# In two or three sentences each: (a) why do we normalise the pixel values to [0, 1]
# instead of feeding 0–255 to the network, and (b) why do we one-hot encode the labels
# instead of using the numbers 0–9 as the target of a single output?

# %% [markdown] nbgrader="manual" grade_id="why_preprocess" points=10
# YOUR ANSWER HERE
