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
# # Assignment 7 — Data augmentation
#
# A network only learns what its training images show. Our training set (훈련 세트) has 300
# hand-drawn circles, rectangles and triangles, all upright, centred and drawn with one pen. The
# "challenge" test set (테스트 세트) has the same three shapes rotated, shifted, smaller and
# drawn with thin or thick pens — and a CNN trained on the upright shapes does poorly on it.
#
# Data augmentation (데이터 부풀리기, 데이터 증강) makes new training images from the ones we
# have by transformations that do not change the label: shift (이동), rotation (회전), zoom
# (확대·축소) and flips (뒤집기). In this assignment you write these transformations yourself,
# with the meanings that Keras' `ImageDataGenerator` documents for its parameters (변수,
# 파라미터), then use
# Keras' own tools — and see where `ImageDataGenerator` itself does something else — and
# finally measure what augmentation buys on the challenge set.
#
# Setup → Prepare the data → Transformations → Random augmentation → Keras' tools → Train → Evaluate.

# %% [markdown]
# ## Setup

# %%
import os
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
import keras
from keras import layers

from cnn_data import load_splits

IMAGE_SIZE = 64
EPOCHS = 3          # passes over the training set (에포크): 3 keeps this notebook quick; 30 at home
BATCH_SIZE = 32
keras.utils.set_random_seed(7)


def show(images, titles=None, rows=1):
    """A row (or grid) of grayscale images."""
    columns = int(np.ceil(len(images) / rows))
    fig, axes = plt.subplots(rows, columns, figsize=(1.5 * columns, 1.6 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for i, (ax, image) in enumerate(zip(axes.ravel(), images)):
        ax.imshow(np.squeeze(image), cmap="gray", vmin=0, vmax=255)
        if titles is not None:
            ax.set_title(titles[i], fontsize=8)
    plt.show()


# %% [markdown]
# ## Prepare the data
#
# `load_splits("shapes")` gives the upright training set and the challenge set (split into a
# public and a private part for the class competition; here we use both). Images are uint8,
# 64×64, black strokes on a white background.

# %%
splits = load_splits("shapes")
class_names = splits.class_names
x_train, y_train = splits.x_train, splits.y_train
x_challenge = np.concatenate([splits.x_public, splits.x_private])
y_challenge = np.concatenate([splits.y_public, splits.y_private])
print(splits.source, "| train:", x_train.shape, " challenge:", x_challenge.shape, " classes:", class_names)

# %%
rng = np.random.default_rng(0)
picks = rng.choice(len(x_train), 8, replace=False)
show(x_train[picks], [class_names[i] for i in y_train[picks]])
picks = rng.choice(len(x_challenge), 8, replace=False)
show(x_challenge[picks], [class_names[i] for i in y_challenge[picks]])

# %% [markdown]
# ## Transformations
#
# `ImageDataGenerator` moves pixels with an *affine transformation (아핀 변환)*: for every
# output pixel it computes where that pixel comes from in the input image and reads the input
# there with linear interpolation (보간) between the four nearest pixels (`scipy.ndimage`,
# `order=1`). Where the source lies outside the image, `fill_mode="nearest"` repeats the nearest
# border pixel (`aaaaaa|abcd|dddddd`) instead of inventing black or white pixels.
#
# All four functions take an image of shape (H, W) or (H, W, C), leave the channels (채널)
# alone, and return a float array of the same shape. Conventions (rows grow downwards, as
# `plt.imshow` shows them; the centre of rotation and zoom is the image centre
# ((H−1)/2, (W−1)/2), row first):
#
# | function | meaning | `ImageDataGenerator().apply_transform(image, ...)` |
# | --- | --- | --- |
# | `shift(image, dx, dy)` | content moves `dx` pixels right and `dy` pixels down | `{"tx": -dx, "ty": -dy}` |
# | `flip(image, horizontal=True)` | mirror left↔right (`horizontal=False`: top↔bottom) | `{"flip_horizontal": True}` / `{"flip_vertical": True}` |
# | `rotate(image, degrees)` | rotate **counter-clockwise** by `degrees` (degrees, not radians) | `{"theta": degrees}` (square images only, see below) |
# | `zoom(image, factor)` | the output pixel at distance d from the centre shows the input pixel at distance `factor`·d: **factor > 1 zooms out** (shapes get smaller), factor < 1 zooms in | `{"zx": factor, "zy": factor}` (square images only) |
#
# (`tx` is the horizontal shift in `apply_transform`, and its sign is the opposite of ours:
# Keras' parameters say where each output pixel is read from. For a square image like ours,
# `apply_transform` gives exactly what your functions give; on an image that is not square it
# turns and zooms about another point — "Where ImageDataGenerator differs" below shows it.)
#
# `scipy.ndimage` (imported above as `ndimage`) has what you need: `ndimage.shift`,
# `ndimage.rotate(..., reshape=False)` and `ndimage.affine_transform`, each with `order=1` and
# `mode="nearest"`. For an (H, W, C) image, give the channel axis a shift of 0, or transform each
# channel on its own.
#
# **Exercise 1.** Write `shift(image, dx, dy)` (dx, dy may be fractions of a pixel).

# %% nbgrader="solution" grade_id="shift"
def shift(image, dx, dy):
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=np.float64)
    offsets = (dy, dx) + (0,) * (image.ndim - 2)
    return ndimage.shift(image, offsets, order=1, mode="nearest")
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_shift" points=5
ramp = np.tile(np.arange(5.0), (3, 1))            # columns 0 1 2 3 4
assert np.allclose(shift(ramp, 2, 0), [[0, 0, 0, 1, 2]] * 3), "dx=2 moves the content 2 pixels right, filling with the edge"
assert np.allclose(shift(ramp, -1, 0), [[1, 2, 3, 4, 4]] * 3), "dx=-1 moves it left"
assert shift(np.zeros((6, 7, 3)), 1, 1).shape == (6, 7, 3), "channels are kept"
### BEGIN HIDDEN TESTS
assert np.allclose(shift(ramp.T, 0, 1), [[0] * 3, [0] * 3, [1] * 3, [2] * 3, [3] * 3]), "dy moves down"
assert np.allclose(shift(ramp, 0.5, 0)[0], [0, 0.5, 1.5, 2.5, 3.5]), "fractional shifts interpolate linearly"
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 2.** Write `flip(image, horizontal=True)`.

# %% nbgrader="solution" grade_id="flip"
def flip(image, horizontal=True):
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=np.float64)
    return image[:, ::-1].copy() if horizontal else image[::-1].copy()
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_flip" points=3
assert np.array_equal(flip(ramp), ramp[:, ::-1]), "a horizontal flip mirrors left and right"
### BEGIN HIDDEN TESTS
assert np.array_equal(flip(ramp.T, horizontal=False), ramp.T[::-1]), "a vertical flip mirrors top and bottom"
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 3.** Write `rotate(image, degrees)`: counter-clockwise about the centre, the output
# the same size as the input. (Check the direction with the test below: a dot right of the centre
# must move up for +90°.)

# %% nbgrader="solution" grade_id="rotate"
def rotate(image, degrees):
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=np.float64)
    return ndimage.rotate(image, degrees, axes=(1, 0), reshape=False, order=1, mode="nearest")
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_rotate" points=5
dot = np.zeros((9, 9))
dot[4, 7] = 1.0                                   # right of the centre (4, 4)
assert np.unravel_index(np.argmax(rotate(dot, 90)), dot.shape) == (1, 4), "+90 degrees moves a dot right of the centre to above it"
assert np.allclose(rotate(dot, 0), dot), "0 degrees changes nothing"
### BEGIN HIDDEN TESTS
assert np.unravel_index(np.argmax(rotate(dot, -90)), dot.shape) == (7, 4), "-90 degrees moves it below"
assert np.allclose(rotate(dot, 360), dot, atol=1e-6), "360 degrees is a full turn (degrees, not radians)"
### END HIDDEN TESTS

# %% [markdown]
# **Exercise 4.** Write `zoom(image, factor)` with `ImageDataGenerator`'s meaning (see the table):
# the input is read at `centre + factor * (output_position − centre)`. With
# `ndimage.affine_transform(channel, matrix, offset=...)`, which reads the input at
# `matrix @ output_position + offset`, that is `matrix = factor · I` and
# `offset = centre − factor · centre`.

# %% nbgrader="solution" grade_id="zoom"
def zoom(image, factor):
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=np.float64)
    centre = (np.array(image.shape[:2]) - 1) / 2.0
    matrix = np.diag([factor, factor])
    offset = centre - factor * centre
    if image.ndim == 2:
        return ndimage.affine_transform(image, matrix, offset=offset, order=1, mode="nearest")
    channels = [ndimage.affine_transform(image[..., c], matrix, offset=offset, order=1, mode="nearest")
                for c in range(image.shape[2])]
    return np.stack(channels, axis=-1)
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_zoom" points=5
wide = np.zeros((21, 21))
wide[10, 14] = 1.0                                # 4 pixels right of the centre (10, 10)
assert np.argmax(zoom(wide, 2.0)[10]) == 12, "factor 2 zooms out: the dot moves to 2 pixels from the centre"
assert np.allclose(zoom(wide, 1.0), wide), "factor 1 changes nothing"
### BEGIN HIDDEN TESTS
assert np.argmax(zoom(wide, 0.5)[10]) == 18, "factor 0.5 zooms in: the dot moves to 8 pixels from the centre"
assert zoom(np.zeros((8, 8, 3)), 1.3).shape == (8, 8, 3), "channels are kept"
### END HIDDEN TESTS

# %%
sample = x_train[0]
show([sample, shift(sample, 10, 5), flip(sample), rotate(sample, 45), zoom(sample, 0.7), zoom(sample, 1.3)],
     ["original", "shift 10, 5", "flip", "rotate 45°", "zoom 0.7 (in)", "zoom 1.3 (out)"])

# %% [markdown]
# ## Random augmentation
#
# `ImageDataGenerator(rotation_range=..., width_shift_range=..., ...)` draws new random
# parameters (변수, 파라미터) **for every image, every time** it is shown, so a network never
# sees exactly the same picture twice. The meanings, as Keras' documentation gives them:
#
# * `rotation_range=r`: an angle drawn uniformly from [−r, r] degrees;
# * `width_shift_range=w`: a horizontal shift dx drawn uniformly from [−w, w] times the image
#   width (in pixels); `height_shift_range=h`: a vertical shift dy drawn uniformly from [−h, h]
#   times the height;
# * `zoom_range=z`: one zoom factor drawn uniformly from [1 − z, 1 + z] (e.g. 0.3 → [0.7, 1.3]),
#   used for both axes;
# * `horizontal_flip=True` / `vertical_flip=True`: flip with probability 1/2 (as
#   `ImageDataGenerator`'s code does), each flip drawn on its own.
#
# Every parameter is drawn on its own (independently) for every image.
#
# **Exercise 5.** Write `random_augment(images, rng, rotation_range=0, width_shift_range=0.0,
# height_shift_range=0.0, zoom_range=0.0, horizontal_flip=False, vertical_flip=False)`.
# `images` is a batch (N, H, W) or (N, H, W, C); return a float array of the same shape where each
# image got its own random parameters drawn from `rng`. `rng` is a `numpy.random.Generator` or an
# integer seed: start with `rng = np.random.default_rng(rng)`, which accepts both (so the same
# seed gives the same batch). With every range 0 and no flips, the images come back unchanged.
# Apply a transformation only when its range is not 0.

# %% nbgrader="solution" grade_id="random_augment"
def random_augment(images, rng, rotation_range=0, width_shift_range=0.0, height_shift_range=0.0,
                   zoom_range=0.0, horizontal_flip=False, vertical_flip=False):
    ### BEGIN SOLUTION
    rng = np.random.default_rng(rng)
    images = np.asarray(images, dtype=np.float64)
    height, width = images.shape[1:3]
    out = np.empty(images.shape, dtype=np.float32)
    for i, image in enumerate(images):
        if rotation_range:
            image = rotate(image, rng.uniform(-rotation_range, rotation_range))
        if width_shift_range or height_shift_range:
            dx = rng.uniform(-width_shift_range, width_shift_range) * width
            dy = rng.uniform(-height_shift_range, height_shift_range) * height
            image = shift(image, dx, dy)
        if zoom_range:
            image = zoom(image, rng.uniform(1 - zoom_range, 1 + zoom_range))
        if horizontal_flip and rng.random() < 0.5:
            image = flip(image, horizontal=True)
        if vertical_flip and rng.random() < 0.5:
            image = flip(image, horizontal=False)
        out[i] = image
    return out
    ### END SOLUTION


# %%
AUGMENTATION = dict(rotation_range=180, width_shift_range=0.15, height_shift_range=0.15, zoom_range=0.4,
                    horizontal_flip=True, vertical_flip=True)
show(random_augment(np.repeat(x_train[:1], 8, axis=0), rng=0, **AUGMENTATION))

# %% nbgrader="tests" grade_id="test_random_augment" points=7
batch = x_train[:6]
assert np.allclose(random_augment(batch, 0), batch), "with every range 0 the images come back unchanged"
twice = np.repeat(x_train[:1], 2, axis=0)
moved = random_augment(twice, 1, width_shift_range=0.3)
assert moved.shape == twice.shape, "the batch keeps its shape"
assert not np.allclose(moved[0], moved[1]), "each image gets its own random parameters"
assert np.allclose(random_augment(batch, 5, rotation_range=30), random_augment(batch, 5, rotation_range=30)), \
    "the same seed gives the same batch"
### BEGIN HIDDEN TESTS
assert random_augment(np.zeros((3, 8, 8, 3)), 2, zoom_range=0.2).shape == (3, 8, 8, 3), "channels are kept"
### END HIDDEN TESTS

# %% [markdown]
# ## Keras' tools
#
# In practice you do not write these yourself. `ImageDataGenerator` reads images from a folder
# with one sub-folder per class (`train/circle/circle000.png`, …) and augments them batch by batch.
# (It is Keras' older API, still used in many tutorials.) We write the shapes as PNG files first.

# %%
from tensorflow.keras.preprocessing.image import ImageDataGenerator

from cnn_data import generate_shapes

png_folder = generate_shapes(Path(tempfile.mkdtemp()) / "shapes")
print(sorted(p.name for p in (png_folder / "train").iterdir()))

# %%
generator = ImageDataGenerator(rotation_range=180, width_shift_range=0.15, height_shift_range=0.15,
                               zoom_range=0.4, horizontal_flip=True, vertical_flip=True, fill_mode="nearest")
flow = generator.flow_from_directory(png_folder / "train", target_size=(IMAGE_SIZE, IMAGE_SIZE),
                                     color_mode="grayscale", class_mode="categorical", batch_size=8, seed=0)
images, labels = next(flow)
show(images, [class_names[i] for i in labels.argmax(axis=1)])

# %% [markdown]
# ### Where `ImageDataGenerator` differs
#
# Three things `ImageDataGenerator` does differently from your functions, and the first and
# the third differently from its own documentation. Those two come from a mix-up in its code
# between (x, y) — column first — and (row, column); the installed Keras still has all three:
#
# 1. `width_shift_range` shifts the image **vertically**, by up to that fraction of its width,
#    and `height_shift_range` **horizontally**, by up to that fraction of its height: the code
#    draws `tx` from `height_shift_range` and `ty` from `width_shift_range`, and `tx` moves
#    columns. Reported as keras-team/keras#17398.
# 2. `zoom_range` draws **two independent factors**, `zx` for the columns and `zy` for the rows,
#    so it also stretches the image (a circle becomes an ellipse). Ours draws one factor for
#    both axes.
# 3. On an image that is not square, it rotates and zooms about **((W−1)/2, (H−1)/2)** instead
#    of the centre ((H−1)/2, (W−1)/2): the centre with rows and columns swapped. (Square images
#    like our shapes are not affected.)
#
# The cell shows each on a small spot in a wide 20×30 image: where the spot's centre ends up.

# %%
spot = np.zeros((20, 30, 1))
spot[9:12, 20:23] = 1.0                   # a 3x3 spot around row 10, column 21


def where(image):
    """(row, column) of the centre of the bright part of an image."""
    weights = np.squeeze(image)
    rows, cols = np.indices(weights.shape)
    return round(float((rows * weights).sum() / weights.sum()), 1), round(float((cols * weights).sum() / weights.sum()), 1)


print("the spot:", where(spot), " image centre:", (9.5, 14.5))
keras_shift = ImageDataGenerator(width_shift_range=0.3)
drawn = keras_shift.get_random_transform(spot.shape, seed=5)
print(f"1. width_shift_range=0.3: Keras draws tx={drawn['tx']:.2f}, ty={drawn['ty']:.2f} and moves the spot to",
      where(keras_shift.apply_transform(spot, drawn)), "- up or down;",
      "random_augment moves it to", where(random_augment(spot[np.newaxis], 5, width_shift_range=0.3)[0]),
      "- left or right")
drawn = ImageDataGenerator(zoom_range=0.3).get_random_transform(spot.shape, seed=1)
print(f"2. zoom_range=0.3: Keras draws zx={drawn['zx']:.3f} and zy={drawn['zy']:.3f}")
keras_turn = ImageDataGenerator(fill_mode="nearest").apply_transform(spot, {"theta": 90})
print("3. rotation by 90 degrees: your rotate puts the spot at", where(rotate(spot, 90)),
      "(above the centre); apply_transform at", where(keras_turn))

# %% [markdown]
# Keras 3's preferred way is a set of preprocessing (전처리) layers at the start of the model. They are
# active only during training (`training=True`); at prediction time they pass images through.
# Their factors are fractions: `RandomRotation(0.5)` turns by up to 0.5 of a full turn (±180°),
# `RandomTranslation(0.15, 0.15)` shifts by up to 15 % of the height and width, `RandomZoom(0.4)`
# zooms in or out by up to 40 %.

# %%
augmentation_layers = keras.Sequential(
    [
        layers.RandomRotation(0.5, fill_mode="nearest"),
        layers.RandomTranslation(0.15, 0.15, fill_mode="nearest"),
        layers.RandomZoom(0.4, fill_mode="nearest"),
        layers.RandomFlip("horizontal_and_vertical"),
    ],
    name="augmentation",
)
show(augmentation_layers(np.repeat(x_train[:1, ..., None], 8, axis=0).astype("float32"), training=True).numpy())

# %% [markdown]
# ## Train
#
# The same small CNN twice: once on the upright training images as they are, once on images
# augmented afresh every epoch (에포크) with your `random_augment`. At home, raise `EPOCHS` to 30.

# %%
def small_cnn():
    model = keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, 1)),
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(16, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(len(class_names), activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


targets = keras.utils.to_categorical(y_train, len(class_names))
plain = small_cnn()
plain.fit(x_train[..., None], targets, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)

augmented = small_cnn()
augment_rng = np.random.default_rng(0)
for epoch in range(EPOCHS):
    fresh = random_augment(x_train, augment_rng, **AUGMENTATION)   # new parameters every epoch
    augmented.fit(fresh[..., None], targets, epochs=1, batch_size=BATCH_SIZE, verbose=0)

# %% [markdown]
# ## Evaluate

# %%
for name, model in [("plain", plain), ("augmented", augmented)]:
    _, train_accuracy = model.evaluate(x_train[..., None], targets, verbose=0)
    _, challenge_accuracy = model.evaluate(x_challenge[..., None],
                                           keras.utils.to_categorical(y_challenge, len(class_names)), verbose=0)
    print(f"{name:>9}: upright training set {train_accuracy:.1%}, challenge set {challenge_accuracy:.1%}")

# %% [markdown]
# With enough epochs the plain model fits the upright training shapes almost perfectly and still
# fails on many challenge shapes; the augmented model learns more slowly but does much better on
# the challenge set.

# %% [markdown]
# **Question.** Why does augmentation help on the challenge set, although it adds no new drawings?
# Name one augmentation that would be *harmful* for MNIST digits, and why.

# %% [markdown] nbgrader="manual" grade_id="why_augment" points=5
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy):*
#
# The challenge shapes differ from the training shapes by rotation, position and size, which do
# not change the class. Augmentation shows the network those variations during training, so it
# must learn features that are invariant to them instead of memorising the upright pose (it acts
# as a regulariser against overfitting to the few training images). Harmful for digits: a large
# rotation — by 180°, a 6 becomes a 9 and a 9 a 6 — changes the label; flips turn most digits
# into mirror images that are no digit at all (a mirrored 3, 4 or 7), which teaches the network
# to accept shapes no one writes. Augmentations must preserve the label.
