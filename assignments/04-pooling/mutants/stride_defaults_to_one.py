"""Mistake: when no stride is given, the windows move one cell at a time (stride 1) instead of Keras's default stride = pool_size."""

import numpy as np


def max_pool2d(x, pool_size=2, stride=None, padding="valid"):
    """Max pooling of feature maps x (N, H, W, C), each channel on its own."""
    x = np.asarray(x, dtype=np.float64)
    pool_h, pool_w = pair(pool_size)
    stride_h, stride_w = pair(1 if stride is None else stride)
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


def avg_pool2d(x, pool_size=2, stride=None, padding="valid"):
    """Average pooling of feature maps x (N, H, W, C); 'same' averages the existing cells only."""
    x = np.asarray(x, dtype=np.float64)
    pool_h, pool_w = pair(pool_size)
    stride_h, stride_w = pair(1 if stride is None else stride)
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
