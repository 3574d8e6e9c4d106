"""Step 2: run the notebook in a kernel inside the sandbox, within its time limits.

The kernel (student code) runs under bubblewrap, in a
:class:`grader.sandbox.kernel_session.KernelSession`; the client that sends
cells and reads replies (nbclient) stays here, outside. Limits come from
``assignment.toml`` (``[limits] cell_seconds``, ``notebook_seconds``).

``execute(notebook, session=...)`` runs the cells in a session the caller
holds and leaves it running, so the judge (step 3) talks to the same process;
without ``session`` the kernel is stopped before ``execute`` returns.

A cell that runs past its limit (or past what is left of the notebook's) is
interrupted; cells after it never run. If the kernel answers the interrupt
within a few seconds it is kept, with what the cells before the stuck one
defined; if not, it is stopped (``ExecutionReport.kernel_kept``).

Three rules make the result trustworthy, where nbgrader's Execute is not:

* A cell's result is the kernel's *execute reply*, not its display: a student who
  silences tracebacks (``get_ipython().showtraceback = ...``) still fails the cell,
  because we add the error output the reply reports.
* A kernel that dies or hangs fails the cell it was running and every graded cell
  after it; cells that never ran never pass.
* Output is capped while it arrives (a flood cannot fill the grader's memory) and
  then trimmed as nbgrader's LimitOutput does.

A guard snapshots numpy's functions, the builtins and IPython's traceback
display before the first student cell and compares them after the last cell
that ran (as long as the kernel lives); any replacement marks the run
``tampered`` (a best-effort tripwire: the judge, which runs outside, is the
authority).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.kernel_session import MAX_CELL_OUTPUT_BYTES, KernelSession  # noqa: F401 (re-exported)

GUARD_SECONDS = 10  # the guard's check after the last cell takes milliseconds; a notebook may not stretch it

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
    kernel_kept: bool = False  # the kernel still runs, holding what the cells that ran defined
    trouble: str = ""  # what went wrong talking to the kernel, for the instructor

    @property
    def finished(self) -> bool:
        """Every cell ran (some may have raised): the notebook did not stop early."""
        return self.status == "graded"

    def to_dict(self) -> dict:
        return {"status": self.status, "message": self.message, "seconds": round(self.seconds, 3),
                "cells": self.cells, "guard_changes": self.guard_changes, "output_truncated": self.output_truncated,
                "kernel_kept": self.kernel_kept, "trouble": self.trouble}


def is_graded_test_cell(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and bool(meta.get("grade")) and not meta.get("solution")


def error_output(ename: str, evalue: str):
    from nbformat.v4 import new_output

    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def execute(notebook, *, job_dir: Path, cell_seconds: float, notebook_seconds: float, sandbox: bool = True,
            limits=None, max_output_lines: int = 1000, session: KernelSession | None = None) -> ExecutionReport:
    """Run every code cell of ``notebook`` (in place) in a fresh kernel; return what happened.

    With ``session`` (made for this ``notebook``, not started) the kernel runs in it and is left
    running when it still answers (``report.kernel_kept``); the caller stops it.
    """
    report = ExecutionReport()
    started = time.monotonic()
    own = session is None
    session = session if session is not None else KernelSession(notebook, job_dir=job_dir, sandbox=sandbox,
                                                                 limits=limits)
    failed_at: int | None = None
    try:
        session.start()
    except Exception as exc:
        report.status = _death_reason(session)
        report.message = f"the kernel could not run the notebook: {str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__}"
        failed_at = _first_unrun(notebook, report)
    else:
        session.run_hidden(GUARD_SNAPSHOT, max(5.0, cell_seconds))
        failed_at = _run_cells(session, notebook, report, cell_seconds, started + notebook_seconds)
        if session.alive:
            report.guard_changes = _probe_guard(session, GUARD_SECONDS)
    if own:
        session.stop()
    report.kernel_kept = session.alive
    report.trouble = session.trouble
    if failed_at is not None:
        _fail_remaining(notebook, failed_at, report)
    report.output_truncated = session.output_truncated
    _drop_library_noise(notebook)
    _limit_output(notebook, max_output_lines)
    report.seconds = time.monotonic() - started
    return report


def _death_reason(session: KernelSession) -> str:
    """``memory_limit`` when the sandbox says the kernel went over its memory, else ``crashed``."""
    session.stop()  # the sandbox knows only once the job was ended
    return "memory_limit" if session.memory_limit_hit else "crashed"


def _run_cells(session: KernelSession, notebook, report, cell_seconds, deadline) -> int | None:
    """Run the cells in order; the index of the cell where the kernel died or hung, else None."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            report.status, report.message = "timeout", "the notebook ran past its time limit"
            return index
        run = session.run_cell(cell, index, min(cell_seconds, remaining))
        if run.status == "timeout":
            whole = remaining < cell_seconds
            report.status = "timeout"
            report.message = ("the notebook ran past its time limit" if whole else
                              f"cell {index + 1} ran past the per-cell limit of {int(cell_seconds)} s")
            if not run.kept:
                report.message += "; the kernel did not answer the interrupt and was stopped"
            _record_cell(report, cell, index, run, ok=False)
            return index
        if run.status == "dead":
            report.status = _death_reason(session)
            report.message = (f"the kernel went over the memory limit in cell {index + 1}"
                              if report.status == "memory_limit" else f"the kernel died in cell {index + 1}")
            _record_cell(report, cell, index, run, ok=False)
            return index
        ok = run.status == "ok"
        if not ok and not any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            # The kernel says the cell failed but no traceback was shown: the display was tampered with.
            cell.outputs.append(error_output(str(run.reply.get("ename") or "Error"),
                                             str(run.reply.get("evalue") or "the cell raised an exception")))
        _record_cell(report, cell, index, run, ok=ok)
    return None


def _record_cell(report, cell, index, run, *, ok: bool) -> None:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    report.cells.append({"index": index, "grade_id": grade_id, "seconds": round(run.seconds, 3), "ok": ok})


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


def _probe_guard(session: KernelSession, seconds: float) -> list[str]:
    """Names the student's code replaced since the snapshot (or why the guard could not tell)."""
    nonce = secrets.token_hex(8)
    run = session.run_hidden(GUARD_PROBE.replace("{nonce}", nonce), seconds)
    if run.status not in ("ok", "error"):
        return ["guard-unanswered"]
    text = "".join(o.get("text", "") for o in run.outputs if o.get("output_type") == "stream")
    marker = f"CNNKIT-GUARD {nonce} ["
    if marker not in text:
        return ["guard-unreadable"]
    inside = text.split(marker, 1)[1].split("]", 1)[0]
    return [name for name in inside.split(",") if name]


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
