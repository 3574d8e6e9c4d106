"""Mistake: with padding 'same', the odd extra row/column of zeros goes at the top/left instead of TensorFlow's bottom/right."""

import math
import numpy as np


def conv_output_size(n, k, stride=1, padding="valid"):
    if padding == "valid":
        return (n - k) // stride + 1
    if padding == "same":
        return math.ceil(n / stride)
    if isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0:
        return (n + 2 * padding - k) // stride + 1
    raise ValueError(f"unknown padding {padding!r}")


def conv2d(x, w, b=None, stride=1, padding="valid"):
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
            return total - total // 2, total // 2
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


def conv2d_params(kh, kw, c_in, filters, use_bias=True):
    return (kh * kw * c_in + (1 if use_bias else 0)) * filters
