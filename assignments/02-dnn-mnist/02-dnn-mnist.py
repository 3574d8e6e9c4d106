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
# dense layers (완전연결층, "fully connected") — a dense network (완전연결 신경망) — that
# reads a flattened 28×28 digit and predicts which of the 10 digits it is. In the lecture, a
# dense network reaches 97.86 % accuracy (정확도) on MNIST's test set (테스트 세트), and a
# convolutional neural network (합성곱 신경망) 99.01 % (assignment 6).
#
# You will
#
# 1. count the parameters (변수, 파라미터) of a dense layer,
# 2. build and compile the network with Keras,
# 3. train it and evaluate it on digits it has not seen,
# 4. test it on digits that are shifted, rotated, smaller or slanted, and
# 5. explain why dense networks are not the end of the story for images — the reason the rest
#    of the course is about convolutional networks.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import numpy as np
import matplotlib.pyplot as plt
from scipy import ndimage
import keras
from keras import layers

from cnn_data import load_splits

NUM_CLASSES = 10
EPOCHS = 5          # passes over the training set (에포크)
BATCH_SIZE = 128    # images per gradient step (배치 크기)

# %% [markdown]
# ## Prepare the data
#
# The preprocessing (전처리) of assignment 1: normalisation (정규화) to [0, 1], flattening
# (플래튼, 평탄화) to 784 values, one-hot encoding (원-핫 인코딩) of the labels. The
# training set (훈련 세트) is what the network learns from; the held-out "public" split plays
# the role of the test set.

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
# with a weight (가중치), and gives every neuron one bias (편향). Weights and biases are the
# layer's parameters: what training changes. Write `count_dense_params(inputs, units)` that
# returns their number as an `int`.

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
# With your function, this assignment's network (784 → 512 → 10) has this many parameters —
# check it against `model.summary()` below:

# %%
print(count_dense_params(784, 512) + count_dense_params(512, 10))

# %% [markdown]
# ## Exercise 2 — build the network
#
# Write `build_dnn()` that returns this network as a compiled Keras model:
#
# - input: a vector of 784 values (`keras.Input(shape=(784,))`),
# - a dense layer of 512 units with the ReLU activation function (활성화 함수),
# - a dense output layer of 10 units with softmax, one probability per digit,
# - compiled with the categorical cross-entropy (범주형 교차 엔트로피) loss, the Adam
#   optimizer (옵티마이저) and the accuracy metric.
#
# It should have 407,050 parameters.

# %% nbgrader="solution" grade_id="build_dnn"
def build_dnn():
    """This assignment's dense network: 784 -> Dense(512, relu) -> Dense(10, softmax), compiled."""
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
# ## Three steps of the deep-learning procedure
#
# The lecture gives a general procedure for training a deep network. Three of its steps happen
# inside Keras, so you would not see them unless you look:
#
# **Weight initialisation (가중치 초기화).** Training has to start from some weights. All
# zeros would not work: every unit of a layer would compute the same thing and receive the same
# update, forever. Keras starts a `Dense` layer's weights at random, with Glorot's uniform
# initialisation — uniform in ±√(6 / (inputs + units)) — and its biases at 0:

# %%
kernel, bias = model.layers[0].get_weights()
limit = np.sqrt(6 / (784 + 512))
print(f"first layer: weights in [{kernel.min():.4f}, {kernel.max():.4f}] (limit ±{limit:.4f}), "
      f"biases all zero: {not bias.any()}")

# %% [markdown]
# **Gradient check (그래디언트 체크).** Backpropagation computes the gradient of the loss
# with a formula; a gradient check compares it with the slope measured directly,
# (loss(w + ε) − loss(w − ε)) / 2ε, one weight at a time. If they disagree, the formula (or its
# code) is wrong. Keras' gradients are well tested, so here we check a formula of our own: for a
# softmax layer with cross-entropy, the gradient of the mean loss with respect to the weights
# is `x.T @ (p - y) / n`, where `p` are the predicted probabilities.

# %%
check_rng = np.random.default_rng(0)
xs, ws = check_rng.normal(size=(5, 4)), check_rng.normal(size=(4, 3))
ys = np.eye(3)[[0, 2, 1, 1, 0]]


def softmax_loss(weights):
    logits = xs @ weights
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return -np.mean(np.sum(ys * np.log(p), axis=1)), p


_, probabilities = softmax_loss(ws)
formula = xs.T @ (probabilities - ys) / len(xs)
measured = np.zeros_like(ws)
epsilon = 1e-5
for index in np.ndindex(ws.shape):
    step = np.zeros_like(ws)
    step[index] = epsilon
    measured[index] = (softmax_loss(ws + step)[0] - softmax_loss(ws - step)[0]) / (2 * epsilon)
print("largest relative difference:", np.max(np.abs(formula - measured) / (np.abs(formula) + np.abs(measured))))

# %% [markdown]
# **Learning-rate decay (학습률 감쇠).** The learning rate (학습률) is the size of each step
# down the gradient. Large steps make fast progress at the start but jump around the minimum
# later; smaller and smaller steps settle into it. Keras' Adam uses 0.001 unless told
# otherwise; a schedule such as `ExponentialDecay` lowers it as training goes on, and
# `keras.optimizers.Adam(learning_rate=schedule)` would use it.

# %%
schedule = keras.optimizers.schedules.ExponentialDecay(initial_learning_rate=0.001, decay_steps=1000,
                                                       decay_rate=0.5)
for step in (0, 1000, 2000, 3000):
    print(f"step {step:>4}: learning rate {float(schedule(step)):.6f}")

# %% [markdown]
# ## Train
#
# `fit` runs the optimizer over the training set `EPOCHS` times, keeping 10 % of it aside
# as a validation set (검증 세트) to watch for overfitting (과적합): a network that
# memorises its training images gets better on them while it stops getting better on the
# validation images.

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
# ## What one unit sees
#
# Every unit of the first dense layer has its own weight for each of the 784 pixels: the left
# picture shows the 784 weights of one unit, as a 28×28 image. The 512 units together have
# 401,408 weights, and each weight belongs to one pixel position only: what the network learns
# about a stroke at one place tells it nothing about the same stroke two pixels further on.
#
# A convolutional layer (assignment 3) works differently.
# **Local connectivity (국소 연결):** each of its units looks at a small patch of the image
# only, 3×3 pixels here. **Weight sharing (가중치 공유):** all units of one feature map (특징 맵) use
# the same 3×3 weights, at every position of the image. The right picture shows the same nine weights at three
# places: 9 weights for the whole image instead of 784 per unit, and a stroke the kernel (커널) has
# learned to find is found wherever it is.

# %%
picture_rng = np.random.default_rng(1)
digit = splits.x_train[order[0]]
shared = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
axes[0].imshow(picture_rng.normal(size=(28, 28)), cmap="bwr", vmin=-2.5, vmax=2.5)
axes[0].set_title("one dense unit: its own weight for every pixel\n(784 weights; 512 units: 401,408)")
axes[1].imshow(digit, cmap="gray_r")
for (row, col), colour in zip([(3, 4), (11, 13), (19, 7)], ["tab:red", "tab:blue", "tab:green"]):
    axes[1].add_patch(plt.Rectangle((col - 0.5, row - 0.5), 3, 3, fill=False, edgecolor=colour, linewidth=2.5))
    for (i, j), value in np.ndenumerate(shared):
        axes[1].text(col + j, row + i, f"{value:+d}", ha="center", va="center", fontsize=6, color=colour)
axes[1].set_title("one convolution kernel: 3×3 patches (local),\nthe same 9 weights everywhere (shared)")
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The same digits, moved, turned, smaller and slanted
#
# A person reads a digit just as well when it is written a little to the right, tilted, smaller
# or slanted. The dense network sees different pixels each time. Here are the test digits
# shifted (이동) 3 pixels right, rotated (회전) by 20°, shrunk to 70 % of their size (크기),
# and slanted by a shear, a simple deformation (변형); the network was trained on centred,
# upright digits only.

# %%
def transform(images, kind):
    """The test digits changed in one way; the background stays 0."""
    centre = np.array([13.5, 13.5])
    out = []
    for image in images.astype("float32"):
        if kind == "shift 3 px":
            image = ndimage.shift(image, (0, 3), order=1)
        elif kind == "rotate 20°":
            image = ndimage.rotate(image, 20, reshape=False, order=1)
        elif kind == "size 70 %":
            image = ndimage.affine_transform(image, np.eye(2) / 0.7, offset=centre - centre / 0.7, order=1)
        elif kind == "shear":
            matrix = np.array([[1.0, 0.0], [0.4, 1.0]])
            image = ndimage.affine_transform(image, matrix, offset=centre - matrix @ centre, order=1)
        out.append(image)
    return np.array(out)


kinds = ["original", "shift 3 px", "rotate 20°", "size 70 %", "shear"]
changed = {kind: transform(splits.x_public, kind) for kind in kinds}
fig, axes = plt.subplots(1, len(kinds), figsize=(10, 2.3))
for ax, kind in zip(axes, kinds):
    images = changed[kind]
    accuracy = model.evaluate(prepare(images), y_test, verbose=0)[1]
    print(f"{kind:>10}: test accuracy {accuracy:.1%}")
    ax.imshow(images[0], cmap="gray_r")
    ax.set_title(f"{kind}\naccuracy {accuracy:.1%}", fontsize=9)
    ax.axis("off")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Does the dense network use the shape at all?
#
# Shuffle the 784 pixels of every image — the same fixed shuffle for all images, training and
# test — so that no digit looks like a digit any more, and train the same network on them with
# the same small budget as the original images. A dense network has no notion of which pixels
# are neighbours, so it learns the shuffled images about as well as the real ones.

# %%
def accuracy_after_training(train_images, test_images, epochs=2, subset=2000):
    keras.utils.set_random_seed(0)
    network = build_dnn()
    network.fit(train_images[:subset], y_train[:subset], epochs=epochs, batch_size=BATCH_SIZE, verbose=0)
    return network.evaluate(test_images, y_test, verbose=0)[1]


shuffle = np.random.default_rng(2).permutation(784)
fig, axes = plt.subplots(1, 2, figsize=(4, 2.2))
axes[0].imshow(x_test[0].reshape(28, 28), cmap="gray_r")
axes[1].imshow(x_test[0][shuffle].reshape(28, 28), cmap="gray_r")
for ax, title in zip(axes, ["a test digit", "its pixels shuffled"]):
    ax.set_title(title, fontsize=9)
    ax.axis("off")
plt.show()
print(f"trained on the images:          {accuracy_after_training(x_train, x_test):.1%}")
print(f"trained on the shuffled pixels: {accuracy_after_training(x_train[:, shuffle], x_test[:, shuffle]):.1%}")

# %% [markdown]
# ## Question 1 — the lecture's four problems of dense networks for images
#
# The lecture names four problems of dense networks for images. Name each — in the lecture's
# words or in English — and explain it in one or two sentences, with this network as the
# example (its parameter count, how that count grows with the size of the image, the
# experiments above).

# %% [markdown] nbgrader="manual" grade_id="dense_network_problems" points=12
# YOUR ANSWER HERE

# %% [markdown]
# ## Question 2 — two more things the experiments show
#
# (a) The network learned the shuffled pixels about as well as the images. What does that say
# about what it uses from an image, and what does flattening throw away? (b) Where in the
# training curves above would overfitting show, and why is a network with 407,050 parameters
# trained on a few thousand images prone to it?

# %% [markdown] nbgrader="manual" grade_id="dense_network_follow_up" points=3
# YOUR ANSWER HERE
