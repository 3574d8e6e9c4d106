"""The IDX reader: round trips (plain and gzip) and every corrupt file as one exact line."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from dataset_files import tiny_images, write_idx_set

from grader.datasets.idx import IMAGES_MAGIC, LABELS_MAGIC, find_idx_set, read_idx, read_idx_header, write_idx
from grader.errors import DatasetError


@pytest.mark.parametrize("name", ["images-idx3-ubyte", "images-idx3-ubyte.gz"])
def test_round_trip_plain_and_gzip(tmp_path, name):
    x, _ = tiny_images(7)
    path = write_idx(tmp_path / name, x)
    assert path.read_bytes()[:2] == (b"\x1f\x8b" if name.endswith(".gz") else b"\x00\x00")
    got = read_idx(path, IMAGES_MAGIC)
    assert got.dtype == np.uint8 and got.shape == (7, 28, 28)
    assert np.array_equal(got, x)
    assert read_idx_header(path) == (7, 28, 28)


def test_gzip_is_detected_from_the_bytes_not_the_name(tmp_path):
    _, y = tiny_images(5)
    path = write_idx(tmp_path / "labels-without-suffix", y, compress=True)
    assert np.array_equal(read_idx(path, LABELS_MAGIC), y)


def test_big_endian_int32_values(tmp_path):
    path = tmp_path / "ints"
    path.write_bytes(bytes([0, 0, 0x0C, 1]) + (3).to_bytes(4, "big") + np.array([1, -2, 300], ">i4").tobytes())
    assert read_idx(path).tolist() == [1, -2, 300]


def test_labels_file_given_for_images(tmp_path):
    _, y = tiny_images(5)
    path = write_idx(tmp_path / "labels", y)
    with pytest.raises(DatasetError) as err:
        read_idx(path, IMAGES_MAGIC)
    assert str(err.value) == f"{path} has magic number 2049, expected 2051 (IDX images file)."


def test_not_an_idx_file(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello world, not idx")
    with pytest.raises(DatasetError) as err:
        read_idx(path)
    assert str(err.value) == (f"{path} has magic number {int.from_bytes(b'hell', 'big')}, which is not an IDX magic "
                              "number (e.g. 2049 labels, 2051 images).")


def test_too_short_for_a_magic_number(tmp_path):
    path = tmp_path / "tiny"
    path.write_bytes(b"\x00\x00")
    with pytest.raises(DatasetError) as err:
        read_idx(path)
    assert str(err.value) == f"{path} is not an IDX file: only 2 bytes, too short for the 4-byte magic number."


def test_truncated_header(tmp_path):
    path = tmp_path / "header"
    path.write_bytes(bytes([0, 0, 8, 3]) + (10).to_bytes(4, "big"))
    with pytest.raises(DatasetError) as err:
        read_idx(path)
    assert str(err.value) == f"{path} is truncated: the header declares 3 dimensions but the file ends after 8 bytes."


def test_truncated_data(tmp_path):
    x, _ = tiny_images(3)
    path = write_idx(tmp_path / "images", x)
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DatasetError) as err:
        read_idx(path, IMAGES_MAGIC)
    assert str(err.value) == f"{path} is truncated: the header declares 3x28x28 values (2352 bytes) but only 2252 bytes follow."


def test_trailing_bytes(tmp_path):
    _, y = tiny_images(4)
    path = write_idx(tmp_path / "labels", y)
    path.write_bytes(path.read_bytes() + b"\x01\x02")
    with pytest.raises(DatasetError) as err:
        read_idx(path, LABELS_MAGIC)
    assert str(err.value) == f"{path} has 2 unexpected bytes after the 4 values its header declares."


def test_truncated_gzip(tmp_path):
    x, _ = tiny_images(50)
    path = write_idx(tmp_path / "images.gz", x)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(DatasetError) as err:
        read_idx(path)
    assert str(err.value).startswith(f"{path} is a corrupt or truncated gzip file (")
    assert "\n" not in str(err.value)


def test_corrupt_gzip(tmp_path):
    data = bytearray(gzip.compress(bytes([0, 0, 8, 1]) + (100).to_bytes(4, "big") + bytes(range(100))))
    data[12:20] = b"\xff" * 8                   # scramble the deflate stream
    path = tmp_path / "labels.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError) as err:
        read_idx(path)
    assert str(err.value).startswith(f"{path} is a corrupt or truncated gzip file (")


def test_a_directory_and_a_missing_file(tmp_path):
    with pytest.raises(DatasetError) as err:
        read_idx(tmp_path)
    assert str(err.value) == f"{tmp_path} is a directory, not an IDX file."
    with pytest.raises(DatasetError) as err:
        read_idx(tmp_path / "nope")
    assert str(err.value) == f"{tmp_path / 'nope'} does not exist."


def test_idx_set_mixed_gzip_and_incomplete(tmp_path):
    folder = write_idx_set(tmp_path / "set", gz=True)
    (folder / "t10k-labels-idx1-ubyte.gz").rename(folder / "t10k-labels-idx1-ubyte.gz.bak")
    with pytest.raises(DatasetError) as err:
        find_idx_set(folder)
    assert str(err.value) == f"{folder} has only some of the four IDX files; missing: t10k-labels-idx1-ubyte[.gz]."
    (folder / "t10k-labels-idx1-ubyte.gz.bak").rename(folder / "t10k-labels-idx1-ubyte")
    write_idx(folder / "t10k-labels-idx1-ubyte", tiny_images(40, seed=2)[1])   # plain beside gzipped
    assert sorted(p.name for p in find_idx_set(folder).values()) == sorted(
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte"])
    assert find_idx_set(tmp_path) is None
