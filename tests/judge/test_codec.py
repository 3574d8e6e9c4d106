"""The codec: only inert data crosses, bounded in size, and nothing a student made is ever compared."""

import json
import os

import numpy as np
import pytest

from grader.judge import codec
from grader.judge.codec import CodecError


class LyingEq:
    """Equal to everything: the classic way to pass `assert got == want` in the student's kernel."""

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class LyingInt(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


class EqualityTrap:
    """Records whether anything called its __eq__ or __hash__."""

    called = False

    def __eq__(self, other):
        EqualityTrap.called = True
        return True

    def __hash__(self):
        EqualityTrap.called = True
        return 0


@pytest.fixture
def box(tmp_path):
    return tmp_path


def test_nested_data_round_trips(box):
    data = {
        "a": (1, 2.5, "x", None, True),
        3: [np.arange(6, dtype=np.int16).reshape(2, 3), {"deep": [np.float32(1.5), np.bool_(True)]}],
        (1, "k"): [],
        2.5: {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")},
    }
    got = codec.round_trip(data, box)
    assert set(got) == {"a", 3, (1, "k"), 2.5}
    assert got["a"] == (1, 2.5, "x", None, True) and type(got["a"]) is tuple
    array = got[3][0]
    assert type(array) is np.ndarray and array.dtype == np.int16 and np.array_equal(array, np.arange(6).reshape(2, 3))
    scalar = got[3][1]["deep"][0]
    assert type(scalar) is np.float32 and scalar == 1.5
    assert type(got[3][1]["deep"][1]) is np.bool_
    assert np.isnan(got[2.5]["nan"]) and got[2.5]["inf"] == float("inf") and got[2.5]["-inf"] == float("-inf")
    json.loads((box / codec.PAYLOAD_NAME).read_text())  # strict JSON: no bare NaN


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int64", "float16", "float64", "complex64", "<U5"])
def test_arrays_keep_dtype_shape_and_values(box, dtype):
    array = (np.arange(24) % 3).astype(dtype).reshape(2, 3, 4)
    got = codec.round_trip(array, box)
    assert got.dtype == array.dtype and got.shape == array.shape and np.array_equal(got, array)


def test_non_contiguous_and_zero_d_arrays(box):
    array = np.arange(20.0).reshape(4, 5)[:, ::2].T
    got = codec.round_trip([array, np.array(7)], box)
    assert np.array_equal(got[0], array) and got[1].shape == () and got[1] == 7


@pytest.mark.parametrize("value, label", [
    (LyingEq(), "LyingEq"),
    (LyingInt(3), "LyingInt"),
    (np.zeros(3).view(LyingArray), "LyingArray"),
    ([1, LyingEq()], "LyingEq"),
    ({"k": LyingEq()}, "LyingEq"),
    ({LyingInt(1): 2}, "LyingInt"),
    (object(), "object"),
    (b"bytes", "bytes"),
    ({1, 2}, "set"),
    (lambda: 1, "function"),
])
def test_anything_but_data_is_refused_with_its_type(box, value, label):
    with pytest.raises(CodecError) as err:
        codec.encode(value, box)
    assert str(err.value) == f"returned {label}, expected data"


def test_refusing_never_calls_the_objects_eq_or_hash(box):
    EqualityTrap.called = False
    for value in (EqualityTrap(), [EqualityTrap()], {"k": EqualityTrap()}, (EqualityTrap(),)):
        with pytest.raises(CodecError):
            codec.encode(value, box)
    assert EqualityTrap.called is False


def test_object_and_structured_arrays_are_refused(box):
    with pytest.raises(CodecError, match="dtype"):
        codec.encode(np.array([1, "a", None], dtype=object), box)
    with pytest.raises(CodecError, match="dtype"):
        codec.encode(np.zeros(2, dtype=[("a", "i4"), ("b", "f4")]), box)


def test_a_pickled_npy_file_is_refused_without_unpickling(box):
    marker = box / "unpickled"
    np.save(box / "a0.npy", np.array([Exploit(str(marker))], dtype=object), allow_pickle=True)
    with pytest.raises(CodecError, match="only numbers may cross"):
        codec.decode({"__ndarray__": "a0.npy"}, box)
    assert not marker.exists()


class Exploit:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_size_caps_on_both_sides(box):
    big = np.zeros(2**20, dtype=np.uint8)
    with pytest.raises(CodecError, match="more than 1 MiB"):
        codec.encode([big, big], box, max_bytes=2**20)
    payload = codec.encode([big, big], box)
    with pytest.raises(CodecError, match="larger than 1.5 MiB"):
        codec.decode(payload, box, max_bytes=int(1.5 * 2**20))
    assert len(codec.decode(payload, box, max_bytes=3 * 2**20)) == 2


def test_load_counts_the_json_toward_the_cap(box):
    codec.dump(["x" * 5000], box)
    with pytest.raises(CodecError, match="payload.json is larger"):
        codec.load(box, max_bytes=1000)


@pytest.mark.parametrize("name", ["../a0.npy", "/etc/passwd", "a0.npy/../../x", "b0.npy", 3, None])
def test_array_names_cannot_point_elsewhere(box, name):
    with pytest.raises(CodecError, match="bad array file name"):
        codec.decode({"__ndarray__": name}, box)


def test_a_symlinked_array_file_is_refused(box, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.npy"
    np.save(outside, np.arange(3))
    os.symlink(outside, box / "a0.npy")
    with pytest.raises(CodecError, match="not a plain file"):
        codec.decode({"__ndarray__": "a0.npy"}, box)


def test_a_file_whose_size_disagrees_with_its_header_is_refused(box):
    np.save(box / "a0.npy", np.zeros(10))
    with open(box / "a0.npy", "ab") as handle:
        handle.write(b"\0" * 8)
    with pytest.raises(CodecError, match="header says"):
        codec.decode({"__ndarray__": "a0.npy"}, box)


def test_garbage_npy_is_refused(box):
    (box / "a0.npy").write_bytes(b"not a numpy file at all")
    with pytest.raises(CodecError, match="not a valid .npy"):
        codec.decode({"__ndarray__": "a0.npy"}, box)


def test_one_file_cannot_be_used_twice(box):
    np.save(box / "a0.npy", np.zeros(3))
    with pytest.raises(CodecError, match="bad array file name"):
        codec.decode([{"__ndarray__": "a0.npy"}, {"__ndarray__": "a0.npy"}], box)


@pytest.mark.parametrize("payload", [
    {"__pickle__": "x"}, {"a": 1, "b": 2}, {"__float__": "1e400"}, {"__dict__": [[{"__dict__": []}, 1]]},
    {"__dict__": [[1]]}, {"__tuple__": "abc"},
])
def test_unknown_or_malformed_payloads_are_refused(box, payload):
    with pytest.raises(CodecError):
        codec.decode(payload, box)


def test_bare_nan_in_the_json_is_refused(box):
    (box / codec.PAYLOAD_NAME).write_text("[NaN]")
    with pytest.raises(CodecError, match="not valid JSON"):
        codec.load(box)


def test_deep_nesting_is_refused_on_both_sides(box):
    deep = []
    for _ in range(codec.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(CodecError, match="nested"):
        codec.encode(deep, box)
    with pytest.raises(CodecError, match="nested"):
        codec.decode(deep, box)


def test_a_list_that_contains_itself_is_refused(box):
    loop = []
    loop.append(loop)
    with pytest.raises(CodecError, match="nested"):
        codec.encode(loop, box)
