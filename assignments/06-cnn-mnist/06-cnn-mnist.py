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
# In the lecture, a dense network (완전연결 신경망, DNN) reaches **97.86 %** on MNIST's test
# set (테스트 세트) and a convolutional neural network (합성곱 신경망, CNN) **99.01 %**. The
# dense network sees each image as 784 unrelated numbers; the CNN keeps the image's 2-D layout:
# its kernels (커널) slide over the image and find the same stroke wherever it is. In this assignment
# you put together the pieces of assignments 3–5 — convolution (합성곱), max pooling (맥스
# 풀링, 최대 풀링), dropout (드롭아웃), Flatten (플래튼, 평탄화) — into a CNN, train it and
# the dense network on the same small budget, and compare them.
#
# Setup → Prepare the data → How a convolution sees an image → Build the models → Train →
# Evaluate.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import matplotlib.pyplot as plt
from matplotlib.patches import ConnectionPatch, Rectangle
import numpy as np
from scipy import ndimage
import keras
from keras import layers

from cnn_data import load_splits

NUM_CLASSES = 10
INPUT_SHAPE = (28, 28, 1)   # height, width, channels: a CNN wants the channel axis
BATCH_SIZE = 128            # images per gradient step (배치 크기)
EPOCHS = 3                  # passes over the training subset (에포크); at home: 12
TRAIN_SUBSET = 2000         # train on 2,000 random digits here; at home: None (all of them)

keras.utils.set_random_seed(42)

# %% [markdown]
# ## Prepare the data
#
# The kit's loader gives uint8 images of shape (n, 28, 28). As in assignment 1 we scale the pixels
# to [0, 1] and one-hot encode the labels. Unlike the DNN, we do **not** flatten the images to 784
# numbers: we add a channel (채널) axis, (n, 28, 28) → (n, 28, 28, 1), because `Conv2D` expects
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
# ## How a convolution sees an image
#
# A unit of a dense layer (완전연결층) has one weight (가중치) for each of the 784 pixels. A
# convolutional layer is built on two different ideas:
#
# - **Local connectivity (국소 연결).** Each value of a feature map (특징 맵) is computed
#   from a small patch of the image only — 3×3 pixels for a 3×3 kernel (커널). Strokes,
#   edges and corners are local, so a small patch is enough to find them.
# - **Weight sharing (가중치 공유).** Every value of one feature map is computed with the
#   *same* kernel: the same 9 weights, slid over every position. A stroke detector learned at
#   one place works everywhere, and the layer needs 9 weights per filter (필터) and input
#   channel instead of 784 per unit.
#
# Below, the kernel finds vertical strokes ("ink on the left, paper on the right"). Each
# coloured square on the left is one 3×3 patch; the line goes to the one value of the feature
# map it produces, computed with the same nine weights. On the right, the digit is shifted
# (이동) 4 pixels to the right: the feature map shows the same responses, 4 pixels further
# right. The dense network would have to learn the shifted digit separately.

# %%
digit = x_train[0, ..., 0]
kernel = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])
moved = ndimage.shift(digit, (0, 4), order=0)
fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
panels = [(digit, "image", "gray_r"), (ndimage.correlate(digit, kernel, mode="constant"), "feature map", "bwr"),
          (moved, "shifted 4 pixels", "gray_r"), (ndimage.correlate(moved, kernel, mode="constant"), "its feature map", "bwr")]
for ax, (image, title, colours) in zip(axes, panels):
    ax.imshow(image, cmap=colours, vmin=-3 if colours == "bwr" else 0, vmax=3 if colours == "bwr" else 1)
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
for (row, col), colour in zip([(8, 9), (14, 16), (20, 11)], ["tab:red", "tab:green", "tab:purple"]):
    for image_ax, map_ax, shift in [(axes[0], axes[1], 0), (axes[2], axes[3], 4)]:
        image_ax.add_patch(Rectangle((col + shift - 1.5, row - 1.5), 3, 3, fill=False, edgecolor=colour, linewidth=2))
        map_ax.plot(col + shift, row, "s", markersize=5, markerfacecolor="none", markeredgecolor=colour)
        fig.add_artist(ConnectionPatch((col + shift, row), (col + shift, row), coordsA="data", coordsB="data",
                                       axesA=image_ax, axesB=map_ax, color=colour, linewidth=1))
plt.tight_layout()
plt.show()
print(f"a dense unit: 784 weights; this kernel: {kernel.size} weights, used at all 28 × 28 positions")

# %% [markdown]
# ## Build the model
#
# Our CNN, layer by layer — the network of Keras' classic example `mnist_cnn.py`. Its
# convolutions use no padding (패딩) (`"valid"`), so each one takes 2 pixels off each side
# length:
#
# | layer | output shape | parameters (변수, 파라미터) |
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
# In total **1,199,882** parameters; almost all of them sit in the first dense layer, and the
# convolutions, which do the seeing, have fewer than 19,000.
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
assert cnn.count_params() == 1_199_882, "the CNN of the table has 1,199,882 parameters"
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
assert dnn.count_params() == 407_050, "the DNN of assignment 2 has 407,050 parameters"
### BEGIN HIDDEN TESTS
assert dnn.layers[-1].get_config()["activation"] == "softmax", "softmax output"
assert dnn.optimizer is not None, "compile the model in build_dnn"
### END HIDDEN TESTS

# %% [markdown]
# ## Train
#
# Both models get the same budget: the same 2,000 training digits, batch size (배치 크기) and
# number of epochs (에포크), with 10 % of the digits held out as a validation set (검증 세트). That keeps this
# notebook quick on a laptop's CPU; at home, set `EPOCHS = 12` and `TRAIN_SUBSET = None`.

# %%
# the split is ordered by class: take a random subset, not the first rows
subset = np.random.default_rng(0).permutation(len(x_train))[:TRAIN_SUBSET]


def train(model):
    """Fit on the subset, hold out 10 % for validation; the per-epoch history."""
    return model.fit(x_train[subset], y_train[subset], batch_size=BATCH_SIZE, epochs=EPOCHS,
                     validation_split=0.1, verbose=0).history


histories = {"CNN": train(cnn), "DNN": train(dnn)}
for name, history in histories.items():
    print(name, "validation accuracy per epoch:", " ".join(f"{a:.3f}" for a in history["val_accuracy"]))

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
epochs = np.arange(1, EPOCHS + 1)
for name, colour in [("CNN", "tab:blue"), ("DNN", "tab:orange")]:
    ax.plot(epochs, histories[name]["accuracy"], "--", color=colour, label=f"{name}, training")
    ax.plot(epochs, histories[name]["val_accuracy"], "-o", color=colour, label=f"{name}, validation")
ax.set_xlabel("epoch")
ax.set_ylabel("accuracy")
ax.set_xticks(epochs)
ax.legend()
ax.set_title("the same data, the same budget")
plt.show()

# %% [markdown]
# ## Evaluate
#
# The test digits were used for nothing so far. The lecture's numbers are accuracies on MNIST's
# test set; ours come from networks trained on 2,000 digits for a few epochs, so they are lower,
# but the CNN comes out ahead here too.

# %%
cnn_loss, cnn_accuracy = cnn.evaluate(x_test, y_test, verbose=0)
dnn_loss, dnn_accuracy = dnn.evaluate(x_test, y_test, verbose=0)
print(f"{'':>22} {'DNN':>8} {'CNN':>8}")
print(f"{'the lecture':>22} {0.9786:>8.2%} {0.9901:>8.2%}")
print(f"{'this notebook':>22} {dnn_accuracy:>8.2%} {cnn_accuracy:>8.2%}")

# %% [markdown]
# Which digits does the dense network get wrong that the CNN gets right? Under each digit: the
# true label, then what each network says.

# %%
true = splits.y_public
cnn_says = cnn.predict(x_test, verbose=0).argmax(axis=1)
dnn_says = dnn.predict(x_test, verbose=0).argmax(axis=1)
only_cnn_right = np.flatnonzero((cnn_says == true) & (dnn_says != true))[:8]
print(f"{len(np.flatnonzero((cnn_says == true) & (dnn_says != true)))} test digits only the CNN gets right, "
      f"{len(np.flatnonzero((cnn_says != true) & (dnn_says == true)))} only the DNN")
fig, axes = plt.subplots(1, max(len(only_cnn_right), 1), figsize=(10, 1.9), squeeze=False)
for ax, index in zip(axes[0], only_cnn_right):
    ax.imshow(x_test[index, ..., 0], cmap="gray_r")
    ax.set_title(f"{true[index]}: DNN {dnn_says[index]}\nCNN {cnn_says[index]}", fontsize=9)
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
# layers share and keep that the dense layer throws away, and about the digits above.

# %% [markdown] nbgrader="manual" grade_id="why_cnn" points=8
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy):*
#
# The DNN flattens the image first, so it does not know which pixels are neighbours and must learn
# a stroke separately at every position; shifting a digit by a pixel gives it a different input.
# The CNN's 3×3 kernels look at local neighbourhoods (local connectivity) and the same kernel is
# used at every position (weight sharing), so a feature learned once is found anywhere
# (translation equivariance); max pooling adds a little tolerance to small shifts; dropout
# (0.25, 0.5) reduces overfitting. So it learns more useful features from the same data, with far
# fewer weights per feature, and generalises better (in the lecture 99.01 % against 97.86 %).
