"""The process that runs inside the sandbox and holds the student's code.

Started by :class:`grader.sandbox.backend.SandboxBackend` as::

    python -I -c BOOT RUNTIME JOB_DIR SOURCE_NAME MAX_BYTES

It runs the student's source (cell by cell, as the in-process backend does),
then serves the judge over stdin/stdout with length-prefixed JSON frames
(4-byte big-endian length, then UTF-8 JSON):

    worker -> judge   {"ready": true, "cell_errors": [...]}
    judge -> worker   {"call": "<folder in the job dir>"}
    worker -> judge   {"done": "<folder>"}

The request and the outcome themselves are files in that folder
(``request/`` and ``outcome/``, written by :mod:`grader.judge.codec`), and the
operation is :func:`grader.judge.ops.serve` -- the same code the in-process
backend runs. The student's prints go to stderr, never into the frames.

This module is copied into the sandbox's read-only runtime folder, so it may
import only ``grader.judge.{ops,codec,backend,kit_models}``.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import traceback
from pathlib import Path

HEADER = struct.Struct(">I")
MAX_FRAME = 1 << 20
BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); "
        "from grader.sandbox.worker import main; main(sys.argv[2:])")


def write_frame(stream, message: dict) -> None:
    data = json.dumps(message).encode("utf-8")
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def read_exact(stream, size: int) -> bytes | None:
    chunks, missing = [], size
    while missing:
        chunk = stream.read(missing)
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_frame(stream, max_size: int = MAX_FRAME) -> dict | None:
    """The next frame, or None at end of stream. A frame over ``max_size`` is a ValueError."""
    header = read_exact(stream, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > max_size:
        raise ValueError(f"a frame of {size} bytes is larger than {max_size}")
    data = read_exact(stream, size)
    if data is None:
        return None
    message = json.loads(data.decode("utf-8"))
    if type(message) is not dict:
        raise ValueError("a frame is not a JSON object")
    return message


def load_student(source: str) -> tuple[dict, list[dict]]:
    """Run the student's cells in a fresh ``__main__``-like namespace; keep going past failing cells."""
    from grader.judge.backend import split_cells

    namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    errors: list[dict] = []
    for index, cell in enumerate(split_cells(source)):
        try:
            exec(compile(cell, f"<student cell {index + 1}>", "exec"), namespace)
        except BaseException as exc:  # the student's code may raise anything, SystemExit included
            if isinstance(exc, KeyboardInterrupt):
                raise
            errors.append({"cell": index + 1, "type_name": type(exc).__name__, "message": _safe_str(exc),
                           "traceback": traceback.format_exc(limit=-3)[-4000:]})
        _close_figures()
    return namespace, errors


def main(argv: list[str]) -> None:
    job_dir, source_name, max_bytes = Path(argv[0]), argv[1], int(argv[2])
    # Keep private copies of the frame channel, then point fds 0 and 1 away from it:
    # the student's print() and C-level writes go to stderr, and it cannot read our requests.
    frames_in = os.fdopen(os.dup(0), "rb", buffering=0)
    frames_out = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    os.chdir(job_dir)

    from grader.judge import ops

    source = (job_dir / source_name).read_text(encoding="utf-8")
    namespace, errors = load_student(source)
    sys.stdout = sys.stderr  # the student's code may have replaced it
    write_frame(frames_out, {"ready": True, "cell_errors": errors})
    while True:
        request = read_frame(frames_in)
        if request is None:
            return
        folder = job_dir / str(request["call"])
        ops.serve(namespace, folder / "request", folder / "outcome", max_bytes=max_bytes)
        _close_figures()
        write_frame(frames_out, {"done": request["call"]})


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:
        return "<unprintable message>"


def _close_figures() -> None:
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        try:
            pyplot.close("all")
        except Exception:
            pass
