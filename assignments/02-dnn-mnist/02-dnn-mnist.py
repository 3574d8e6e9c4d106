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
# # Assignment 2 — A dense network for MNIST
#
# The first neural network of the course: a deep neural network (DNN, 심층 신경망) made of
# dense layers (완전연결층, "fully connected") that reads a flattened 28×28 digit and
# predicts which of the 10 digits it is. In the lecture this network reaches about
# 97.9 % accuracy (정확도) on MNIST's test set.
#
# You will
#
# 1. count the parameters (파라미터) of a dense layer,
# 2. build and compile the network with Keras,
# 3. train it and evaluate it on digits it has not seen,
# 4. explain why dense networks are not the end of the story for images — the reason
#    the rest of the course is about convolutional networks (합성곱 신경망).

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import numpy as np
import matplotlib.pyplot as plt
import keras
from keras import layers

from cnn_data import load_splits

NUM_CLASSES = 10
EPOCHS = 5          # passes over the training set (에포크)
BATCH_SIZE = 128    # images per gradient step (배치 크기)

# %% [markdown]
# ## Prepare the data
#
# The preprocessing of assignment 1: normalisation (정규화) to [0, 1], flattening
# (평탄화) to 784 values, one-hot encoding (원-핫 인코딩) of the labels. The held-out
# "public" split plays the role of the test set (테스트 세트).

# %%
splits = load_splits("mnist")
print("source:", splits.source)


def prepare(images):
    return images.reshape(len(images), -1).astype("float32") / 255.0


# `validation_split` below holds out the *last* 10 % of the training set: shuffle first,
# so that the held-out part has every digit, not only the last ones.
order = np.random.default_rng(0).permutation(len(splits.x_train))
x_train = prepare(splits.x_train[order])
y_train = keras.utils.to_categorical(splits.y_train[order], NUM_CLASSES)
x_test, y_test = prepare(splits.x_public), keras.utils.to_categorical(splits.y_public, NUM_CLASSES)
print("train:", x_train.shape, y_train.shape)
print("test: ", x_test.shape, y_test.shape)

# %% [markdown]
# ## Exercise 1 — parameters of a dense layer
#
# A dense layer with `units` neurons connects every one of its `inputs` to every neuron
# with a weight (가중치), and gives every neuron one bias (편향). Write
# `count_dense_params(inputs, units)` that returns its number of parameters as an `int`.

# %% nbgrader="solution" grade_id="count_dense_params"
def count_dense_params(inputs, units):
    """Weights plus biases of a Dense(units) layer that reads `inputs` values."""
    ### BEGIN SOLUTION
    return int(inputs * units + units)
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_count_dense_params" points=5
assert count_dense_params(3, 2) == 8, "3 inputs x 2 units = 6 weights, plus 2 biases"
assert isinstance(count_dense_params(784, 512), int), "return an int"
### BEGIN HIDDEN TESTS
assert count_dense_params(784, 512) + count_dense_params(512, 10) == 407_050
### END HIDDEN TESTS

# %% [markdown]
# With your function, the lecture's network (784 → 512 → 10) has this many parameters —
# check it against `model.summary()` below:

# %%
print(count_dense_params(784, 512) + count_dense_params(512, 10))

# %% [markdown]
# ## Exercise 2 — build the network
#
# Write `build_dnn()` that returns the lecture's network as a compiled Keras model:
#
# - input: a vector of 784 values (`keras.Input(shape=(784,))`),
# - a dense layer of 512 units with the ReLU activation (활성화 함수),
# - a dense output layer of 10 units with softmax, one probability per digit,
# - compiled with the categorical cross-entropy loss (범주형 교차 엔트로피 손실), the Adam
#   optimizer (옵티마이저) and the accuracy metric.
#
# It should have 407,050 parameters.

# %% nbgrader="solution" grade_id="build_dnn"
def build_dnn():
    """The lecture's dense network: 784 -> Dense(512, relu) -> Dense(10, softmax), compiled."""
    ### BEGIN SOLUTION
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(512, activation="relu"),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_build_dnn" points=10
model = build_dnn()
assert isinstance(model, keras.Model), "build_dnn must return a Keras model"
assert tuple(model.output_shape) == (None, 10), "the output layer must have 10 units"
assert model.optimizer is not None, "compile the model before returning it"
### BEGIN HIDDEN TESTS
assert model.count_params() == 407_050
assert model.layers[-1].get_config()["activation"] == "softmax"
### END HIDDEN TESTS

# %%
model.summary()

# %% [markdown]
# ## Train
#
# `fit` runs the optimizer over the training set `EPOCHS` times, keeping 10 % of it aside
# as a validation set (검증 세트) to watch for overfitting (과대적합).

# %%
history = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE, validation_split=0.1, verbose=2)

# %%
plt.figure(figsize=(5, 3))
plt.plot(history.history["accuracy"], label="training")
plt.plot(history.history["val_accuracy"], label="validation")
plt.xlabel("epoch")
plt.ylabel("accuracy")
plt.legend()
plt.show()

# %% [markdown]
# ## Evaluate
#
# The test set was never used for training: its accuracy estimates how the network does on
# new digits. When your notebook is graded, the grader trains your `build_dnn()` itself
# and scores it on digits you never see.

# %%
test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
print(f"test accuracy: {test_accuracy:.4f}")

# %% [markdown]
# ## Question — the limits of dense networks for images
#
# The lecture names four problems of dense networks for images. Name each and explain it
# in one or two sentences, using this network as the example (its parameter count, what
# flattening does to a 28×28 image, what happens when a digit moves a few pixels).

# %% [markdown] nbgrader="manual" grade_id="dense_network_problems" points=15
# YOUR ANSWER HERE
