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
# # Assignment 8 — CNN architectures: AlexNet, VGG, GoogLeNet and ResNet
#
# The ImageNet challenge (ILSVRC) drove a decade of convolutional neural network
# (합성곱 신경망) design. In this assignment you rebuild the famous architectures
# with Keras layers and check them against the reference implementations in
# `keras.applications`, layer by layer and parameter (변수, 파라미터) by parameter:
#
# 1. **AlexNet** (2012): 5 convolutional + 3 dense layers (완전연결층), ReLU, dropout
#    (드롭아웃), overlapping pooling (풀링).
# 2. **VGG** (2014): only 3×3 convolutions, configurations A–E.
# 3. **GoogLeNet** (2014): the inception module (인셉션 모듈).
# 4. **ResNet** (2015): the residual block (잔차 블록) and ResNet-50.
#
# We only *build* these networks and count their parameters; training them on
# ImageNet takes days on many GPUs. Building a 224×224 model takes a few seconds
# on a CPU.

# %% [markdown]
# ## Setup

# %%
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # keep TensorFlow's start-up chatter out of the notebook

import numpy as np
import keras
from keras import layers

# %% [markdown]
# ## 1. AlexNet
#
# AlexNet won ILSVRC 2012 with a top-5 error (상위 5개 오류율) of 15.3 %; the runner-up, which
# did not use a neural network, had 26.2 %. Its layers, for a 227×227×3 input (the paper says
# 224×224, but an 11×11 kernel with stride 4 gives 55×55 only on 227×227), with the number of
# filters (필터) of each convolution, its kernel (커널) size and its stride (스트라이드):
#
# | layer | filters / units | kernel, stride | output |
# | --- | --- | --- | --- |
# | Conv1 + ReLU | 96 | 11×11, stride 4 | 55×55×96 |
# | MaxPool | | 3×3, stride 2 | 27×27×96 |
# | Conv2 + ReLU | 256 | 5×5, `same` | 27×27×256 |
# | MaxPool | | 3×3, stride 2 | 13×13×256 |
# | Conv3, Conv4 + ReLU | 384, 384 | 3×3, `same` | 13×13×384 |
# | Conv5 + ReLU | 256 | 3×3, `same` | 13×13×256 |
# | MaxPool | | 3×3, stride 2 | 6×6×256 |
# | Flatten, Dense + ReLU, Dropout 0.5 | 4096 | | 4096 |
# | Dense + ReLU, Dropout 0.5 | 4096 | | 4096 |
# | Dense + softmax | 1000 | | 1000 |
#
# The max pooling (맥스 풀링, 최대 풀링) windows **overlap**: a 3×3 window moved by 2 pixels
# (the paper found this slightly better than 2×2 windows moved by 2). The original also had
# local response normalisation (국소 응답 정규화) and split the network over two GPUs; we leave
# both out, as most modern re-implementations do.
#
# **Exercise 1.** Write `build_alexnet(input_shape=(227, 227, 3), num_classes=1000)` returning an
# (uncompiled) `keras.Model` with exactly the layers of the table, in its order (use
# `activation="relu"` inside the Conv2D/Dense layers, valid padding (패딩) for Conv1,
# `padding="same"` for Conv2–Conv5, and Flatten (플래튼, 평탄화) before the dense layers). It
# has 62,378,344 parameters.

# %% nbgrader="solution" grade_id="build_alexnet"
def build_alexnet(input_shape=(227, 227, 3), num_classes=1000):
    ### BEGIN SOLUTION
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.Conv2D(96, 11, strides=4, activation="relu"),
            layers.MaxPooling2D(pool_size=3, strides=2),
            layers.Conv2D(256, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=3, strides=2),
            layers.Conv2D(384, 3, padding="same", activation="relu"),
            layers.Conv2D(384, 3, padding="same", activation="relu"),
            layers.Conv2D(256, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(pool_size=3, strides=2),
            layers.Flatten(),
            layers.Dense(4096, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(4096, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(num_classes, activation="softmax"),
        ],
        name="alexnet",
    )
    ### END SOLUTION


# %%
alexnet = build_alexnet()
alexnet.summary()

# %% nbgrader="tests" grade_id="test_alexnet" points=4
assert alexnet.output_shape == (None, 1000), "AlexNet must end with 1000 class probabilities"
conv_layers = [layer for layer in alexnet.layers if isinstance(layer, layers.Conv2D)]
dense_layers = [layer for layer in alexnet.layers if isinstance(layer, layers.Dense)]
assert len(conv_layers) == 5 and len(dense_layers) == 3, "AlexNet has 5 convolutional and 3 dense layers"
assert conv_layers[0].output.shape[1:3] == (55, 55), "Conv1 (11x11, stride 4) must give 55x55 feature maps"
assert alexnet.count_params() == 62_378_344, "the AlexNet of the table has 62,378,344 parameters"
### BEGIN HIDDEN TESTS
pools = [layer for layer in alexnet.layers if isinstance(layer, layers.MaxPooling2D)]
assert all(tuple(p.pool_size) == (3, 3) and tuple(p.strides) == (2, 2) for p in pools), "pooling must overlap: 3x3, stride 2"
### END HIDDEN TESTS

# %% [markdown]
# **Question 1.** AlexNet's top-5 error was 15.3 %, the second-best entry's 26.2 %. Explain what
# "top-5 error" means, and why a gap of about 11 percentage points made the field switch to deep
# convolutional networks almost at once. (3–5 sentences)

# %% [markdown] nbgrader="manual" grade_id="alexnet_error" points=5
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy):*
#
# Top-5 error: the fraction of test images whose true class is not among the model's five most
# probable classes (ImageNet has 1000 classes, many fine-grained, so top-5 is the official
# measure). 26.2 % → 15.3 % is a relative error reduction of about 40 %, far larger than the
# yearly improvements of hand-engineered features (SIFT/Fisher vectors); it showed that features
# learned end-to-end by a deep CNN on a large data set with GPUs, ReLU and dropout beat
# hand-designed features, so the best entries of the following years (ZFNet, VGG and GoogLeNet,
# ResNet) were all CNNs.

# %% [markdown]
# ## 2. VGG: configurations A–E
#
# VGG uses only 3×3 convolutions (stride 1, `same` padding, ReLU) and 2×2 max pooling with
# stride 2 after each block. The paper's table lists six configurations; the numbers are the
# filters of each 3×3 convolution, `M` is a max pooling, and "(1x1)" marks configuration C's
# 1×1 convolutions:
#
# | A (11 layers) | A-LRN (11) | B (13) | C (16) | D (16) | E (19) |
# | --- | --- | --- | --- | --- | --- |
# | 64 | 64, LRN | 64, 64 | 64, 64 | 64, 64 | 64, 64 |
# | M | M | M | M | M | M |
# | 128 | 128 | 128, 128 | 128, 128 | 128, 128 | 128, 128 |
# | M | M | M | M | M | M |
# | 256, 256 | 256, 256 | 256, 256 | 256, 256, 256 (1x1) | 256 ×3 | 256 ×4 |
# | M | M | M | M | M | M |
# | 512, 512 | 512, 512 | 512, 512 | 512, 512, 512 (1x1) | 512 ×3 | 512 ×4 |
# | M | M | M | M | M | M |
# | 512, 512 | 512, 512 | 512, 512 | 512, 512, 512 (1x1) | 512 ×3 | 512 ×4 |
# | M | M | M | M | M | M |
#
# Every configuration ends with Flatten (플래튼, 평탄화), Dense 4096 (ReLU) + Dropout 0.5, Dense 4096 (ReLU) +
# Dropout 0.5, Dense `num_classes` (softmax). D is VGG-16 and E is VGG-19:
# `keras.applications.VGG16` has 138,357,544 parameters and VGG19 143,667,240. (Keras' versions
# have no Dropout layers; dropout has no parameters, so the counts agree.) A-LRN differs from A
# only by a local response normalisation layer, which Keras does not have; we skip it.
#
# The configurations are data, not code: write them down once and let one loop build any of them.

# %%
VGG_CONFIGS = {
    # filters of each 3x3 convolution; "M" = max pooling; (filters, 1) = a 1x1 convolution
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "C": [64, 64, "M", 128, 128, "M", 256, 256, (256, 1), "M", 512, 512, (512, 1), "M", 512, 512, (512, 1), "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}

# %% [markdown]
# **Exercise 2.** Write `build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000)` that
# builds configuration `config` ("A", "B", "C", "D" or "E") from `VGG_CONFIGS`, with the dense
# classifier above. Raise `ValueError` for an unknown configuration.

# %% nbgrader="solution" grade_id="build_vgg"
def build_vgg(config="D", input_shape=(224, 224, 3), num_classes=1000):
    ### BEGIN SOLUTION
    if config not in VGG_CONFIGS:
        raise ValueError(f"unknown VGG configuration {config!r}; use one of {', '.join(VGG_CONFIGS)}")
    model = keras.Sequential([keras.Input(shape=input_shape)], name=f"vgg_{config}")
    for item in VGG_CONFIGS[config]:
        if item == "M":
            model.add(layers.MaxPooling2D(pool_size=2, strides=2))
        else:
            filters, size = item if isinstance(item, tuple) else (item, 3)
            model.add(layers.Conv2D(filters, size, padding="same", activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(4096, activation="relu"))
    model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model
    ### END SOLUTION


# %% [markdown]
# The paper counts 133, 133, 134, 138 and 144 million parameters for A, B, C, D and E. Each
# model takes about half a gigabyte of memory, so we build only VGG-16 here; at home, print
# `build_vgg(name).count_params()` for every name in `VGG_CONFIGS` (calling
# `keras.backend.clear_session()` in between frees the memory).

# %%
vgg16 = build_vgg("D")
print(f"VGG-16 (configuration D): {vgg16.count_params():,} parameters")

# %% nbgrader="tests" grade_id="test_vgg" points=5
assert vgg16.output_shape == (None, 1000), "VGG must end with 1000 class probabilities"
assert vgg16.count_params() == 138_357_544, "configuration D must have as many parameters as VGG16"
small = build_vgg("A", input_shape=(32, 32, 3), num_classes=10)
assert small.output_shape == (None, 10), "build_vgg must use num_classes"
### BEGIN HIDDEN TESTS
assert build_vgg("E").count_params() == 143_667_240, "configuration E must have as many parameters as VGG19"
try:
    build_vgg("F")
except ValueError:
    pass
else:
    raise AssertionError("an unknown configuration must raise ValueError")
### END HIDDEN TESTS
del vgg16
keras.backend.clear_session()

# %% [markdown]
# **Question 2.** VGG replaced AlexNet's large kernels by stacks of 3×3 convolutions. What is the
# receptive field (수용 영역) of two stacked 3×3 convolutions, and of three? For C input and C
# output channels (채널), compare the weights (가중치) of two 3×3 layers with one 5×5 layer
# (ignore the biases, 편향). Name one more advantage of the stack.

# %% [markdown] nbgrader="manual" grade_id="why_3x3" points=5
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy):*
#
# Two 3×3 layers see 5×5 input pixels, three see 7×7. Weights: 2·(3·3·C·C) = 18C² vs 25C² for
# one 5×5 (and 3·9C² = 27C² vs 49C² for 7×7): about 28 % (45 %) fewer. Each layer adds a ReLU,
# so the stack is more non-linear (more discriminative) for the same receptive field.

# %% [markdown]
# ## 3. GoogLeNet: the inception module
#
# Which kernel size is best, 1×1, 3×3 or 5×5? The inception module (인셉션 모듈) does not choose:
# it runs four branches side by side on the same input and concatenates their feature maps
# (특징 맵), in this order, along the channel (채널) axis:
#
# 1. 1×1 convolution, `f1` filters;
# 2. 1×1 convolution with `f3_reduce` filters, then 3×3 convolution with `f3` filters;
# 3. 1×1 convolution with `f5_reduce` filters, then 5×5 convolution with `f5` filters;
# 4. 3×3 max pooling with stride 1 (`same`), then 1×1 convolution with `pool_proj` filters.
#
# All convolutions use ReLU and `same` padding, so every branch keeps the height and width. The
# 1×1 "reduce" convolutions shrink the channels before the expensive 3×3 and 5×5 convolutions;
# that is what keeps GoogLeNet (22 layers) at about 7 million parameters. Module 3a gets
# 28×28×192 and uses 64, 96, 128, 16, 32, 32 filters: 64 + 128 + 32 + 32 = 256 channels out.
#
# **Exercise 3.** Write `inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj)` with
# the Keras functional API: `x` is a Keras tensor; return the concatenated tensor.

# %% nbgrader="solution" grade_id="inception_module"
def inception_module(x, f1, f3_reduce, f3, f5_reduce, f5, pool_proj):
    ### BEGIN SOLUTION
    branch1 = layers.Conv2D(f1, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3_reduce, 1, padding="same", activation="relu")(x)
    branch3 = layers.Conv2D(f3, 3, padding="same", activation="relu")(branch3)
    branch5 = layers.Conv2D(f5_reduce, 1, padding="same", activation="relu")(x)
    branch5 = layers.Conv2D(f5, 5, padding="same", activation="relu")(branch5)
    branch_pool = layers.MaxPooling2D(pool_size=3, strides=1, padding="same")(x)
    branch_pool = layers.Conv2D(pool_proj, 1, padding="same", activation="relu")(branch_pool)
    return layers.Concatenate(axis=-1)([branch1, branch3, branch5, branch_pool])
    ### END SOLUTION


# %%
inputs = keras.Input(shape=(28, 28, 192))
module_3a = keras.Model(inputs, inception_module(inputs, 64, 96, 128, 16, 32, 32), name="inception_3a")
print(module_3a.output_shape, f"{module_3a.count_params():,} parameters")

# %% nbgrader="tests" grade_id="test_inception" points=4
assert module_3a.output_shape == (None, 28, 28, 256), "module 3a must give 28x28x256"
### BEGIN HIDDEN TESTS
assert module_3a.count_params() == 163_696, "module 3a's parameter count is wrong"
### END HIDDEN TESTS

# %% [markdown]
# ## 4. ResNet: residual blocks
#
# Stacking more layers should never hurt: the extra layers could learn the identity. Yet the
# ResNet authors found that a plain 56-layer network had a *higher training error* than a
# 20-layer one. This is the degradation problem (성능 저하 문제). Their answer is the residual
# block (잔차 블록): the layers learn a residual F(x) and the block outputs F(x) + x through a
# shortcut connection (숏컷 연결), so the identity is the easy default. BN below is batch
# normalisation (배치 정규화): it normalises each channel with a mean and a variance (those of
# the batch during training; at inference (추론), averages kept from training), then multiplies
# it by one learned weight (가중치) per channel and adds another.
#
# A basic block (ResNet-18/34):
#
# ```
# x ──► Conv 3×3 (filters, stride) ─► BN ─► ReLU ─► Conv 3×3 (filters) ─► BN ─► (+) ─► ReLU
#  └──────────────────────── shortcut ─────────────────────────────────────────┘
# ```
#
# The shortcut is the identity when the output has the shape of `x`. When it does not (stride 2
# halves height and width, or `filters` differs from x's channels), the shortcut is a
# **projection**: a 1×1 convolution with `filters` filters and the same stride, followed by
# batch normalisation.
#
# **Exercise 4.** Write `residual_block(x, filters, stride=1)`, in the diagram's order: the stride
# on the first 3×3 convolution, `BatchNormalization` after each convolution, ReLU after the first
# batch normalisation and after the addition, and a projection shortcut only when the shape
# changes. Convolutions use `padding="same"` and Keras' default bias (편향), as
# `keras.applications.ResNet50` does.

# %% nbgrader="solution" grade_id="residual_block"
def residual_block(x, filters, stride=1):
    ### BEGIN SOLUTION
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)
    ### END SOLUTION


# %%
inputs = keras.Input(shape=(56, 56, 64))
same_shape = keras.Model(inputs, residual_block(inputs, 64))
downsample = keras.Model(inputs, residual_block(inputs, 128, stride=2))
print(same_shape.output_shape, downsample.output_shape)

# %% nbgrader="tests" grade_id="test_residual" points=4
assert same_shape.output_shape == (None, 56, 56, 64), "stride 1 with the same channels keeps the shape"
assert downsample.output_shape == (None, 28, 28, 128), "stride 2 halves height and width"
### BEGIN HIDDEN TESTS
assert same_shape.count_params() == 2 * (9 * 64 * 64 + 64) + 2 * 4 * 64, "the identity block has extra weights"
projections = [l for l in downsample.layers if isinstance(l, layers.Conv2D) and tuple(l.kernel_size) == (1, 1)]
assert len(projections) == 1, "a block that changes the shape needs one 1x1 projection"
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** What is the degradation problem? Why is it *not* overfitting (과적합), and how does the
# shortcut connection help? (3–5 sentences)

# %% [markdown] nbgrader="manual" grade_id="degradation" points=5
# *Model answer (replaced by "YOUR ANSWER HERE" in the students' copy):*
#
# Adding layers to a plain deep network makes accuracy saturate and then get worse — on the
# training set too (56-layer plain net has higher training error than 20-layer). Overfitting would
# show a low training error and a high test error; here the deeper net cannot even fit the training
# data: it is an optimisation difficulty (identity mappings are hard to learn with stacked
# non-linear layers). With a shortcut the block computes F(x) + x; learning the identity only
# needs F(x) = 0, and gradients flow directly through the shortcuts, so deeper ResNets (152 layers)
# train well and get better.

# %% [markdown]
# ### ResNet-50
#
# Deeper ResNets use the **bottleneck** block: 1×1 convolution (reduce to `filters` channels),
# 3×3 convolution, 1×1 convolution (expand to `4 * filters`), each followed by batch
# normalisation, ReLU after the first two and after the addition; the first block of a stage
# has a projection shortcut (1×1, `4 * filters`, the stage's stride). ResNet-50:
#
# | stage | output | blocks |
# | --- | --- | --- |
# | conv1 | 112×112 | 7×7, 64, stride 2 (+ BN, ReLU) |
# | pool | 56×56 | 3×3 max pooling, stride 2 |
# | conv2_x | 56×56 | 3 bottlenecks, filters 64 (stride 1) |
# | conv3_x | 28×28 | 4 bottlenecks, filters 128 (first stride 2) |
# | conv4_x | 14×14 | 6 bottlenecks, filters 256 (first stride 2) |
# | conv5_x | 7×7 | 3 bottlenecks, filters 512 (first stride 2) |
# | | 1×1 | global average pooling (전역 평균 풀링), Dense `num_classes` softmax |
#
# 3 + 4 + 6 + 3 = 16 blocks × 3 convolutions + conv1 + the dense layer = 50 layers.
#
# **Exercise 5.** Write `bottleneck_block(x, filters, stride=1, project=False)`, the block just
# described (`project=True`: with the projection shortcut; put the stride on the first 1×1
# convolution), and with it `build_resnet50(input_shape=(224, 224, 3), num_classes=1000)`. It must
# have the 25,636,712 parameters of `keras.applications.ResNet50(weights=None)` (use
# `padding="same"` for conv1 and the pooling). The grader checks the block on its own too.

# %% nbgrader="solution" grade_id="build_resnet50"
def bottleneck_block(x, filters, stride=1, project=False):
    ### BEGIN SOLUTION
    shortcut = x
    if project:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    y = layers.Conv2D(filters, 1, strides=stride)(x)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(filters, 3, padding="same")(y)
    y = layers.BatchNormalization()(y)
    y = layers.Activation("relu")(y)
    y = layers.Conv2D(4 * filters, 1)(y)
    y = layers.BatchNormalization()(y)
    y = layers.Add()([y, shortcut])
    return layers.Activation("relu")(y)
    ### END SOLUTION


def build_resnet50(input_shape=(224, 224, 3), num_classes=1000):
    ### BEGIN SOLUTION
    inputs = keras.Input(shape=input_shape)
    x = layers.Conv2D(64, 7, strides=2, padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling2D(pool_size=3, strides=2, padding="same")(x)
    for filters, blocks, stride in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        x = bottleneck_block(x, filters, stride=stride, project=True)
        for _ in range(blocks - 1):
            x = bottleneck_block(x, filters)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="resnet50")
    ### END SOLUTION


# %%
resnet50 = build_resnet50()
print(f"ResNet-50: {resnet50.count_params():,} parameters, output {resnet50.output_shape}")

# %% nbgrader="tests" grade_id="test_resnet50" points=3
assert resnet50.output_shape == (None, 1000), "ResNet-50 must end with 1000 class probabilities"
assert resnet50.count_params() == 25_636_712, "ResNet-50 must have as many parameters as keras.applications.ResNet50"
### BEGIN HIDDEN TESTS
adds = [layer for layer in resnet50.layers if isinstance(layer, layers.Add)]
assert len(adds) == 16, "ResNet-50 has 16 bottleneck blocks"
### END HIDDEN TESTS
del resnet50
keras.backend.clear_session()

# %% [markdown]
# ## Summary
#
# | network | year | layers | parameters | idea |
# | --- | --- | --- | --- | --- |
# | AlexNet | 2012 | 8 | 62 M | ReLU, dropout, GPUs, overlapping pooling |
# | VGG-16 (D) | 2014 | 16 | 138 M | only 3×3 convolutions |
# | GoogLeNet | 2014 | 22 | 7 M | inception modules, 1×1 reductions |
# | ResNet-50 | 2015 | 50 | 25.6 M | residual blocks against degradation |
#
# Depth went up while parameters went down: most of VGG's parameters sit in its first dense
# layer (7·7·512·4096 ≈ 103 M), which GoogLeNet and ResNet replace by global average pooling.
