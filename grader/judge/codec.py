"""Data across the boundary between the student's side and the judge.

Only inert data crosses: JSON for the structure and one ``.npy`` file per numpy
array, read back with ``np.load(allow_pickle=False)``. What is accepted is
exactly: None, bool, int, float (NaN and infinities included), str, numpy
arrays and scalars of bool/integer/float/complex (or fixed-width unicode)
dtypes, and lists, tuples and dicts of those. Anything else -- a Keras model,
a subclass of ``int`` or ``np.ndarray`` with a lying ``__eq__``, an object
array, a pickle -- is a :class:`CodecError`.

Types are checked with ``type(x) is T``, never ``isinstance``, and nothing is
ever compared: a student's object cannot run code in the judge by way of
``__eq__``, ``__hash__`` or ``__iter__``.

    payload = encode(result, directory)           # student's side
    result = decode(payload, directory, max_bytes=64 * 2**20)   # judge's side

:func:`dump` / :func:`load` do the same with the JSON in ``payload.json``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import numpy as np

PAYLOAD_NAME = "payload.json"
DEFAULT_MAX_BYTES = 64 * 2**20  # [sandbox] max_output_mb's default
MAX_DEPTH = 64
ARRAY_KINDS = frozenset("biufcU")  # bool, int, uint, float, complex, unicode; never object/void
_ARRAY_FILE = re.compile(r"^a[0-9]{1,9}\.npy$")
_SCALARS = (type(None), bool, int, str)
_TAGS = ("__ndarray__", "__npscalar__", "__tuple__", "__dict__", "__float__")


class CodecError(Exception):
    """Data that cannot cross the boundary (wrong type, too big, corrupt)."""


def type_label(obj: Any) -> str:
    """The name of an object's type, found without calling anything on the object."""
    kind = type(obj)
    return getattr(kind, "__qualname__", None) or getattr(kind, "__name__", "object")


# ---------------------------------------------------------------- encoding


def encode(obj: Any, directory: str | os.PathLike, *, max_bytes: int | None = None) -> Any:
    """A JSON-able description of ``obj``; its arrays are written to ``directory``."""
    writer = _Writer(Path(directory), max_bytes)
    return writer.encode(obj, 0)


class _Writer:
    def __init__(self, directory: Path, max_bytes: int | None):
        self.directory = directory
        self.max_bytes = max_bytes
        self.count = 0
        self.total = 0

    def encode(self, obj: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError(f"returned data nested more than {MAX_DEPTH} levels deep, expected data")
        kind = type(obj)
        if _exact(kind, _SCALARS):
            return obj
        if kind is float:
            return obj if math.isfinite(obj) else {"__float__": repr(obj)}
        if kind is np.ndarray:
            return {"__ndarray__": self._write(obj)}
        if isinstance(obj, np.generic) and kind.__module__ == "numpy":
            return {"__npscalar__": self._write(np.asarray(obj))}
        if kind is list:
            return [self.encode(item, depth + 1) for item in list(obj)]
        if kind is tuple:
            return {"__tuple__": [self.encode(item, depth + 1) for item in tuple(obj)]}
        if kind is dict:
            pairs = []
            for key, value in list(dict.items(obj)):
                pairs.append([self.encode(key, depth + 1), self.encode(value, depth + 1)])
            return {"__dict__": pairs}
        raise CodecError(f"returned {type_label(obj)}, expected data")

    def _write(self, array: np.ndarray) -> str:
        if array.dtype.kind not in ARRAY_KINDS or array.dtype.hasobject or array.dtype.fields is not None:
            raise CodecError(f"returned an array of dtype {array.dtype.str!r}, expected numbers")
        self.total += int(array.nbytes)
        if self.max_bytes is not None and self.total > self.max_bytes:
            raise CodecError(f"returned more than {_mib(self.max_bytes)} of data")
        name = f"a{self.count}.npy"
        self.count += 1
        np.save(self.directory / name, array if array.flags.c_contiguous else array.copy(order="C"), allow_pickle=False)
        return name


# ---------------------------------------------------------------- decoding


def decode(payload: Any, directory: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """The data that ``payload`` describes, reading its arrays from ``directory``.

    Every array file is checked before it is read: a plain file directly in
    ``directory``, a ``.npy`` header with an accepted dtype, a size that agrees
    with its shape, and all files together at most ``max_bytes``.
    """
    reader = _Reader(Path(directory), max_bytes)
    return reader.decode(payload, 0)


class _Reader:
    def __init__(self, directory: Path, max_bytes: int):
        self.directory = directory
        self.max_bytes = max_bytes
        self.total = 0
        self.seen: set[str] = set()

    def decode(self, payload: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError(f"data nested more than {MAX_DEPTH} levels deep")
        kind = type(payload)
        if _exact(kind, _SCALARS):
            return payload
        if kind is float:
            return payload
        if kind is list:
            return [self.decode(item, depth + 1) for item in payload]
        if kind is dict and len(payload) == 1:
            (tag, value), = payload.items()
            if tag == "__ndarray__":
                return self._read(value)
            if tag == "__npscalar__":
                array = self._read(value)
                if array.shape != ():
                    raise CodecError("a numpy scalar was stored with a shape")
                return array[()]
            if tag == "__tuple__" and type(value) is list:
                return tuple(self.decode(item, depth + 1) for item in value)
            if tag == "__dict__" and type(value) is list:
                return self._dict(value, depth)
            if tag == "__float__" and value in ("nan", "inf", "-inf"):
                return float(value)
        raise CodecError(f"unknown data of type {type_label(payload)} in the payload")

    def _dict(self, pairs: list, depth: int) -> dict:
        result = {}
        for pair in pairs:
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("a dict entry in the payload is not a [key, value] pair")
            key = self.decode(pair[0], depth + 1)
            if not _exact(type(key), (*_SCALARS, float, tuple)):
                raise CodecError(f"a dict key of type {type_label(key)} cannot cross")
            try:
                result[key] = self.decode(pair[1], depth + 1)
            except TypeError:
                raise CodecError("a dict key in the payload is not hashable") from None
        return result

    def _read(self, name: Any) -> np.ndarray:
        if type(name) is not str or not _ARRAY_FILE.match(name) or name in self.seen:
            raise CodecError(f"bad array file name {name!r} in the payload")
        self.seen.add(name)
        path = self.directory / name
        try:
            info = os.lstat(path)
        except OSError:
            raise CodecError(f"array file {name} is missing") from None
        if not stat.S_ISREG(info.st_mode):
            raise CodecError(f"array file {name} is not a plain file")
        self.total += info.st_size
        if self.total > self.max_bytes:
            raise CodecError(f"the returned data is larger than {_mib(self.max_bytes)}")
        try:
            with open(path, "rb") as handle:
                version = np.lib.format.read_magic(handle)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
                else:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
                header_end = handle.tell()
        except (ValueError, OSError, SyntaxError, TypeError) as exc:
            raise CodecError(f"array file {name} is not a valid .npy file: {exc}") from None
        if dtype.hasobject or dtype.kind not in ARRAY_KINDS or dtype.fields is not None:
            raise CodecError(f"array file {name} has dtype {dtype.str!r}; only numbers may cross")
        expected = header_end + math.prod(shape) * dtype.itemsize
        if info.st_size != expected:
            raise CodecError(f"array file {name} has {info.st_size} bytes, its header says {expected}")
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise CodecError(f"array file {name} cannot be read: {exc}") from None
        if type(array) is not np.ndarray:
            raise CodecError(f"array file {name} is not a single array")
        return array


# ---------------------------------------------------------------- files


def dump(obj: Any, directory: str | os.PathLike, *, max_bytes: int | None = None) -> Path:
    """Encode ``obj`` into ``directory`` and write the structure to ``payload.json``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    payload = encode(obj, directory, max_bytes=max_bytes)
    path = directory / PAYLOAD_NAME
    path.write_text(json.dumps(payload, allow_nan=False), encoding="utf-8")
    return path


def load(directory: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Read what :func:`dump` wrote; the JSON counts toward ``max_bytes`` too."""
    directory = Path(directory)
    path = directory / PAYLOAD_NAME
    try:
        info = os.lstat(path)
    except OSError:
        raise CodecError(f"{PAYLOAD_NAME} is missing") from None
    if not stat.S_ISREG(info.st_mode):
        raise CodecError(f"{PAYLOAD_NAME} is not a plain file")
    if info.st_size > max_bytes:
        raise CodecError(f"{PAYLOAD_NAME} is larger than {_mib(max_bytes)}")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise CodecError(f"{PAYLOAD_NAME} is not valid JSON: {str(exc)[:200]}") from None
    return decode(payload, directory, max_bytes=max_bytes - info.st_size)


def round_trip(obj: Any, directory: str | os.PathLike, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """``load(dump(obj))``: what the judge would receive for ``obj``."""
    dump(obj, directory, max_bytes=max_bytes)
    return load(directory, max_bytes=max_bytes)


def max_bytes_for(course) -> int:
    """The course's ``[sandbox] max_output_mb`` in bytes (the default without a course)."""
    if course is None:
        return DEFAULT_MAX_BYTES
    return int(course.get("sandbox", "max_output_mb")) * 2**20


def _exact(kind: type, types: tuple[type, ...]) -> bool:
    """``kind in types`` by identity: a metaclass's ``__eq__`` is never called."""
    return any(kind is t for t in types)


def _reject_constant(name: str):
    raise ValueError(f"bare {name} is not JSON; NaN travels as {{'__float__': 'nan'}}")


def _mib(n: int) -> str:
    return f"{n / 2**20:g} MiB"
