"""Hidden checks of assignment 5: dropout, flatten and cnn_params.

dropout is checked exactly for a seed (the notebook defines the mask as
``np.random.default_rng(seed).random(x.shape) >= rate``) and statistically
(mean kept, fraction dropped, one mask per sample); flatten against
``keras.layers.Flatten``; cnn_params against the CNN of assignment 6, and the same
architecture with other sizes, built here with Keras. Inputs are random, drawn from the
``rng`` fixture.
"""

import numpy as np
import pytest

from grader.judge import StudentRaised


def seeded_random_seed(rng):
    return int(rng.integers(0, 2**31 - 1))


# ---------------------------------------------------------------- dropout (48)


@pytest.mark.points(6)
def test_dropout_inference_is_identity(student, rng):
    for rate in (0.0, 0.25, 0.5, float(rng.uniform(0.05, 0.95))):
        x = rng.normal(size=(int(rng.integers(1, 6)), int(rng.integers(2, 40))))
        got = np.asarray(student.dropout(x, rate, False, seed=seeded_random_seed(rng)))
        assert got.shape == x.shape, "dropout must keep the shape of its input"
        assert np.allclose(got, x, rtol=1e-6, atol=0), \
            f"at inference (training=False) dropout must return x unchanged (rate {rate:.2f})"


@pytest.mark.points(12)
def test_dropout_exact_for_seed(student, rng):
    for shape in ((int(rng.integers(1, 8)), int(rng.integers(2, 50))), (2, 5, 5, 3), (int(rng.integers(2, 5)), 128)):
        rate = float(rng.choice([0.1, 0.25, 0.5, 0.8, float(rng.uniform(0.05, 0.95))]))
        seed = seeded_random_seed(rng)
        x = rng.normal(size=shape)
        keep = np.random.default_rng(seed).random(x.shape) >= rate
        want = np.where(keep, x / (1 - rate), 0.0)
        got = np.asarray(student.dropout(x, rate, True, seed=seed))
        assert got.shape == want.shape, "dropout must keep the shape of its input"
        assert np.allclose(got, want, rtol=1e-6, atol=1e-9), \
            ("dropout(x, rate, True, seed) must keep exactly the values where "
             "np.random.default_rng(seed).random(x.shape) >= rate, divided by 1 - rate")


@pytest.mark.points(6)
def test_dropout_keeps_the_mean(student, rng):
    for rate in (0.25, 0.5, 0.75):
        x = rng.uniform(0.5, 1.5, size=(50, 2000))
        got = np.asarray(student.dropout(x, rate, True, seed=seeded_random_seed(rng)))
        assert abs(got.mean() / x.mean() - 1) < 0.03, \
            f"in training, inverted dropout must keep the mean of the values (rate {rate})"


@pytest.mark.points(6)
def test_dropout_fraction_dropped(student, rng):
    for rate in (0.1, 0.25, 0.7, float(rng.uniform(0.05, 0.95))):
        x = rng.uniform(0.5, 1.5, size=(40, 2500))
        got = np.asarray(student.dropout(x, rate, True, seed=seeded_random_seed(rng)))
        assert abs((got == 0).mean() - rate) < 0.01, \
            f"in training, dropout must drop each value with probability rate ({rate:.2f})"


@pytest.mark.points(6)
def test_dropout_rescales_kept_values(student, rng):
    for rate in (0.2, 0.5, float(rng.uniform(0.05, 0.95))):
        x = rng.uniform(0.5, 1.5, size=(8, 300))
        got = np.asarray(student.dropout(x, rate, True, seed=seeded_random_seed(rng)))
        kept = got != 0
        assert kept.any(), f"dropout with rate {rate:.2f} dropped every value"
        assert np.allclose(got[kept], x[kept] / (1 - rate), rtol=1e-6), \
            f"in training, the kept values must be divided by 1 - rate ({rate:.2f})"


@pytest.mark.points(8)
def test_dropout_mask_per_sample(student, rng):
    for shape in ((64, 100), (32, 6, 6, 4)):
        x = np.ones(shape)
        got = np.asarray(student.dropout(x, 0.5, True, seed=seeded_random_seed(rng)))
        masks = (got != 0).reshape(shape[0], -1)
        same_as_first = np.all(masks == masks[0], axis=1)[1:]
        assert same_as_first.mean() < 0.1, "each sample of the batch must get its own dropout mask"


@pytest.mark.points(4)
def test_dropout_rejects_bad_rate(student, rng):
    x = rng.normal(size=(2, 10))
    for rate in (1.0, 1.5, -0.1):
        with pytest.raises(StudentRaised) as err:
            student.dropout(x, rate, True, seed=0)
        assert err.value.is_a("ValueError"), f"dropout must raise ValueError for rate {rate} (allowed: 0 <= rate < 1)"


# ---------------------------------------------------------------- flatten (12)


@pytest.mark.points(8)
def test_flatten_matches_keras(student, rng):
    import keras

    for ndim in (2, 3, 4, 5):
        shape = (int(rng.integers(1, 5)),) + tuple(int(d) for d in rng.integers(1, 7, size=ndim - 1))
        x = rng.integers(-100, 100, size=shape).astype(np.float32)
        want = keras.layers.Flatten()(x).numpy()
        got = np.asarray(student.flatten(x))
        assert got.shape == want.shape, f"flatten of a {ndim}-D array must have shape (N, product of the other axes)"
        assert np.array_equal(got, want), \
            f"flatten of a {ndim}-D array must read the values in keras.layers.Flatten's (row-major) order"


@pytest.mark.points(4)
def test_flatten_cnn_feature_maps(student, rng):
    x = rng.normal(size=(int(rng.integers(1, 4)), 12, 12, 64))
    got = np.asarray(student.flatten(x))
    assert got.shape == (x.shape[0], 9216), "flatten of (N, 12, 12, 64) feature maps must have shape (N, 9216)"
    assert np.array_equal(got, x.reshape(x.shape[0], -1)), "flatten of feature maps must be row-major, channels last"


# ---------------------------------------------------------------- cnn_params (10)


def keras_cnn_params(image_size=28, channels=1, filters=(32, 64), kernel_size=3, pool_size=2, dense_units=128,
                     num_classes=10):
    """The reference: Keras counts the parameters of the architecture built with these sizes."""
    import keras
    from keras import layers

    model = keras.Sequential([
        keras.Input(shape=(image_size, image_size, channels)),
        layers.Conv2D(filters[0], kernel_size, activation="relu"),
        layers.Conv2D(filters[1], kernel_size, activation="relu"),
        layers.MaxPooling2D(pool_size=pool_size),
        layers.Dropout(0.25),
        layers.Flatten(),
        layers.Dense(dense_units, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ])
    return model.count_params()


def assert_int(got):
    assert isinstance(got, (int, np.integer)) and not isinstance(got, bool), "cnn_params must return an int"


@pytest.mark.points(3)
def test_cnn_params_of_the_mnist_cnn(student):
    got = student.cnn_params()
    assert_int(got)
    assert got == keras_cnn_params(), "cnn_params() does not match the parameter count of assignment 6's CNN"


@pytest.mark.points(7)
def test_cnn_params_other_sizes(student, rng):
    for _ in range(4):
        kernel_size, pool_size = int(rng.choice([2, 3, 5])), int(rng.choice([2, 3]))
        sizes = dict(image_size=int(rng.integers(2 * kernel_size + pool_size, 40)), channels=int(rng.integers(1, 4)),
                     filters=(int(rng.integers(1, 48)), int(rng.integers(1, 48))), kernel_size=kernel_size,
                     pool_size=pool_size, dense_units=int(rng.integers(1, 200)), num_classes=int(rng.integers(2, 20)))
        got = student.cnn_params(**sizes)
        assert_int(got)
        shown = ", ".join(f"{key}={value}" for key, value in sizes.items())
        assert got == keras_cnn_params(**sizes), f"cnn_params({shown}) differs from Keras' count of that network"
