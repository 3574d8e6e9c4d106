"""A Jupyter kernel inside the sandbox, its client (nbclient, nbgrader) outside.

``--unshare-net`` leaves the sandbox without even a loopback interface shared
with the grader, so the kernel talks over ZeroMQ's ``ipc`` transport: Unix
sockets in the job directory, which both sides see (the kernel as ``/job/...``,
the client by the host path). The kernel reads a second connection file whose
``ip`` is the inside path.

The kernel command is wrapped: ``python -m grader.sandbox.launch SPEC`` joins
the job's cgroups, sets rlimits and execs bwrap, so the kernel and everything it
starts are inside the job's limits. Shutting the kernel down kills the whole
job (daemons included) and removes its cgroups.

    manager_class = sandboxed_kernel_manager_class(job_dir, limits)
    NotebookClient(nb, kernel_manager_class=manager_class, ...).execute()

``manager.memory_limit_hit`` / ``manager.peak_memory_mb`` tell afterwards
whether the kernel was killed by the memory limit.

An interrupt is a message on the kernel's control channel (the kernel spec's
``interrupt_mode = "message"``), never a SIGINT to the process that was
started: that process is bubblewrap, which a SIGINT kills -- kernel and all.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_core.utils import run_sync
from traitlets import Any, Bool, HasTraits, Unicode

from grader.errors import SandboxError
from grader.sandbox import bwrap
from grader.sandbox.cgroups import JobControl
from grader.sandbox.limits import SandboxLimits
from grader.datasets.notebook_view import DATA_ENV as NOTEBOOK_DATA_ENV
from grader.sandbox.run import NO_SANDBOX_WARNING, job_rlimits, runtime_dir

MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes; "-<port>" comes after the prefix
INSIDE_CONNECTION_FILE = ".kernel-connection.json"
SOCKET_PREFIX = "kernel-ipc"


class _SandboxedKernelMixin(HasTraits):
    """The parts shared by the async and the blocking manager."""

    job_dir = Unicode("", help="The job directory: the kernel's /job and where its sockets live.").tag(config=True)
    limits = Any(None, help="grader.sandbox.SandboxLimits of the kernel's job (None: the defaults).")
    sandbox = Bool(True, help="False runs the kernel without bubblewrap (a loud warning each time).").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.job_dir:
            raise SandboxError("a sandboxed kernel needs a job directory (job_dir=...).")
        job = Path(self.job_dir).resolve()
        job.mkdir(parents=True, exist_ok=True)
        self.job_dir = str(job)
        prefix = str(job / SOCKET_PREFIX)
        if len(prefix) > MAX_SOCKET_PATH:
            raise SandboxError(f"the job directory path {job} is too long for kernel sockets "
                               f"(at most {MAX_SOCKET_PATH - len(SOCKET_PREFIX) - 1} characters); use a shorter one.")
        self.transport = "ipc"
        self.ip = prefix
        self._private = Path(tempfile.mkdtemp(prefix="cnnkit-kernel-"))
        self.connection_file = str(self._private / "connection.json")
        self._job: JobControl | None = None
        self.memory_limit_hit = False
        self.peak_memory_mb: float | None = None

    @property
    def job_limits(self) -> SandboxLimits:
        return self.limits if self.limits is not None else SandboxLimits()

    def _sandboxed_command(self, kernel_cmd: list[str]) -> list[str]:
        """``launch SPEC``: join cgroups, set rlimits, exec bwrap around the kernel command."""
        limits = self.job_limits
        job = Path(self.job_dir)
        inside_dir = bwrap.JOB_DIR if self.sandbox else str(job)
        info = json.loads(Path(self.connection_file).read_text())
        info["ip"] = f"{inside_dir}/{SOCKET_PREFIX}"
        (job / INSIDE_CONNECTION_FILE).write_text(json.dumps(info))
        (job / INSIDE_CONNECTION_FILE).chmod(0o644)
        host_file = os.path.realpath(self.connection_file)
        command = [f"{inside_dir}/{INSIDE_CONNECTION_FILE}" if arg == host_file else arg for arg in kernel_cmd]
        if self.kernel_spec is not None:
            self.kernel_spec.interrupt_mode = "message"  # see the module's docstring
        if any("ipykernel" in arg for arg in command):
            command.append("--IPKernelApp.log_level=CRITICAL")  # no "To connect another client" banner
        # The notebook imports `grader.datasets` from the runtime folder: the notebook view of
        # the data in <job>/data, never the kit's loaders over the held-out files.
        if self.sandbox:
            env = bwrap.sandbox_env(limits, pythonpath=bwrap.RUNTIME_DIR)
            env[NOTEBOOK_DATA_ENV] = f"{bwrap.JOB_DIR}/data"
            argv = bwrap.build_argv(command, job, limits, env=env, runtime_dir=runtime_dir())
        else:
            self.log.warning(NO_SANDBOX_WARNING)
            print(f"WARNING: {NO_SANDBOX_WARNING}", file=sys.stderr)
            env = bwrap.sandbox_env(limits, home=str(job), pythonpath=str(runtime_dir()))
            env[NOTEBOOK_DATA_ENV] = str(job / "data")
            argv = ["/usr/bin/env", "-C", str(job), "--", *command]
        self._job = JobControl(limits.memory_mb, limits.max_processes)
        spec = {"procs": self._job.procs_files(),
                "rlimits": job_rlimits(limits, processes_limited=self._job.support.limits_processes),
                "argv": argv, "env": env}
        spec_file = self._private / "launch.json"
        spec_file.write_text(json.dumps(spec))
        return [sys.executable, "-m", "grader.sandbox.launch", str(spec_file)]

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        wrapped = self._sandboxed_command(list(kernel_cmd))
        kw.pop("cwd", None)  # bwrap sets /job; without the sandbox, env -C does
        try:
            await super()._async_launch_kernel(wrapped, **kw)
        except BaseException:
            self._end_job()
            raise
        self._job.started(self.provisioner.process.pid)

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self._end_job()
        await super()._async_cleanup_resources(restart=restart)
        if not restart:
            shutil.rmtree(self._private, ignore_errors=True)

    def _end_job(self) -> None:
        """Kill every process of the kernel's job and remove its cgroups (records the memory verdict)."""
        if self._job is None:
            return
        self._job.kill_all()
        self.memory_limit_hit = self.memory_limit_hit or self._job.memory_exceeded()
        self.peak_memory_mb = self._job.peak_memory_mb()
        self._job.close()
        self._job = None

    def job_pids(self) -> set[int]:
        """Every live process of the kernel's job (empty after shutdown)."""
        return self._job.pids() if self._job is not None else set()


class SandboxedKernelManager(_SandboxedKernelMixin, AsyncKernelManager):
    """An AsyncKernelManager (nbclient's default) whose kernel runs in the sandbox."""

    # jupyter_client binds the public names to the base class's functions: rebind ours.
    cleanup_resources = _SandboxedKernelMixin._async_cleanup_resources


class SandboxedBlockingKernelManager(_SandboxedKernelMixin, KernelManager):
    """The same for the blocking KernelManager API."""

    cleanup_resources = run_sync(_SandboxedKernelMixin._async_cleanup_resources)


def sandboxed_kernel_manager_class(job_dir: str | os.PathLike, limits: SandboxLimits | None = None, *,
                                   sandbox: bool = True, blocking: bool = False) -> type:
    """A manager class bound to one job, for ``kernel_manager_class=`` of nbclient / nbgrader's Execute."""
    base = SandboxedBlockingKernelManager if blocking else SandboxedKernelManager
    bound_job, bound_limits, bound_sandbox = str(job_dir), limits, sandbox

    class BoundSandboxedKernelManager(base):
        def __init__(self, **kwargs):
            kwargs.setdefault("job_dir", bound_job)
            kwargs.setdefault("limits", bound_limits)
            kwargs.setdefault("sandbox", bound_sandbox)
            super().__init__(**kwargs)

    return BoundSandboxedKernelManager
