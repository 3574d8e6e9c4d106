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
# # Assignment 4 — Pooling
#
# After a convolution (합성곱), a CNN usually shrinks its feature maps (특징 맵) with a
# **pooling (풀링)** layer: it cuts each feature map into small windows and keeps one
# number per window. In this assignment you write the two kinds of pooling with numpy
# and check them against TensorFlow:
#
# 1. **Max pooling (맥스 풀링, 최대 풀링)**: keep the largest value of each window — the
#    `MaxPooling2D(pool_size=2)` of the CNN in assignment 6.
# 2. **Average pooling (평균 풀링)**: keep the mean of each window.
# 3. **Stride (스트라이드) and padding (패딩)** for pooling, as for convolution.
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
# ## 1. Max pooling (맥스 풀링, 최대 풀링)
#
# With `pool_size=2`, max pooling cuts a feature map into 2×2 windows and keeps the
# largest value of each. A 4×4 map becomes 2×2: a quarter of the numbers, but each
# strong response of the feature map survives. An example:

# %%
feature_map = np.array([[1, 0, 1, 0],
                        [0, 4, 2, 0],
                        [0, 1, 6, 1],
                        [0, 0, 1, 0]], dtype=np.float64)

fig, ax = plt.subplots(figsize=(3.5, 3.5))
ax.imshow(feature_map, cmap="Blues")
for (i, j), value in np.ndenumerate(feature_map):
    ax.text(j, i, f"{value:g}", ha="center", va="center", color="white" if value > 3 else "black")
ax.axhline(1.5, color="tab:red", linewidth=3)  # the borders between the windows
ax.axvline(1.5, color="tab:red", linewidth=3)
ax.set_title("four 2×2 windows")
ax.set_xticks([])
ax.set_yticks([])
plt.show()

# %% [markdown]
# The windows' maxima are 4, 2, 1 and 6, so max pooling gives `[[4, 2], [1, 6]]`.
#
# Pooling has **no weights (가중치) to learn**, and it works on every channel (채널) on its own:
# a map with 64 channels stays with 64 channels, each one smaller. Three settings, as in
# Keras's `MaxPooling2D(pool_size, strides, padding)`:
#
# - `pool_size`: the window, an int or a pair `(rows, cols)`;
# - `stride`: the step between windows; `None` means **the same as `pool_size`**
#   (windows side by side, no overlap), which is Keras's default;
# - `padding`: `"valid"` drops windows that would stick out of the map; `"same"` keeps
#   `ceil(n / stride)` windows per axis and lets the last ones stick out, with the extra
#   (odd) row or column at the bottom/right as for convolution.
#
# The padded cells are not zeros: a window that sticks out only looks at the cells that
# exist. For max pooling that means a window is never beaten by a padding zero (the map may
# be negative), and for average pooling that the mean is taken **over the existing cells
# only** — as TensorFlow's `tf.nn.avg_pool2d` does.
#
# Two small helpers, given: `pair` turns an int into a pair, and `same_padding` is the
# padding rule of assignment 3 (how many cells to add before and after along one axis).

# %%
def pair(value):
    """2 -> (2, 2); (2, 3) -> (2, 3)."""
    return (value, value) if np.ndim(value) == 0 else tuple(value)


def same_padding(n, k, stride):
    """(before, after): cells added along an axis of length n for 'same' with window k."""
    total = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


print(same_padding(5, 2, 2))  # 5 cells, windows of 2, stride 2 -> 3 windows: one extra cell at the end

# %% [markdown]
# ### Exercise 1 — `max_pool2d`
#
# Write `max_pool2d(x, pool_size=2, stride=None, padding="valid")` for feature maps `x` of
# shape `(N, H, W, C)`. It returns float64 of shape `(N, out_h, out_w, C)`, exactly like
# `tf.nn.max_pool2d`. Each channel is pooled on its own. `padding` other than `"valid"`
# and `"same"` raises `ValueError`. (Hint: pad with `np.nan` and use `np.nanmax`.)

# %% nbgrader="solution" grade_id="max_pool2d"
def max_pool2d(x, pool_size=2, stride=None, padding="valid"):
    """Max pooling of feature maps x (N, H, W, C), each channel on its own."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    pool_h, pool_w = pair(pool_size)
    stride_h, stride_w = pair(pool_size if stride is None else stride)
    if padding == "same":
        rows, cols = same_padding(x.shape[1], pool_h, stride_h), same_padding(x.shape[2], pool_w, stride_w)
        x = np.pad(x, ((0, 0), rows, cols, (0, 0)), constant_values=np.nan)  # padded cells never win
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    n, height, width, channels = x.shape
    out_h, out_w = (height - pool_h) // stride_h + 1, (width - pool_w) // stride_w + 1
    out = np.empty((n, out_h, out_w, channels))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride_h:i * stride_h + pool_h, j * stride_w:j * stride_w + pool_w, :]
            out[:, i, j, :] = np.nanmax(window, axis=(1, 2))
    return out
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_max_pool2d" points=10
pooled = max_pool2d(feature_map.reshape(1, 4, 4, 1))
assert pooled.shape == (1, 2, 2, 1), "2x2 max pooling of a 4x4 map gives shape (1, 2, 2, 1)"
assert np.array_equal(pooled[0, :, :, 0], [[4, 2], [1, 6]]), "max_pool2d does not reproduce the example's result"
assert max_pool2d(np.zeros((2, 6, 6, 3))).shape == (2, 3, 3, 3), "pooling keeps the number of images and channels"
assert max_pool2d(feature_map.reshape(1, 4, 4, 1), stride=1).shape == (1, 3, 3, 1), \
    "windows of 2 with stride 1 on a 4x4 map: 3x3 windows"
### BEGIN HIDDEN TESTS
_x = np.random.default_rng(5).normal(size=(2, 7, 5, 3))
for _pool, _stride, _padding in [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME")]:
    _want = tf.nn.max_pool2d(_x, _pool, _stride, _padding).numpy()
    assert np.allclose(max_pool2d(_x, _pool, _stride, _padding.lower()), _want)
### END HIDDEN TESTS

# %% [markdown]
# ### Pooling a real digit
#
# Max pooling a 28×28 digit with `pool_size=2` gives 14×14, and again 7×7: each step
# keeps the strongest pixel of every 2×2 window, so the shape of the digit survives
# while the number of values drops by four. Small shifts (이동) of the digit change the pooled
# map little, which is why pooling makes a CNN less sensitive to where exactly a
# feature is.

# %%
from cnn_data import load_splits  # the loader beside this notebook: reads data/, no download

splits = load_splits("mnist")
digit = splits.x_train[7].astype(np.float64).reshape(1, 28, 28, 1) / 255.0
once = max_pool2d(digit)
twice = max_pool2d(once)
fig, axes = plt.subplots(1, 3, figsize=(9, 3))
for ax, image, title in zip(axes, [digit, once, twice], ["28×28", "max pooled: 14×14", "twice: 7×7"]):
    ax.imshow(image[0, :, :, 0], cmap="gray_r")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
plt.show()

# %% [markdown]
# ## 2. Average pooling (평균 풀링)
#
# Average pooling keeps the mean of each window instead of its maximum: for the
# example's map, `[[1.25, 0.75], [0.25, 2.0]]`. It smooths the map rather than picking
# the strongest response. (A "global" average pooling over the whole map replaces
# Flatten (플래튼, 평탄화) in GoogLeNet and ResNet, which you meet in assignment 8.)
#
# ### Exercise 2 — `avg_pool2d`
#
# Write `avg_pool2d(x, pool_size=2, stride=None, padding="valid")`, with the same
# arguments and shapes as `max_pool2d`, exactly like `tf.nn.avg_pool2d`. With `"same"`,
# a window that sticks out of the map averages only the cells that exist.

# %% nbgrader="solution" grade_id="avg_pool2d"
def avg_pool2d(x, pool_size=2, stride=None, padding="valid"):
    """Average pooling of feature maps x (N, H, W, C); 'same' averages the existing cells only."""
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    pool_h, pool_w = pair(pool_size)
    stride_h, stride_w = pair(pool_size if stride is None else stride)
    if padding == "same":
        rows, cols = same_padding(x.shape[1], pool_h, stride_h), same_padding(x.shape[2], pool_w, stride_w)
        x = np.pad(x, ((0, 0), rows, cols, (0, 0)), constant_values=np.nan)  # padded cells are not counted
    elif padding != "valid":
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    n, height, width, channels = x.shape
    out_h, out_w = (height - pool_h) // stride_h + 1, (width - pool_w) // stride_w + 1
    out = np.empty((n, out_h, out_w, channels))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride_h:i * stride_h + pool_h, j * stride_w:j * stride_w + pool_w, :]
            out[:, i, j, :] = np.nanmean(window, axis=(1, 2))
    return out
    ### END SOLUTION


# %% nbgrader="tests" grade_id="test_avg_pool2d" points=5
averaged = avg_pool2d(feature_map.reshape(1, 4, 4, 1))
assert averaged.shape == (1, 2, 2, 1), "2x2 average pooling of a 4x4 map gives shape (1, 2, 2, 1)"
assert np.allclose(averaged[0, :, :, 0], [[1.25, 0.75], [0.25, 2.0]]), "avg_pool2d must take the mean of each window"
ones = np.ones((1, 3, 3, 1))
assert np.allclose(avg_pool2d(ones, padding="same"), 1.0), \
    "with 'same' padding, the average must count only the cells that exist (a map of ones stays ones)"
### BEGIN HIDDEN TESTS
_maps = np.random.default_rng(6).normal(size=(2, 7, 5, 3))
for _pool, _stride, _padding in [(2, 2, "VALID"), (3, 2, "SAME"), (2, 1, "SAME")]:
    _want = tf.nn.avg_pool2d(_maps, _pool, _stride, _padding).numpy()
    assert np.allclose(avg_pool2d(_maps, _pool, _stride, _padding.lower()), _want)
### END HIDDEN TESTS

# %% nbgrader="tests" grade_id="test_pool_shapes" points=5
maps = np.random.default_rng(0).normal(size=(3, 9, 8, 4))
assert max_pool2d(maps, 3).shape == (3, 3, 2, 4), "pool 3 (stride 3), 'valid': 9 rows -> 3, 8 columns -> 2"
assert max_pool2d(maps, 3, padding="same").shape == (3, 3, 3, 4), "pool 3 (stride 3), 'same': ceil(8 / 3) = 3 columns"
assert avg_pool2d(maps, (2, 4), stride=(1, 2)).shape == (3, 8, 3, 4), "pool (2, 4), stride (1, 2): 8 rows, 3 columns"
### BEGIN HIDDEN TESTS
assert max_pool2d(maps, 2, stride=2, padding="same").shape == (3, 5, 4, 4)
### END HIDDEN TESTS

# %% [markdown]
# ## Question — why pool?
#
# The CNN of assignment 6 puts `MaxPooling2D(pool_size=2)` after its two convolutions. In a
# few sentences: (a) what does max pooling do to the number of values the next layers
# see, and to the number of parameters (변수, 파라미터) of the network? (b) Why does it make
# the network more robust to small shifts of the digit, and what information does it throw
# away?

# %% [markdown] nbgrader="manual" grade_id="why_pooling" points=10
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy; the rubric is in
# rubric.md):*
#
# (a) A 2×2 max pooling halves the height and the width of every feature map, so the next
# layers see a quarter of the values: in assignment 6's CNN, 24×24×64 = 36,864 values become
# 12×12×64 = 9,216. Pooling itself learns nothing (no parameters), but the dense layer after
# Flatten has one weight per input and unit: 9,216·128 + 128 = 1,179,776 parameters instead of
# 36,864·128 + 128 = 4,718,720, so the whole network has 1,199,882 parameters instead of
# 4,738,826 — less memory and computation, and less room to overfit.
#
# (b) The maximum of a 2×2 window is the same wherever in the window the strongest response
# is, so when the digit moves by a pixel many pooled values do not change, and the layers after
# it see nearly the same map. What it throws away is exactly that: where inside each window the
# feature was, and the three weaker responses of each window.
