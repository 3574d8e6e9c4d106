"""Where the student's code runs, seen from the judge.

The judge talks to the student's code only through a :class:`StudentBackend`:
four operations whose arguments and results are plain data (see
:mod:`grader.judge.codec`). :class:`InProcessBackend` runs the student's code in
this process -- for authoring checks on the instructor's own solution and for
tests -- but still sends every argument and result through the codec's files,
so a judge test sees exactly what it will see from the sandbox's backend.

What happened on the student's side comes back as an *outcome* (plain data,
made by :func:`grader.judge.ops.perform`) and :func:`unwrap` turns it into a
result or one of the exceptions below. A backend for another place (the
sandbox) writes the request with :func:`write_request`, runs
:func:`grader.judge.ops.serve` there, and calls :func:`read_outcome`.
"""

from __future__ import annotations

import abc
import contextlib
import io
import os
import tempfile
import traceback
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from grader.judge import codec

CELL_MARKER = "# %%"


class StudentFailure(Exception):
    """Something on the student's side went wrong; ``str()`` is the student-facing reason."""


class StudentRaised(StudentFailure):
    """The student's code raised an exception; it is carried here as data.

    ``type_name`` is the exception's class name, ``mro_names`` the names of its
    classes (so ``is_a("ValueError")`` is true for a subclass of ValueError too),
    ``message`` its text.
    """

    def __init__(self, function: str, type_name: str, mro_names: list[str], message: str):
        self.function = function
        self.type_name = type_name
        self.mro_names = list(mro_names)
        self.message = message
        text = f"{function} raised {type_name}"
        super().__init__(f"{text}: {message}" if message else text)

    def is_a(self, type_name: str) -> bool:
        return type_name in self.mro_names


class StudentMissing(StudentFailure):
    """The notebook does not define the function a check calls."""


class StudentBadOutput(StudentFailure):
    """The student's function returned something that is not data (or too much of it)."""


class StudentTimeout(StudentFailure):
    """The student's code ran past its time limit."""


@runtime_checkable
class StudentBackend(Protocol):
    """The four operations a judge test may ask of the student's code."""

    def call(self, name: str, args: tuple | list, kwargs: dict) -> Any: ...

    def describe_model(self, builder: str, **kwargs: Any) -> dict: ...

    def describe_block(self, fn: str, input_shape: tuple | list, **kwargs: Any) -> dict: ...

    def train_predict(self, builder: str, x_train, y_train, x_test, *, budget_seconds: float, epochs: int,
                      batch_size: int, seed: int = 0, builder_kwargs: dict | None = None,
                      augment: str | None = None, augment_kwargs: dict | None = None) -> dict: ...


# ---------------------------------------------------------------- outcomes


def unwrap(outcome: Any) -> Any:
    """The result inside an outcome, or the :class:`StudentFailure` it describes."""
    if type(outcome) is not dict or type(outcome.get("status")) is not str:
        raise StudentBadOutput("the student's side answered with something that is not an outcome")
    status = outcome["status"]
    if status == "ok":
        return outcome.get("result")
    if status == "raised":
        mro = outcome.get("mro_names")
        raise StudentRaised(
            str(outcome.get("function", "")), str(outcome.get("type_name", "Exception")),
            [str(n) for n in mro] if type(mro) is list else [], str(outcome.get("message", ""))[:2000],
        )
    reason = str(outcome.get("message", "the student's code failed"))[:2000]
    if status == "missing":
        raise StudentMissing(reason)
    if status == "timeout":
        raise StudentTimeout(reason)
    raise StudentBadOutput(reason)


def write_request(directory: str | os.PathLike, op: str, args: list, kwargs: dict) -> Path:
    """Write one operation request (``{"op", "args", "kwargs"}``) into ``directory``."""
    return codec.dump({"op": op, "args": list(args), "kwargs": dict(kwargs)}, directory)


def read_outcome(directory: str | os.PathLike, *, max_bytes: int = codec.DEFAULT_MAX_BYTES) -> Any:
    """Decode the outcome written by :func:`grader.judge.ops.serve` and unwrap it."""
    try:
        outcome = codec.load(directory, max_bytes=max_bytes)
    except codec.CodecError as exc:
        raise StudentBadOutput(f"the student's result cannot be read: {exc}") from None
    return unwrap(outcome)


# ---------------------------------------------------------------- in process


def split_cells(source_code: str) -> list[str]:
    """Cells of a percent-format source (lines starting with ``# %%`` separate cells)."""
    cells: list[list[str]] = [[]]
    for line in source_code.splitlines():
        if line.startswith(CELL_MARKER):
            cells.append([])
        else:
            cells[-1].append(line)
    return ["\n".join(lines) for lines in cells if any(line.strip() for line in lines)]


class Operations(abc.ABC):
    """The four operations of :class:`StudentBackend`, each one request through ``self._run``.

    A backend defines ``_run(op, args, kwargs, *, seconds, label)``: perform one
    request within ``seconds`` (``label`` names it in a timeout's reason).
    ``call_seconds`` bounds a call or a ``describe_*``; ``train_predict`` gets its
    ``budget_seconds`` plus ``grace_seconds``.
    """

    call_seconds: float = 60.0
    grace_seconds: float = 60.0

    @abc.abstractmethod
    def _run(self, op: str, args: list, kwargs: dict, *, seconds: float, label: str) -> Any:
        """Perform one request within ``seconds``; each backend says how (a subclass that does not cannot be made)."""

    def call(self, name: str, args: tuple | list = (), kwargs: dict | None = None) -> Any:
        return self._run("call", [name, list(args), dict(kwargs or {})], {}, seconds=self.call_seconds,
                         label=f"{name}()")

    def describe_model(self, builder: str, **kwargs: Any) -> dict:
        return self._run("describe_model", [builder], kwargs, seconds=self.call_seconds, label=f"{builder}()")

    def describe_block(self, fn: str, input_shape: tuple | list, **kwargs: Any) -> dict:
        return self._run("describe_block", [fn, list(input_shape)], kwargs, seconds=self.call_seconds,
                         label=f"{fn}()")

    def train_predict(self, builder: str, x_train, y_train, x_test, *, budget_seconds: float, epochs: int,
                      batch_size: int, seed: int = 0, builder_kwargs: dict | None = None,
                      augment: str | None = None, augment_kwargs: dict | None = None) -> dict:
        kwargs = {"budget_seconds": float(budget_seconds), "epochs": int(epochs), "batch_size": int(batch_size),
                  "seed": int(seed), "builder_kwargs": builder_kwargs, "augment": augment,
                  "augment_kwargs": augment_kwargs}
        return self._run("train_predict", [builder, x_train, y_train, x_test], kwargs,
                         seconds=float(budget_seconds) + self.grace_seconds, label=f"training {builder}")


class InProcessBackend(Operations):
    """Runs the student's code in this process, in a fresh module namespace.

    Only for code the instructor trusts (the solution, the mutants, tests):
    untrusted code goes to the sandbox's backend. Each cell runs on its own, so
    one failing cell (as in the released stub) does not hide the functions the
    later cells define; ``cell_errors`` records what failed. Output printed by
    the student's code is kept in ``output``, not shown.
    """

    def __init__(self, source_code: str, *, max_bytes: int = codec.DEFAULT_MAX_BYTES):
        from grader.judge import ops

        self._ops = ops
        self.max_bytes = max_bytes
        self.output = io.StringIO()
        self.cell_errors: list[dict] = []
        self.namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
        os.environ.setdefault("MPLBACKEND", "Agg")
        for index, cell in enumerate(split_cells(source_code)):
            with self._captured():
                try:
                    exec(compile(cell, f"<student cell {index + 1}>", "exec"), self.namespace)
                except BaseException as exc:  # the student's code may raise anything, even SystemExit
                    if isinstance(exc, KeyboardInterrupt):
                        raise
                    self.cell_errors.append({"cell": index + 1, "type_name": type(exc).__name__,
                                             "message": _safe_str(exc),
                                             "traceback": traceback.format_exc(limit=-3)})

    @contextlib.contextmanager
    def _captured(self):
        with contextlib.redirect_stdout(self.output), contextlib.redirect_stderr(self.output):
            yield
        _close_figures()

    def _run(self, op: str, args: list, kwargs: dict, *, seconds: float = 0.0, label: str = "") -> Any:
        """One request, written and read through the codec's files; no time limit in process."""
        with tempfile.TemporaryDirectory(prefix="cnnkit-judge-") as tmp:
            request_dir, outcome_dir = Path(tmp, "request"), Path(tmp, "outcome")
            write_request(request_dir, op, args, kwargs)
            with self._captured():
                self._ops.serve(self.namespace, request_dir, outcome_dir, max_bytes=self.max_bytes)
            return read_outcome(outcome_dir, max_bytes=self.max_bytes)

def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except Exception:
        return "<unprintable message>"


def _close_figures() -> None:
    import sys

    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
