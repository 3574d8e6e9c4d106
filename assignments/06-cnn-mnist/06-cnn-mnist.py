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
# # Assignment 6 — A convolutional neural network for MNIST
#
# In assignment 2 a dense network (DNN) reached about 97.9 % on MNIST's test digits. It saw each
# image as 784 unrelated numbers. A convolutional neural network (합성곱 신경망, CNN) keeps the
# image's 2-D layout: its kernels slide over the image and find the same stroke wherever it is.
# Putting together the pieces of assignments 3–5 (convolution, max pooling, dropout, flatten),
# the lecture's CNN reaches about **99.0 %**.
#
# Setup → Prepare the data → Build the model → Train → Evaluate.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import matplotlib.pyplot as plt
import numpy as np
import keras
from keras import layers

from cnn_data import load_splits

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)   # height, width, channels: a CNN wants the channel axis
BATCH_SIZE = 128
EPOCHS = 1                  # 1 keeps this notebook quick; raise it to 12 at home
TRAIN_SUBSET = 2000         # train on 2,000 random digits here; use all of them at home

keras.utils.set_random_seed(42)

# %% [markdown]
# ## Prepare the data
#
# The kit's loader gives uint8 images of shape (n, 28, 28). As in assignment 1 we scale the pixels
# to [0, 1] and one-hot encode the labels. Unlike the DNN, we do **not** flatten the images to 784
# numbers: we add a channel axis, (n, 28, 28) → (n, 28, 28, 1), because `Conv2D` expects
# height × width × channels.

# %%
splits = load_splits("mnist")
print(splits.source)
x_train = (splits.x_train.astype("float32") / 255.0)[..., np.newaxis]
x_test = (splits.x_public.astype("float32") / 255.0)[..., np.newaxis]
y_train = keras.utils.to_categorical(splits.y_train, NUM_CLASSES)
y_test = keras.utils.to_categorical(splits.y_public, NUM_CLASSES)
print("train:", x_train.shape, y_train.shape, " test:", x_test.shape, y_test.shape)

# %%
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6))
for ax, image, label in zip(axes, x_train, splits.y_train):
    ax.imshow(image[..., 0], cmap="gray_r")
    ax.set_title(int(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Build the model
#
# The lecture's CNN, layer by layer:
#
# | layer | output shape | parameters |
# | --- | --- | --- |
# | Conv2D, 32 filters 3×3, ReLU | 26×26×32 | 3·3·1·32 + 32 = 320 |
# | Conv2D, 64 filters 3×3, ReLU | 24×24×64 | 3·3·32·64 + 64 = 18,496 |
# | MaxPooling2D 2×2 | 12×12×64 | 0 |
# | Dropout 0.25 | 12×12×64 | 0 |
# | Flatten | 9216 | 0 |
# | Dense 128, ReLU | 128 | 9216·128 + 128 = 1,179,776 |
# | Dropout 0.5 | 128 | 0 |
# | Dense 10, softmax | 10 | 128·10 + 10 = 1,290 |
#
# In total **1,199,882** parameters; almost all of them sit in the first dense layer.
#
# **Exercise 1.** Write `build_cnn()` returning this model (input shape 28×28×1, valid padding),
# compiled with `loss="categorical_crossentropy"`, `optimizer="adam"` and `metrics=["accuracy"]`
# (Keras 3 takes keyword arguments in `compile`).

# %% nbgrader="solution" grade_id="build_cnn"
def build_cnn():
    ### BEGIN SOLUTION
    model = keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Dropout(0.25),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="cnn",
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %%
cnn = build_cnn()
cnn.summary()

# %% nbgrader="tests" grade_id="test_build_cnn" points=5
assert cnn.count_params() == 1_199_882, "the lecture's CNN has 1,199,882 parameters"
assert cnn.output_shape == (None, 10), "the CNN must end with 10 class probabilities"
assert cnn.optimizer is not None, "compile the model in build_cnn"
### BEGIN HIDDEN TESTS
kinds = [type(layer).__name__ for layer in cnn.layers]
assert kinds == ["Conv2D", "Conv2D", "MaxPooling2D", "Dropout", "Flatten", "Dense", "Dropout", "Dense"], "layer order"
assert cnn.layers[-1].get_config()["activation"] == "softmax", "softmax output"
### END HIDDEN TESTS

# %% [markdown]
# For the comparison we need the DNN of assignment 2 again: it takes the same 28×28×1 images and
# flattens them itself.
#
# **Exercise 2.** Write `build_dnn()`: input 28×28×1, `Flatten`, `Dense(512, relu)`,
# `Dense(10, softmax)`, compiled like the CNN. (407,050 parameters.)

# %% nbgrader="solution" grade_id="build_dnn"
def build_dnn():
    ### BEGIN SOLUTION
    model = keras.Sequential(
        [
            keras.Input(shape=INPUT_SHAPE),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="dnn",
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model
    ### END SOLUTION


# %%
dnn = build_dnn()
dnn.summary()

# %% nbgrader="tests" grade_id="test_build_dnn" points=3
assert dnn.count_params() == 407_050, "the lecture's DNN has 407,050 parameters"
### BEGIN HIDDEN TESTS
assert dnn.layers[-1].get_config()["activation"] == "softmax", "softmax output"
assert dnn.optimizer is not None, "compile the model in build_dnn"
### END HIDDEN TESTS

# %% [markdown]
# ## Train
#
# Both models get the same data, batch size and epochs. Here we train on a subset for one epoch
# so that the notebook runs in seconds on a laptop CPU; at home, set `EPOCHS = 12` and
# `TRAIN_SUBSET = None` (the lecture's CNN then reaches about 99.0 % on the full MNIST test set).

# %%
# the split is ordered by class: take a random subset, not the first rows
subset = np.random.default_rng(0).permutation(len(x_train))[:TRAIN_SUBSET]
cnn_history = cnn.fit(x_train[subset], y_train[subset], batch_size=BATCH_SIZE, epochs=EPOCHS,
                      validation_split=0.1, verbose=2)
dnn_history = dnn.fit(x_train[subset], y_train[subset], batch_size=BATCH_SIZE, epochs=EPOCHS,
                      validation_split=0.1, verbose=2)

# %% [markdown]
# ## Evaluate

# %%
cnn_loss, cnn_accuracy = cnn.evaluate(x_test, y_test, verbose=0)
dnn_loss, dnn_accuracy = dnn.evaluate(x_test, y_test, verbose=0)
print(f"CNN test accuracy: {cnn_accuracy:.4f}   DNN test accuracy: {dnn_accuracy:.4f}")

# %% [markdown]
# Which digits does the CNN still get wrong? Often they are ones a person would hesitate on too.

# %%
predicted = cnn.predict(x_test, verbose=0).argmax(axis=1)
wrong = np.flatnonzero(predicted != splits.y_public)[:8]
fig, axes = plt.subplots(1, max(len(wrong), 1), figsize=(10, 1.6), squeeze=False)
for ax, index in zip(axes[0], wrong):
    ax.imshow(x_test[index, ..., 0], cmap="gray_r")
    ax.set_title(f"{splits.y_public[index]}→{predicted[index]}")
for ax in axes[0]:
    ax.axis("off")
plt.show()

# %% [markdown]
# **Exercise 3.** Write `accuracy(probabilities, labels)`: the fraction of rows whose most probable
# class (the arg-max) equals the integer label. (The judge scores your trained CNN the same way,
# on digits you never see.)

# %% nbgrader="solution" grade_id="accuracy"
def accuracy(probabilities, labels):
    ### BEGIN SOLUTION
    probabilities = np.asarray(probabilities)
    labels = np.asarray(labels)
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError("probabilities must be (n, classes) with one label per row")
    return float(np.mean(probabilities.argmax(axis=1) == labels))
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_accuracy" points=4
assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1])) == 0.5, "one of two rows is right"
### BEGIN HIDDEN TESTS
assert abs(accuracy(cnn.predict(x_test, verbose=0), splits.y_public) - cnn_accuracy) < 1e-6, "same as evaluate()"
### END HIDDEN TESTS

# %% [markdown]
# ## Why does the CNN win?
#
# The two networks saw the same images for the same time. Think about what the convolution
# layers share and keep that the dense layer throws away.

# %% [markdown] nbgrader="manual" grade_id="why_cnn" points=8
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy):*
#
# The DNN flattens the image first, so it does not know which pixels are neighbours and must learn
# a stroke separately at every position; shifting a digit by a pixel gives it a different input.
# The CNN's 3×3 kernels look at local neighbourhoods (local connectivity) and the same kernel is
# used at every position (weight sharing), so a feature learned once is found anywhere
# (translation equivariance); max pooling adds a little tolerance to small shifts; dropout
# (0.25, 0.5) reduces overfitting. So it learns more useful features from the same data, with far
# fewer weights per feature, and generalises better (99.0 % vs 97.9 %).
