"""Reader for the IDX format of MNIST and Fashion-MNIST (gzipped or not).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values. Labels files
have magic 2049 (uint8, 1 dimension) and image files 2051 (uint8, 3 dimensions).
Every problem becomes a one-line :class:`DatasetError` naming the file.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from grader.errors import DatasetError

LABELS_MAGIC = 2049
IMAGES_MAGIC = 2051
GZIP_MAGIC = b"\x1f\x8b"

# IDX type code -> numpy dtype (big-endian, as the format stores them).
_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes, decompressed if it is gzipped (detected from its first bytes)."""
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
        if compressed:
            with gzip.open(path, "rb") as stream:
                return stream.read() if limit is None else stream.read(limit)
        with open(path, "rb") as stream:
            return stream.read() if limit is None else stream.read(limit)
    except FileNotFoundError:
        raise DatasetError(f"{path} does not exist.") from None
    except IsADirectoryError:
        raise DatasetError(f"{path} is a directory, not an IDX file.") from None
    except PermissionError:
        raise DatasetError(f"{path} cannot be read (permission denied).") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DatasetError(f"{path} is a corrupt or truncated gzip file ({exc or 'unexpected end of data'}).") from None
    except OSError as exc:
        raise DatasetError(f"{path} cannot be read ({exc.strerror or exc}).") from None


def _parse_header(data: bytes, path: Path, expected_magic: int | None) -> tuple[int, np.dtype, tuple[int, ...], int]:
    """(magic, dtype, dims, header size) of an IDX file's first bytes."""
    if len(data) < 4:
        raise DatasetError(f"{path} is not an IDX file: only {len(data)} bytes, too short for the 4-byte magic number.")
    magic = int.from_bytes(data[:4], "big")
    if expected_magic is not None and magic != expected_magic:
        kind = "labels" if expected_magic == LABELS_MAGIC else "images"
        raise DatasetError(f"{path} has magic number {magic}, expected {expected_magic} (IDX {kind} file).")
    if data[0] != 0 or data[1] != 0 or data[2] not in _TYPES or data[3] == 0:
        raise DatasetError(f"{path} has magic number {magic}, which is not an IDX magic number (e.g. 2049 labels, 2051 images).")
    ndim = data[3]
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise DatasetError(f"{path} is truncated: the header declares {ndim} dimensions but the file ends after {len(data)} bytes.")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return magic, np.dtype(_TYPES[data[2]]), dims, header_size


def read_idx_header(path: str | Path, expected_magic: int | None = None) -> tuple[int, ...]:
    """The dimensions an IDX file declares, reading only its header (cheap even when gzipped)."""
    path = Path(path)
    _, _, dims, _ = _parse_header(_read_bytes(path, limit=4 + 4 * 255), path, expected_magic)
    return dims


def read_idx(path: str | Path, expected_magic: int | None = None) -> np.ndarray:
    """The array stored in an IDX file, in native byte order.

    ``expected_magic`` (2049 or 2051) makes a labels file given for an images
    file (and vice versa) an error instead of a confusing shape later.
    """
    path = Path(path)
    data = _read_bytes(path)
    _, dtype, dims, header_size = _parse_header(data, path, expected_magic)
    count = int(np.prod(dims, dtype=np.int64))
    expected = count * dtype.itemsize
    found = len(data) - header_size
    shape = "x".join(str(d) for d in dims)
    if found < expected:
        raise DatasetError(f"{path} is truncated: the header declares {shape} values ({expected} bytes) but only {found} bytes follow.")
    if found > expected:
        raise DatasetError(f"{path} has {found - expected} unexpected bytes after the {shape} values its header declares.")
    array = np.frombuffer(data, dtype=dtype, count=count, offset=header_size).reshape(dims)
    return array.astype(dtype.newbyteorder("="), copy=True)


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool | None = None) -> Path:
    """Write ``array`` (uint8) as an IDX file; gzipped when ``compress`` or the name ends in .gz.

    Used by tests and by instructors who convert their own images to the MNIST format.
    """
    path = Path(path)
    array = np.asarray(array)
    if array.dtype != np.uint8:
        raise DatasetError(f"write_idx stores uint8 arrays only, got {array.dtype}.")
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    payload = header + np.ascontiguousarray(array).tobytes()
    if compress is None:
        compress = path.suffix == ".gz"
    path.write_bytes(gzip.compress(payload, mtime=0) if compress else payload)
    return path


# The four files of an MNIST-style dataset: role -> (base name, magic).
IDX_SET = {
    "train_images": ("train-images-idx3-ubyte", IMAGES_MAGIC),
    "train_labels": ("train-labels-idx1-ubyte", LABELS_MAGIC),
    "test_images": ("t10k-images-idx3-ubyte", IMAGES_MAGIC),
    "test_labels": ("t10k-labels-idx1-ubyte", LABELS_MAGIC),
}
IDX_SET_FILES = ", ".join(f"{base}[.gz]" for base, _ in IDX_SET.values())


def find_idx_set(folder: Path) -> dict[str, Path] | None:
    """The four IDX files in ``folder`` (plain or .gz), None when there are none at all.

    Some but not all of them is an error naming the missing ones.
    """
    found: dict[str, Path] = {}
    for role, (base, _) in IDX_SET.items():
        for name in (base, base + ".gz"):
            if (folder / name).is_file():
                found[role] = folder / name
                break
    if not found:
        return None
    if len(found) < len(IDX_SET):
        missing = ", ".join(f"{IDX_SET[r][0]}[.gz]" for r in IDX_SET if r not in found)
        raise DatasetError(f"{folder} has only some of the four IDX files; missing: {missing}.")
    return found


def load_idx_set(files: dict[str, Path], *, image_shape: tuple[int, int], num_classes: int):
    """(x_train, y_train, x_test, y_test) from the four IDX files, each pair checked."""
    from grader.datasets.base import check_images_labels

    arrays = {role: read_idx(files[role], IDX_SET[role][1]) for role in IDX_SET}
    out = []
    for split in ("train", "test"):
        x, y = check_images_labels(arrays[f"{split}_images"], arrays[f"{split}_labels"],
                                   images=str(files[f"{split}_images"]), labels=str(files[f"{split}_labels"]),
                                   image_shape=image_shape, num_classes=num_classes)
        out += [x, y]
    return tuple(out)


def load_idx_labels(files: dict[str, Path], *, num_classes: int):
    """(y_train, y_test) only: the labels files are small, so sizes are cheap to report."""
    labels = []
    for split in ("train", "test"):
        y = read_idx(files[f"{split}_labels"], LABELS_MAGIC)
        if y.ndim != 1 or (len(y) and y.max() >= num_classes):
            raise DatasetError(f"{files[f'{split}_labels']}: labels must be a 1-D array of 0..{num_classes - 1}.")
        labels.append(y.astype(np.int64))
    return tuple(labels)
