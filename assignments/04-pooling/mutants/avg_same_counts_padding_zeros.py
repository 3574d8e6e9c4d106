"""Mistake: with padding 'same', average pooling pads with zeros and divides by the full window size, so border windows count the padding."""

import numpy as np


def avg_pool2d(x, pool_size=2, stride=None, padding="valid"):
    """Average pooling of feature maps x (N, H, W, C); 'same' averages the existing cells only."""
    x = np.asarray(x, dtype=np.float64)
    pool_h, pool_w = pair(pool_size)
    stride_h, stride_w = pair(pool_size if stride is None else stride)
    if padding == "same":
        rows, cols = same_padding(x.shape[1], pool_h, stride_h), same_padding(x.shape[2], pool_w, stride_w)
        x = np.pad(x, ((0, 0), rows, cols, (0, 0)))  # zeros, counted in the mean
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
