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
# # Assignment 3 — Convolution: kernels, padding and stride
#
# A dense network (완전연결 신경망) sees an image as 784 unrelated numbers: it forgets which
# pixels are neighbours, and it needs a separate weight (가중치) for every pixel of every
# unit. A convolutional layer instead slides one small grid of weights over the whole image:
# each output looks at a small patch only (local connectivity, 국소 연결), and the same
# weights are used at every position (weight sharing, 가중치 공유).
# In this assignment you write that operation yourself, with numpy, and check it
# against TensorFlow:
#
# 1. **Convolution (합성곱)**: a kernel (커널, also called a filter, 필터) slides over the
#    image and produces a feature map (특징 맵).
# 2. **Output size**: how the kernel size, the padding (패딩) and the stride (스트라이드)
#    decide the size of the feature map.
# 3. **Channels (채널) and filters**: colour images have several input channels; a layer
#    has several filters, one feature map each.
# 4. **Parameters (변수, 파라미터)**: how many weights a `Conv2D` layer learns, biases (편향)
#    included.
#
# Each exercise is stated before the cell where you answer it. Replace
# `raise NotImplementedError()` with your code; the test cell after it lets you check
# yourself. More checks run when your notebook is graded.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import math

import numpy as np
import matplotlib.pyplot as plt
import tensorflow as tf  # only to compare your functions with TensorFlow's

print("TensorFlow", tf.__version__, "| GPUs:", len(tf.config.list_physical_devices("GPU")))

# %% [markdown]
# ## 1. What a convolution computes
#
# Put a small grid of weights, the **kernel (커널)** or **filter (필터)**, on the top-left
# corner of the image. Multiply each weight by the pixel under it and add the products:
# that sum is the first value of the output. Move the kernel one pixel to the right and
# do it again; at the end of the row, go back to the left and one row down. The grid of
# sums is the **feature map (특징 맵)**: it is large where the image looks like the
# kernel.
#
# An example: a 4×4 binary image and the 2×2 kernel `[[1, 0], [0, 1]]`,
# which looks for a diagonal "\\". Each output value is `image[i, j] + image[i+1, j+1]`:
# the feature map is 2 where the image has two pixels on a "\\" diagonal.
#
# (Strictly, this is a *cross-correlation*: a mathematician's convolution first turns the
# kernel by 180°. Deep-learning libraries, Keras and TensorFlow included, do not turn it,
# and neither do we: the network learns the weights, so turning them would change nothing.)

# %%
image = np.array([[1, 0, 1, 0],
                  [0, 1, 1, 0],
                  [0, 0, 1, 1],
                  [0, 0, 1, 0]], dtype=np.float64)
kernel = np.array([[1, 0],
                   [0, 1]], dtype=np.float64)

fig, axes = plt.subplots(1, 2, figsize=(6, 3))
for ax, grid, title in [(axes[0], image, "image (4×4)"), (axes[1], kernel, "kernel (2×2)")]:
    ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(grid):
        ax.text(j, i, f"{value:g}", ha="center", va="center", color="tab:red")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## 2. The size of the feature map
#
# A k×k kernel fits `n - k + 1` times along a row of n pixels, so a convolution without
# padding shrinks the image: 28×28 with a 3×3 kernel gives 26×26. Two settings change
# that:
#
# - **Padding (패딩)** adds a border of zeros around the image before the kernel slides.
#   Keras calls no padding `padding="valid"`, and `padding="same"` adds just enough zeros
#   that, with stride 1, the output has the **same** size as the input. An integer `p`
#   means `p` rows and columns of zeros on every side.
# - **Stride (스트라이드)** is the step of the kernel. With stride 2 it jumps two pixels
#   at a time and the output is about half as large.
#
# With padding `p` on each side, kernel size `k` and stride `s`, the output size is
#
# $$\text{out} = \left\lfloor \frac{n + 2p - k}{s} \right\rfloor + 1 .$$
#
# With `"same"`, Keras and TensorFlow define the output size as $\lceil n / s \rceil$
# and add whatever zeros that needs.
#
# ### Exercise 1 — `conv_output_size`
#
# Write `conv_output_size(n, k, stride=1, padding="valid")`: the output length along one
# axis for an input of length `n` and a kernel of length `k`. `padding` is `"valid"`,
# `"same"` or a non-negative integer; anything else raises `ValueError`.

# %% nbgrader="solution" grade_id="conv_output_size"
def conv_output_size(n, k, stride=1, padding="valid"):
    """Length of a convolution's output along one axis (n inputs, kernel k)."""
    ### BEGIN SOLUTION
    if padding == "valid":
        return (n - k) // stride + 1
    if padding == "same":
        return math.ceil(n / stride)
    if isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0:
        return (n + 2 * padding - k) // stride + 1
    raise ValueError(f"padding must be 'valid', 'same' or an int >= 0, got {padding!r}")
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_conv_output_size" points=5
assert conv_output_size(28, 3) == 26, "a 3x3 kernel on 28 pixels without padding gives 26"
assert conv_output_size(28, 3, padding="same") == 28, "'same' padding with stride 1 keeps the size"
assert conv_output_size(28, 3, padding=1) == 28, "padding 1 on each side with a 3x3 kernel keeps the size"
assert conv_output_size(4, 2) == 3, "the 4x4 example image and a 2x2 kernel give 3x3"
### BEGIN HIDDEN TESTS
assert conv_output_size(7, 3, stride=2) == 3
assert conv_output_size(7, 2, stride=2, padding="same") == 4
assert conv_output_size(5, 3, stride=2, padding=1) == 3
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Channels and filters
#
# A colour image has 3 **channels (채널)** (red, green, blue), so a kernel is 3-D:
# height × width × input channels, and the sum runs over all three. A convolutional
# layer has many **filters**, each with its own kernel, and each gives one feature map;
# the feature maps are stacked as the channels of the output.
#
# We use TensorFlow's layouts:
#
# - input `x`: `(N, H, W, C_in)` — N images, height H, width W, C_in channels;
# - kernels `w`: `(kh, kw, C_in, C_out)` — one kh×kw×C_in kernel per output channel;
# - bias `b`: `(C_out,)` — one number added to each feature map (or `None`);
# - output: `(N, out_h, out_w, C_out)`.
#
# For `"same"`, the number of zeros to add along an axis is
# `max((out - 1) * s + k - n, 0)`. When it is odd, TensorFlow puts the extra row (or
# column) at the **bottom (or right)**: half of it, rounded down, goes on top.
#
# ### Exercise 2 — `conv2d`
#
# Write `conv2d(x, w, b=None, stride=1, padding="valid")` that returns the feature maps as
# float64, exactly like `tf.nn.conv2d` (plus the bias). `stride` is an int or a pair
# `(stride_rows, stride_cols)`; `padding` is `"valid"`, `"same"` or an int. Loops over the
# output positions are fine; `np.pad` and `np.tensordot` (or `np.sum` over a product) help.

# %% nbgrader="solution" grade_id="conv2d"
def conv2d(x, w, b=None, stride=1, padding="valid"):
    """Cross-correlation of images x (N, H, W, C_in) with kernels w (kh, kw, C_in, C_out)."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    stride_h, stride_w = (stride, stride) if np.ndim(stride) == 0 else stride
    kh, kw, _, c_out = w.shape
    n, height, width, _ = x.shape

    def zeros_before_after(size, k, s):
        if padding == "valid":
            return 0, 0
        if padding == "same":
            total = max((conv_output_size(size, k, s, "same") - 1) * s + k - size, 0)
            return total // 2, total - total // 2  # the odd one goes after (bottom / right)
        return padding, padding

    out_h = conv_output_size(height, kh, stride_h, padding)
    out_w = conv_output_size(width, kw, stride_w, padding)
    x = np.pad(x, ((0, 0), zeros_before_after(height, kh, stride_h), zeros_before_after(width, kw, stride_w), (0, 0)))
    out = np.zeros((n, out_h, out_w, c_out))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride_h:i * stride_h + kh, j * stride_w:j * stride_w + kw, :]
            out[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    if b is not None:
        out += np.asarray(b, dtype=np.float64)
    return out
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_conv2d_example" points=10
feature_map = conv2d(image.reshape(1, 4, 4, 1), kernel.reshape(2, 2, 1, 1))
assert feature_map.shape == (1, 3, 3, 1), "a 4x4 image and a 2x2 kernel give a 3x3 feature map: shape (1, 3, 3, 1)"
assert np.array_equal(feature_map[0, :, :, 0], [[2, 1, 1], [0, 2, 2], [0, 1, 1]]), \
    "conv2d does not reproduce the example's feature map"
assert conv2d(image.reshape(1, 4, 4, 1), kernel.reshape(2, 2, 1, 1), padding="same").shape == (1, 4, 4, 1), \
    "'same' padding must keep the 4x4 size"
assert conv2d(image.reshape(1, 4, 4, 1), kernel.reshape(2, 2, 1, 1), stride=2).shape == (1, 2, 2, 1), \
    "stride 2 on the 4x4 image gives a 2x2 feature map"
### BEGIN HIDDEN TESTS
_x = np.random.default_rng(3).normal(size=(2, 7, 6, 3))
_w = np.random.default_rng(4).normal(size=(2, 3, 3, 4))
for _padding, _stride in [("VALID", (1, 1)), ("SAME", (2, 2)), ("SAME", (1, 2))]:
    _want = tf.nn.conv2d(_x, _w, strides=[1, *_stride, 1], padding=_padding).numpy()
    assert np.allclose(conv2d(_x, _w, stride=_stride, padding=_padding.lower()), _want)
### END HIDDEN TESTS

# %% [markdown]
# ### A feature map of a real digit
#
# Two classic 3×3 kernels (Sobel's) find edges (가장자리): the first responds where the
# pixel values change from left to right (a vertical edge), the second where they change
# from top to bottom (a horizontal edge). Red is a large positive response (ink on the
# left of, or above, the edge), blue a large negative one (ink on the right, or below).
# The same small kernel, slid over the whole image, finds the edge wherever it is.

# %%
from cnn_data import load_splits  # the loader beside this notebook: reads data/, no download

splits = load_splits("mnist")
digit = splits.x_train[7].astype(np.float64) / 255.0
edge_kernels = {
    "vertical edges": np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=np.float64),
    "horizontal edges": np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64),
}
fig, axes = plt.subplots(2, 3, figsize=(9, 6))
for row, (name, edge) in zip(axes, edge_kernels.items()):
    response = conv2d(digit.reshape(1, 28, 28, 1), edge.reshape(3, 3, 1, 1), padding="same")[0, :, :, 0]
    row[0].imshow(digit, cmap="gray_r")
    row[0].set_title(f"image (label {splits.y_train[7]})")
    row[1].imshow(edge, cmap="bwr", vmin=-2, vmax=2)
    row[1].set_title(f"kernel: {name}")
    row[2].imshow(response, cmap="bwr", vmin=-4, vmax=4)
    row[2].set_title("feature map (28×28, 'same')")
    for ax in row:
        ax.set_xticks([])
        ax.set_yticks([])
plt.tight_layout()
plt.show()

# %% [markdown]
# ## 4. The parameters of a `Conv2D` layer
#
# Every filter has one weight per cell of its kernel and per input channel, plus one
# bias. The kernel is shared by every position of the image (weight sharing), so the count
# does not depend on the image size at all:
#
# $$\text{params} = (k_h \cdot k_w \cdot C_{in} + 1) \cdot \text{filters}$$
#
# (without the `+ 1` when `use_bias=False`). The first layer of the CNN of assignment 6,
# `Conv2D(32, (3, 3))` on 28×28×1 images, has (3·3·1 + 1)·32 = 320 parameters, where a
# `Dense(32)` layer on the same 784 pixels has 25,120.
#
# ### Exercise 3 — `conv2d_params`
#
# Write `conv2d_params(kh, kw, c_in, filters, use_bias=True)`: the number of parameters
# of `keras.layers.Conv2D(filters, (kh, kw), use_bias=use_bias)` on an input with `c_in`
# channels.

# %% nbgrader="solution" grade_id="conv2d_params"
def conv2d_params(kh, kw, c_in, filters, use_bias=True):
    """Number of weights and biases of a Conv2D layer."""
    ### BEGIN SOLUTION
    return (kh * kw * c_in + (1 if use_bias else 0)) * filters
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_conv2d_params" points=5
assert conv2d_params(3, 3, 1, 32) == 320, "Conv2D(32, (3, 3)) on one channel has 320 parameters"
assert conv2d_params(3, 3, 32, 64) == 18496, "Conv2D(64, (3, 3)) on 32 channels has 18,496 parameters"
### BEGIN HIDDEN TESTS
import keras

_layer = keras.layers.Conv2D(7, (5, 2), use_bias=False)
_layer.build((None, 20, 20, 3))
assert conv2d_params(5, 2, 3, 7, use_bias=False) == _layer.count_params()
### END HIDDEN TESTS

# %% [markdown]
# ## The receptive field (수용 영역)
#
# Each value of a feature map depends on a small patch of the layer's input only: for a
# 3×3 convolution, a 3×3 patch. That patch, traced back to the input image, is the
# value's **receptive field (수용 영역)**. A layer stacked on top of another sees a patch
# of the first layer's feature map, and so, through it, a larger patch of the image.
#
# ## Question — why convolution?
#
# In a few sentences: (a) a `Dense(32)` layer on a 28×28 image has 25,120 parameters and
# a `Conv2D(32, (3, 3))` layer has 320. Where does the difference come from, and why is
# sharing one kernel across the whole image a good idea for pictures? (b) Stacking two
# 3×3 convolutions, what is the receptive field (수용 영역) of one output value — how
# many input pixels can it see — and why does that matter?

# %% [markdown] nbgrader="manual" grade_id="why_convolution" points=10
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy; the rubric is in
# rubric.md):*
#
# (a) Each of the dense layer's 32 units has its own weight for each of the 784 pixels, plus a
# bias: 784·32 + 32 = 25,120. Each of the convolution's 32 filters has only 3·3 = 9 weights
# and a bias, (9 + 1)·32 = 320, because one filter looks at a 3×3 patch at a time (local
# connectivity) and the same 9 weights are used at every position (weight sharing). For
# pictures that is the right assumption: what makes an edge or a stroke is the same anywhere
# in the image, so a detector learned at one place works everywhere, needs far fewer
# parameters (less memory, less data, less overfitting) and finds the pattern wherever it is
# (the feature map moves with the image).
#
# (b) 5×5: each value of the second layer sees a 3×3 patch of the first feature map, and each
# of those values sees a 3×3 patch of the image, shifted by one pixel from its neighbours, so
# together 5×5 = 25 input pixels. Stacked layers see larger and larger parts of the image:
# the first finds edges in small patches, later ones combine them into strokes, parts and whole
# digits — and two 3×3 layers do it with fewer weights (2·9 per channel pair) than one 5×5
# (25) and with one more non-linearity.
