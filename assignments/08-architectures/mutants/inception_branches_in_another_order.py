"""An inception module that concatenates its branches as 3x3, 1x1, 5x5, pooling instead of 1x1,
3x3, 5x5, pooling: the output shape and parameter count are right, the channels are in another
order, so the next layer's weights would meet other feature maps."""

from keras import layers

correct_inception_module = inception_module


def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    out = correct_inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj)
    branch1, branch3, rest = out[..., :f1], out[..., f1:f1 + f3], out[..., f1 + f3:]
    return layers.Concatenate(axis=-1)([branch3, branch1, rest])     # the mistake: 3x3 first
