"""One live kernel in the sandbox and the client (nbclient, here, outside) that talks to it.

A submission gets one session: it runs the notebook's cells
(:mod:`grader.autograde.execute`), then serves the judge's requests as hidden
cells in the same process (:mod:`grader.sandbox.kernel_backend`), so the
student's code, TensorFlow and the data are loaded once. Stopping the session
kills every process of the kernel's job.

    session = KernelSession(notebook, job_dir=job, limits=limits)
    session.start()
    run = session.run_cell(notebook.cells[3], 3, seconds=120)
    run.status       # "ok" | "error" | "timeout" | "dead"
    session.alive    # False once the kernel died or was stopped
    session.stop()

A cell that runs past its time is interrupted (a message on the kernel's
control channel, see :mod:`grader.sandbox.kernel`) and the kernel gets
:data:`INTERRUPT_SECONDS` to answer a trivial cell. If it answers, the session
lives on and the namespace keeps what the earlier cells defined; if not, the
kernel is stopped and never started again.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

MAX_CELL_OUTPUT_BYTES = 1024 * 1024
KERNEL_START_SECONDS = 60
INTERRUPT_SECONDS = 5
IOPUB_SECONDS = 4  # nbclient's wait for a cell's last output after its reply (its default)
TIMEOUT_ENAME = "CellTimeoutError"


@dataclass
class CellRun:
    """How one cell ran: ``status`` ok / error / timeout / dead, the kernel's reply, the time it took.

    After a timeout, ``kept`` says whether the kernel answered the interrupt (and lives on).
    ``outputs`` are a hidden cell's outputs (a notebook cell keeps its own).
    """

    status: str
    seconds: float
    reply: dict = field(default_factory=dict)
    kept: bool = True
    outputs: list = field(default_factory=list)


def _capped_client_class():
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


class KernelSession:
    """A sandboxed kernel for one notebook (an nbformat node), from its start to :meth:`stop`.

    ``sandbox=False`` runs the kernel without bubblewrap (still in its own job,
    so limits and the final kill of every process still apply).
    """

    def __init__(self, notebook, *, job_dir: str | Path, sandbox: bool = True, limits=None,
                 kernel_name: str = "python3"):
        from grader.sandbox.kernel import SandboxedKernelManager
        from grader.sandbox.limits import SandboxLimits

        self.notebook = notebook
        self.job_dir = Path(job_dir).resolve()
        self.sandbox = sandbox
        self.limits = limits if limits is not None else SandboxLimits()
        # An async manager: nbclient polls the kernel's liveness and the cell's timeout on one event
        # loop, which a blocking client would stall forever once the kernel is dead.
        self.km = SandboxedKernelManager(kernel_name=kernel_name, limits=limits, job_dir=str(self.job_dir),
                                         sandbox=sandbox)
        self._timeout_token = secrets.token_hex(8)
        self._replies: dict[int, dict] = {}
        self.client = _capped_client_class()(
            notebook, km=self.km, timeout=60, allow_errors=True, record_timing=False,
            startup_timeout=KERNEL_START_SECONDS, iopub_timeout=IOPUB_SECONDS, interrupt_on_timeout=True,
            error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": self._timeout_token, "traceback": []},
            resources={"metadata": {"path": str(self.job_dir)}}, on_cell_executed=self._replied)
        self.client.output_bytes, self.client.truncated = {}, set()
        self.stopped = False
        self.exit_code: int | None = None
        self.trouble = ""  # what went wrong talking to the kernel, for the instructor

    @property
    def inside_job_dir(self) -> str:
        """The job directory as the kernel sees it."""
        from grader.sandbox import bwrap

        return bwrap.JOB_DIR if self.sandbox else str(self.job_dir)

    @property
    def output_truncated(self) -> bool:
        return bool(self.client.truncated)

    def _replied(self, cell, cell_index, execute_reply):
        self._replies[cell_index] = execute_reply.get("content", {}) if isinstance(execute_reply, dict) else {}

    # -- life cycle

    def __enter__(self) -> "KernelSession":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        """Start the kernel and connect to it (raises when it cannot start; the session is then stopped)."""
        try:
            self.client.start_new_kernel(cwd=str(self.job_dir))
            self.client.start_new_kernel_client()
        except BaseException:
            self.stop()
            raise

    @property
    def alive(self) -> bool:
        if self.stopped or not self.km.has_kernel:
            return False
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def stop(self) -> None:
        """Stop the kernel and (the sandbox's manager does this) kill every process of its job. Idempotent."""
        if self.stopped:
            return
        self.stopped = True
        from jupyter_core.utils import run_sync

        process = getattr(getattr(self.km, "provisioner", None), "process", None)

        async def shutdown():
            if self.km.has_kernel:
                await self.km.shutdown_kernel(now=True)

        async def cleanup():
            await self.km.cleanup_resources()

        try:
            self.exit_code = process.poll() if process is not None else None
            run_sync(shutdown)()
        except Exception:
            try:
                run_sync(cleanup)()
            except Exception:
                pass
        try:
            self.client.kc and self.client.kc.stop_channels()
        except Exception:
            pass

    @property
    def memory_limit_hit(self) -> bool:
        """Whether the kernel's job went over its memory limit (known once the session is stopped)."""
        return bool(getattr(self.km, "memory_limit_hit", False))

    def death_reason(self) -> str:
        """Why the stopped kernel ended, in words: its memory limit, a signal, or an exit status."""
        from grader.sandbox.run import killed_by_signal

        self.stop()
        if self.memory_limit_hit:
            return f"was killed: memory limit {self.limits.memory_mb} MiB"
        signal_number = killed_by_signal(self.exit_code, sandboxed=self.sandbox)
        if signal_number is not None:
            return f"was killed by signal {signal_number}"
        if self.exit_code is not None:
            return f"exited with status {self.exit_code} (the student's code ended the process)"
        return "stopped answering"

    # -- cells

    def run_cell(self, cell, index: int, seconds: float, *, store_history: bool = True) -> CellRun:
        """Run one cell (written back into the notebook at ``index``) within ``seconds``.

        A cell that runs past ``seconds`` is interrupted; when the kernel does not
        answer within :data:`INTERRUPT_SECONDS` it is stopped (``kept`` is False).
        """
        run = self._execute(cell, index, seconds, store_history=store_history)
        if run.status == "timeout" and run.kept:
            self.client.iopub_timeout = 1  # "pass" prints nothing: its reply is all we wait for
            try:
                answer = self.run_hidden("pass", INTERRUPT_SECONDS, recover=False)
            finally:
                self.client.iopub_timeout = IOPUB_SECONDS
            run.kept = answer.status in ("ok", "error")
            if not run.kept:
                self.trouble = self.trouble or "the kernel did not answer the interrupt"
                self.stop()
        return run

    def run_hidden(self, code: str, seconds: float, *, recover: bool = True) -> CellRun:
        """Run ``code`` as a cell the notebook does not keep (no history, outputs dropped)."""
        from nbformat.v4 import new_code_cell

        cell = new_code_cell(code)
        # nbclient writes the executed cell back at its index: lend it a place at the end, then take it back.
        self.client.nb.cells.append(cell)
        index = len(self.client.nb.cells) - 1
        try:
            if recover:
                run = self.run_cell(cell, index, seconds, store_history=False)
            else:
                run = self._execute(cell, index, seconds, store_history=False)
            run.outputs = list(cell.get("outputs", []))
            return run
        finally:
            self.client.nb.cells.pop()
            self._replies.pop(index, None)

    def _execute(self, cell, index: int, seconds: float, *, store_history: bool) -> CellRun:
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        began = time.monotonic()
        if not self.alive:
            return CellRun("dead", 0.0, kept=False)
        self.client.timeout = max(1, int(round(seconds)))
        self._replies.pop(index, None)
        try:
            self.client.execute_cell(cell, index, store_history=store_history)
        except DeadKernelError:
            self.stop()
            return CellRun("dead", time.monotonic() - began, kept=False)
        except CellTimeoutError:  # the kernel gave no reply and no last output: treat as unanswered
            self.trouble = self.trouble or "the kernel timed out without a reply"
            self.stop()
            return CellRun("timeout", time.monotonic() - began, kept=False)
        except Exception as exc:  # garbage on the kernel's channels: that kernel is done for
            self.trouble = self.trouble or f"talking to the kernel failed: {type(exc).__name__}: {str(exc)[:200]}"
            self.stop()
            return CellRun("dead", time.monotonic() - began, kept=False)
        elapsed = time.monotonic() - began
        reply = self._replies.get(index, {})
        if reply.get("ename") == TIMEOUT_ENAME and reply.get("evalue") == self._timeout_token:
            return CellRun("timeout", elapsed)
        return CellRun("ok" if reply.get("status") == "ok" else "error", elapsed, reply=reply)
