"""Step 2: run the notebook in a kernel inside the sandbox, within its time limits.

The kernel (student code) runs under bubblewrap through the sandbox's
``SandboxedKernelManager``; the client that sends cells and reads replies
(nbclient) stays here, outside. Limits come from ``assignment.toml``
(``[limits] cell_seconds``, ``notebook_seconds``).

Three rules make the result trustworthy, where nbgrader's Execute is not:

* A cell's result is the kernel's *execute reply*, not its display: a student who
  silences tracebacks (``get_ipython().showtraceback = ...``) still fails the cell,
  because we add the error output the reply reports.
* A kernel that dies or hangs fails the cell it was running and every graded cell
  after it; cells that never ran never pass.
* Output is capped while it arrives (a flood cannot fill the grader's memory) and
  then trimmed as nbgrader's LimitOutput does.

A guard snapshots numpy's functions, the builtins and IPython's traceback
display before the first student cell and compares them after the last; any
replacement marks the run ``tampered`` (a best-effort tripwire: the judge, which
runs outside, is the authority).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

MAX_CELL_OUTPUT_BYTES = 1024 * 1024
KERNEL_START_SECONDS = 60

GUARD_SNAPSHOT = r'''
def _cnnkit_guard_install():
    import builtins, sys, types
    import numpy, numpy.testing
    def fingerprint():
        items = {}
        for module in (builtins, numpy, numpy.testing):
            for name, value in list(vars(module).items()):
                if not name.startswith("_") and callable(value):
                    items[module.__name__ + "." + name] = value
        shell = get_ipython()
        for name in ("showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_code",
                     "run_ast_nodes", "run_cell_async"):
            items["IPython." + name] = (name in vars(shell), getattr(type(shell), name, None))
        items["sys.excepthook"] = sys.excepthook
        items["AssertionError"] = AssertionError
        return items
    guard = types.ModuleType("_cnnkit_guard")
    guard.fingerprint = fingerprint
    guard.snapshot = fingerprint()
    sys.modules["_cnnkit_guard"] = guard
_cnnkit_guard_install()
del _cnnkit_guard_install
'''

GUARD_PROBE = r'''
def _cnnkit_guard_probe():
    import sys
    guard = sys.modules.get("_cnnkit_guard")
    if guard is None:
        return "guard-removed"
    now = guard.fingerprint()
    changed = sorted(name for name, value in guard.snapshot.items()
                     if name not in now or now[name] is not value and now[name] != value)
    return ",".join(changed[:20])
print("CNNKIT-GUARD {nonce} [" + _cnnkit_guard_probe() + "]")
del _cnnkit_guard_probe
'''


@dataclass
class ExecutionReport:
    """How the run went: a status (graded, timeout, memory_limit, crashed) and per-cell facts."""

    status: str = "graded"
    message: str = ""
    seconds: float = 0.0
    cells: list[dict] = field(default_factory=list)
    guard_changes: list[str] = field(default_factory=list)
    output_truncated: bool = False

    def to_dict(self) -> dict:
        return {"status": self.status, "message": self.message, "seconds": round(self.seconds, 3),
                "cells": self.cells, "guard_changes": self.guard_changes, "output_truncated": self.output_truncated}


def is_graded_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def error_output(ename: str, evalue: str):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def make_kernel_manager(*, sandbox: bool, limits=None, job_dir: Path, kernel_name: str = "python3"):
    """The sandbox's kernel manager; with ``sandbox=False`` it runs the kernel without bubblewrap
    (still in its own job, so limits and the final kill of every process still apply)."""
    # An async manager: nbclient polls the kernel's liveness and the cell's timeout on one event
    # loop, which a blocking client would stall forever once the kernel is dead.
    from grader.sandbox import SandboxedKernelManager

    return SandboxedKernelManager(kernel_name=kernel_name, limits=limits, job_dir=str(job_dir), sandbox=sandbox)


def _death_reason(km) -> str:
    """``memory_limit`` when the sandbox says the kernel went over its memory, else ``crashed``.

    The sandbox knows only after the job was ended, so ask after :func:`_shutdown`.
    """
    return "memory_limit" if getattr(km, "memory_limit_hit", False) else "crashed"


def _client_class():
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        """nbclient's client, keeping at most ``MAX_CELL_OUTPUT_BYTES`` of output per cell."""

        output_bytes: dict = {}
        truncated: set = set()

        def output(self, outs, msg, display_id, cell_index):
            if msg["msg_type"] != "error":
                size = len(json.dumps(msg.get("content", {}), default=str))
                used = self.output_bytes.get(cell_index, 0) + size
                self.output_bytes[cell_index] = used
                if used > MAX_CELL_OUTPUT_BYTES:
                    self.truncated.add(cell_index)
                    return None
            return super().output(outs, msg, display_id, cell_index)

    return CappedClient


def execute(notebook, *, job_dir: Path, cell_seconds: float, notebook_seconds: float, sandbox: bool = True,
            limits=None, max_output_lines: int = 1000) -> ExecutionReport:
    """Run every code cell of ``notebook`` (in place) in a fresh kernel; return what happened."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    report = ExecutionReport()
    started = time.monotonic()
    deadline = started + notebook_seconds
    km = make_kernel_manager(sandbox=sandbox, limits=limits, job_dir=job_dir)
    replies: dict[int, dict] = {}

    def on_cell_executed(cell, cell_index, execute_reply):
        replies[cell_index] = execute_reply.get("content", {}) if isinstance(execute_reply, dict) else {}

    client = _client_class()(notebook, km=km, timeout=int(cell_seconds), allow_errors=True, record_timing=False,
                             startup_timeout=KERNEL_START_SECONDS, interrupt_on_timeout=False,
                             resources={"metadata": {"path": str(job_dir)}}, on_cell_executed=on_cell_executed)
    client.output_bytes, client.truncated = {}, set()
    failed_at: int | None = None
    try:
        try:
            with client.setup_kernel(cwd=str(job_dir)):
                _run_silently(client, GUARD_SNAPSHOT, cell_seconds)
                failed_at = _run_cells(client, notebook, report, replies, cell_seconds, deadline,
                                       CellTimeoutError, DeadKernelError, km)
                if failed_at is None:
                    report.guard_changes = _probe_guard(client, cell_seconds)
        except (DeadKernelError, RuntimeError, TimeoutError, OSError) as exc:
            if report.status == "graded":
                report.status = _death_reason(km)
                report.message = f"the kernel could not run the notebook: {str(exc).splitlines()[0][:200]}"
            failed_at = failed_at if failed_at is not None else _first_unrun(notebook, report)
    finally:
        _shutdown(km)
    if report.status == "crashed" and _death_reason(km) == "memory_limit":
        report.status = "memory_limit"
        report.message = report.message.replace("the kernel died", "the kernel went over the memory limit")
    if failed_at is not None:
        _fail_remaining(notebook, failed_at, report)
    report.output_truncated = bool(client.truncated)
    _drop_library_noise(notebook)
    _limit_output(notebook, max_output_lines)
    report.seconds = time.monotonic() - started
    return report


def _run_cells(client, notebook, report, replies, cell_seconds, deadline, CellTimeoutError, DeadKernelError, km):
    """Run the cells in order; the index of the cell where the kernel died or hung, else None."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            report.status, report.message = "timeout", "the notebook ran past its time limit"
            return index
        client.timeout = max(1, int(min(cell_seconds, remaining)))
        began = time.monotonic()
        try:
            client.execute_cell(cell, index)
        except CellTimeoutError:
            whole = client.timeout < cell_seconds
            report.status = "timeout"
            report.message = ("the notebook ran past its time limit" if whole else
                              f"cell {index + 1} ran past the per-cell limit of {int(cell_seconds)} s")
            _record_cell(report, cell, index, began, ok=False)
            return index
        except DeadKernelError:
            report.status = _death_reason(km)
            report.message = f"the kernel died in cell {index + 1}"
            _record_cell(report, cell, index, began, ok=False)
            return index
        reply = replies.get(index, {})
        ok = reply.get("status") == "ok"
        if not ok and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            # The kernel says the cell failed but no traceback was shown: the display was tampered with.
            cell.outputs.append(error_output(str(reply.get("ename") or "Error"),
                                             str(reply.get("evalue") or "the cell raised an exception")))
        _record_cell(report, cell, index, began, ok=ok)
    return None


def _record_cell(report, cell, index, began, *, ok: bool) -> None:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    report.cells.append({"index": index, "grade_id": grade_id, "seconds": round(time.monotonic() - began, 3), "ok": ok})


def _first_unrun(notebook, report) -> int:
    ran = {c["index"] for c in report.cells}
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and index not in ran:
            return index
    return len(notebook.cells)


def _fail_remaining(notebook, failed_at: int, report) -> None:
    """Every graded test cell from ``failed_at`` on gets an error output: it never ran, so it never passes."""
    reason = {"timeout": "TimeoutError", "memory_limit": "MemoryError"}.get(report.status, "DeadKernelError")
    for index, cell in enumerate(notebook.cells):
        if index < failed_at or not is_graded_test_cell(cell):
            continue
        note = "this cell did not finish" if index == failed_at else "this cell did not run"
        cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
        cell.outputs.append(error_output(reason, f"{note}: {report.message}"))


def _run_silently(client, code: str, seconds: float):
    from nbformat.v4 import new_code_cell

    cell = new_code_cell(code)
    client.timeout = max(5, int(seconds))
    # nbclient writes the executed cell back at its index: lend it a place at the end, then take it back.
    client.nb.cells.append(cell)
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, store_history=False)
    finally:
        client.nb.cells.pop()
    return cell


def _probe_guard(client, seconds: float) -> list[str]:
    """Names the student's code replaced since the snapshot (or why the guard could not tell)."""
    nonce = secrets.token_hex(8)
    try:
        cell = _run_silently(client, GUARD_PROBE.replace("{nonce}", nonce), seconds)
    except Exception:
        return ["guard-unanswered"]
    text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
    marker = f"CNNKIT-GUARD {nonce} ["
    if marker not in text:
        return ["guard-unreadable"]
    inside = text.split(marker, 1)[1].split("]", 1)[0]
    return [name for name in inside.split(",") if name]


def _shutdown(km) -> None:
    """Stop the kernel and (the sandbox's manager does this) kill every process of its job."""
    from jupyter_core.utils import ensure_async, run_sync

    async def stop():
        if km.has_kernel:
            await ensure_async(km.shutdown_kernel(now=True))

    try:
        run_sync(stop)()
    except Exception:
        try:
            run_sync(lambda: ensure_async(km.cleanup_resources()))()
        except Exception:
            pass


# C++ log lines that TensorFlow/absl write to stderr on import (glog format "I0000 00:00:... file.cc:12] ..."):
# nbgrader scores any stderr in a test cell as a failure, and these are the library's, not the student's.
LIBRARY_NOISE = re.compile(r"^(?:[IWE]\d{4} \d\d:\d\d:[\d.]+ +\d+ [\w.]+:\d+\] .*"
                           r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)$")


def _drop_library_noise(notebook) -> None:
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines = output.get("text", "")
                lines = "".join(lines) if isinstance(lines, list) else lines
                text = "".join(line for line in lines.splitlines(keepends=True)
                               if not LIBRARY_NOISE.match(line.rstrip("\n")))
                if not text.strip():
                    continue
                output["text"] = text
            kept.append(output)
        cell.outputs = kept


def _limit_output(notebook, max_lines: int) -> None:
    from nbgrader.preprocessors import LimitOutput

    LimitOutput(max_lines=max_lines).preprocess(notebook, {})
