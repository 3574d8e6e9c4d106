"""The judge's side of the sandbox: a :class:`StudentBackend` whose student code runs in bwrap.

:class:`FolderBackend` is one operation across the boundary: the request is
written into a fresh folder of the job directory, the student's side performs
it (:func:`grader.judge.ops.serve`) and writes the outcome beside it, and the
outcome is decoded here, in the judge, with :mod:`grader.judge.codec`
(``allow_pickle=False``, size-capped, exact types). How the student's side is
asked is the subclass's: :class:`SandboxBackend` starts
:mod:`grader.sandbox.worker`, which loads the student's code, and sends it one
frame per request; :class:`grader.sandbox.kernel_backend.KernelBackend` runs a
hidden cell in the notebook's own kernel.

The job directory is writable by the student's code, so every file the judge
puts there or takes from there goes through file descriptors opened with
``O_NOFOLLOW`` below a folder the judge itself created: a symlink planted by the
student can neither redirect the judge's writes nor feed it a file from outside
the job. Outcomes are copied (size-capped) into a private folder and decoded
there.

A worker that dies, runs out of memory or passes its time limit fails the check
that was running with a reason ("the worker was killed: memory limit 4096 MiB");
it never passes. The next check gets a fresh worker (at most ``max_restarts``).

    with SandboxBackend(source_code, limits, job_dir) as backend:
        run_judge(judge_dir, backend, ...)
"""

from __future__ import annotations

import abc
import os
import secrets
import select
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from grader.judge import codec
from grader.judge.backend import (Operations, StudentBadOutput, StudentFailure, StudentTimeout, read_outcome,
                                  write_request)
from grader.sandbox import bwrap, worker
from grader.sandbox.limits import SandboxLimits
from grader.sandbox.run import SandboxedProcess, runtime_dir

SOURCE_NAME = "student_source.py"
_FILE_NAMES = ("payload.json",)


class WorkerDied(StudentFailure):
    """The sandboxed worker died, was killed or stopped answering; the check fails with this reason."""


class FolderBackend(Operations):
    """One request at a time through a fresh folder of the job directory (``.call-N-<random>``).

    ``job_dir`` is the host path of the job's ``/job``; ``_serve(name, seconds,
    label)`` has the student's side perform ``<job>/<name>/request`` into
    ``<job>/<name>/outcome`` within ``seconds``, or raises a
    :class:`StudentFailure`. The folder's random name is the request's nonce: no
    outcome can be in it before the judge made it.
    """

    def __init__(self, job_dir: str | os.PathLike, *, max_bytes: int, call_seconds: float, grace_seconds: float):
        self.job_dir = Path(job_dir).resolve()
        self.job_dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.call_seconds = call_seconds
        self.grace_seconds = grace_seconds
        self._private = Path(tempfile.mkdtemp(prefix="cnnkit-judge-side-"))
        self._calls = 0
        self.op_seconds: dict[str, float] = {}  # wall time per operation, for the grade's phases

    @abc.abstractmethod
    def _serve(self, name: str, seconds: float, label: str) -> None:
        """Have the student's side answer ``<job>/<name>/request`` within ``seconds`` (a worker process, a kernel)."""

    def _run(self, op: str, args: list, kwargs: dict, *, seconds: float, label: str) -> Any:
        started = time.monotonic()
        try:
            return self._request(op, args, kwargs, seconds=seconds, label=label)
        finally:
            self.op_seconds[op] = self.op_seconds.get(op, 0.0) + time.monotonic() - started

    def _request(self, op: str, args: list, kwargs: dict, *, seconds: float, label: str) -> Any:
        self._calls += 1
        name = f".call-{self._calls}-{secrets.token_hex(8)}"
        staging = self._private / f"request-{self._calls}"
        write_request(staging, op, args, kwargs)
        folder_fd = _make_call_folder(self.job_dir, name, staging)
        try:
            self._serve(name, seconds, label)
            received = self._private / f"outcome-{self._calls}"
            try:
                _copy_out(folder_fd, "outcome", received, self.max_bytes)
            except codec.CodecError as exc:
                raise StudentBadOutput(f"the student's result cannot be read: {exc}") from None
            try:
                return read_outcome(received, max_bytes=self.max_bytes)
            finally:
                shutil.rmtree(received, ignore_errors=True)
        finally:
            os.close(folder_fd)
            shutil.rmtree(staging, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self._private, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SandboxBackend(FolderBackend):
    """Runs the student's code in a sandboxed worker; implements ``StudentBackend``.

    ``call_seconds`` bounds one ``call``/``describe_*``; ``train_predict`` gets
    its ``budget_seconds`` plus ``grace_seconds``. ``limits.wall_seconds`` bounds
    loading the student's code. ``sandbox=False`` runs the worker unprotected
    (with a loud warning), for machines without bubblewrap.
    """

    def __init__(self, source_code: str, limits: SandboxLimits | None, job_dir: str | os.PathLike, *,
                 call_seconds: float = 60.0, grace_seconds: float = 60.0, sandbox: bool = True,
                 max_restarts: int = 2):
        self.limits = limits if limits is not None else SandboxLimits()
        super().__init__(job_dir, max_bytes=self.limits.max_output_bytes, call_seconds=call_seconds,
                         grace_seconds=grace_seconds)
        self.source_code = source_code
        self.sandbox = sandbox
        self.restarts_left = max_restarts
        self.cell_errors: list[dict] = []
        self.failure: str | None = None  # why the current worker is gone, once it is
        self.events: list[str] = []  # every death, for the feedback and the gradebook
        self._process: SandboxedProcess | None = None
        self._stderr_tail = bytearray()
        (self.job_dir / SOURCE_NAME).write_text(source_code, encoding="utf-8")

    # -- life cycle

    def close(self) -> None:
        """Stop the worker, kill every process of the job, remove its cgroups and private files."""
        if self._process is not None:
            try:
                self._process.popen.stdin.close()
            except (OSError, AttributeError):
                pass
            self._process.close()
            self._process = None
        super().close()

    def start(self) -> list[dict]:
        """Start the worker now (it starts on the first call otherwise); return the cells that raised."""
        self._worker()
        return self.cell_errors

    @property
    def output(self) -> str:
        """The last 64 KiB the student's code printed (stdout and stderr)."""
        return bytes(self._stderr_tail).decode("utf-8", "replace")

    def job_pids(self) -> set[int]:
        return self._process.job_pids() if self._process is not None else set()

    def _start(self) -> None:
        inside_job = bwrap.JOB_DIR if self.sandbox else str(self.job_dir)
        inside_runtime = bwrap.RUNTIME_DIR if self.sandbox else str(runtime_dir())
        command = [sys.executable, "-I", "-c", worker.BOOT, inside_runtime, inside_job, SOURCE_NAME,
                   str(self.max_bytes)]
        self._process = SandboxedProcess(command, self.job_dir, self.limits, sandbox=self.sandbox, runtime=True)
        self.failure = None
        threading.Thread(target=self._drain, args=(self._process.popen.stderr,), daemon=True).start()
        ready = self._receive(self.limits.wall_seconds, what="loading the notebook's code")
        if ready.get("ready") is not True:
            self._fail("the worker answered with something that is not a ready message")
        errors = ready.get("cell_errors")
        self.cell_errors = errors if type(errors) is list else []

    def _worker(self) -> SandboxedProcess:
        if self._process is not None and self.failure is None:
            return self._process
        if self._process is not None:
            if self.restarts_left <= 0:
                raise WorkerDied(self.failure)
            self.restarts_left -= 1
            self._process.close()
            self._process = None
        self._start()
        return self._process

    def _drain(self, stream) -> None:
        while True:
            try:
                chunk = stream.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self._stderr_tail += chunk
            del self._stderr_tail[:-65536]

    # -- frames

    def _receive(self, seconds: float, *, what: str) -> dict:
        process = self._process
        stream = process.popen.stdout
        deadline = time.monotonic() + seconds
        data = bytearray()
        need = worker.HEADER.size
        while len(data) < need:
            left = deadline - time.monotonic()
            if left <= 0:
                self._fail(f"{what} ran past its time limit of {seconds:g} s", timeout=True)
            readable, _, _ = select.select([stream], [], [], min(left, 0.5))
            if not readable:
                continue
            chunk = os.read(stream.fileno(), need - len(data))
            if not chunk:
                self._fail(self._death_reason())
            data += chunk
            if len(data) == worker.HEADER.size and need == worker.HEADER.size:
                (size,) = worker.HEADER.unpack(bytes(data))
                if size > worker.MAX_FRAME:
                    self._fail("the worker sent a message larger than 1 MiB")
                need += size
        try:
            import json

            message = json.loads(bytes(data[worker.HEADER.size:]).decode("utf-8"))
        except ValueError:
            self._fail("the worker sent a message that is not JSON")
        if type(message) is not dict:
            self._fail("the worker sent a message that is not a JSON object")
        return message

    def _send(self, message: dict) -> None:
        try:
            worker.write_frame(self._process.popen.stdin, message)
        except (OSError, ValueError):
            self._fail(self._death_reason())

    def _death_reason(self) -> str:
        process = self._process
        try:
            process.popen.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        if process.control.memory_exceeded():
            return f"the worker was killed: memory limit {self.limits.memory_mb} MiB"
        code = process.popen.returncode
        from grader.sandbox.run import killed_by_signal

        sig = killed_by_signal(code, sandboxed=self.sandbox)
        if sig is not None:
            return f"the worker was killed by signal {sig}"
        if code is None:
            return "the worker closed its channel to the judge"
        return f"the worker exited with status {code} (the student's code ended the process)"

    def _fail(self, reason: str, *, timeout: bool = False):
        """The worker is gone (or is made to be): kill the job, remember why, raise."""
        if self._process is not None:
            self._process.kill()
        self.failure = reason
        self.events.append(reason)
        raise (StudentTimeout if timeout else WorkerDied)(reason)

    # -- one operation

    def _serve(self, name: str, seconds: float, label: str) -> None:
        self._worker()
        self._send({"call": name})
        reply = self._receive(seconds, what=label)
        if reply.get("done") != name:
            self._fail("the worker answered a different request")


# ---------------------------------------------------------------- files across the boundary


def _make_call_folder(job_dir: Path, name: str, staging: Path) -> int:
    """Create ``job_dir/name/request`` from ``staging`` without following any link; return the folder's fd."""
    job_fd = os.open(job_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.mkdir(name, 0o755, dir_fd=job_fd)
        folder_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=job_fd)
    finally:
        os.close(job_fd)
    os.mkdir("request", 0o755, dir_fd=folder_fd)
    os.mkdir("outcome", 0o755, dir_fd=folder_fd)
    request_fd = os.open("request", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder_fd)
    try:
        for source in staging.iterdir():
            target = os.open(source.name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644,
                             dir_fd=request_fd)
            with open(target, "wb") as out, open(source, "rb") as data:
                shutil.copyfileobj(data, out)
    finally:
        os.close(request_fd)
    return folder_fd


def _copy_out(folder_fd: int, name: str, destination: Path, max_bytes: int) -> None:
    """Copy the outcome's regular files (payload.json, aN.npy) into ``destination``, at most ``max_bytes``."""
    try:
        outcome_fd = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=folder_fd)
    except OSError:
        raise codec.CodecError("the outcome folder is missing or not a folder") from None
    destination.mkdir(parents=True)
    total = 0
    try:
        for entry in os.listdir(outcome_fd):
            if entry not in _FILE_NAMES and not codec._ARRAY_FILE.match(entry):
                continue
            try:
                fd = os.open(entry, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=outcome_fd)
            except OSError:
                raise codec.CodecError(f"{entry} in the outcome is not a plain file") from None
            with open(fd, "rb") as source:
                if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                    raise codec.CodecError(f"{entry} in the outcome is not a plain file")
                with open(destination / entry, "wb") as out:
                    while chunk := source.read(1 << 20):
                        total += len(chunk)
                        if total > max_bytes:
                            raise codec.CodecError(f"returned more than {max_bytes / 2**20:g} MiB of data")
                        out.write(chunk)
    finally:
        os.close(outcome_fd)
