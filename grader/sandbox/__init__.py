"""The sandbox: where student code runs, and nothing else does.

Student code runs under bubblewrap (new user, PID, network, IPC and UTS
namespaces; a read-only system; one writable job directory) with memory and
process limits from cgroups and a wall-clock limit that kills the whole job.
The judge never runs here; only inert data crosses (see grader.judge.codec).

    from grader.sandbox import SandboxLimits, run_sandboxed
    result = run_sandboxed(["python3", "-c", "print(1)"], job_dir, SandboxLimits(wall_seconds=30))
    result.verdict   # "ok" | "timeout" | "memory_limit" | "crashed" | "killed" | "output_limit"

Modules: limits (SandboxLimits), cgroups (detect, JobControl), bwrap (argv),
run (SandboxedProcess, run_sandboxed, probe), kernel (SandboxedKernelManager
for nbclient), kernel_session (one live kernel: the notebook's cells, then the
judge's hidden cells), kernel_backend (KernelBackend: the judge's proxy to that
kernel), backend (FolderBackend, SandboxBackend: a fresh worker that loads the
code, for restarts), worker (runs inside).
Heavy parts are imported lazily so the worker's runtime copy stays small.
"""

from __future__ import annotations

__all__ = ["SandboxBackend", "SandboxLimits", "SandboxResult", "SandboxedKernelManager", "SandboxedProcess",
           "detect", "probe", "run_sandboxed"]

_WHERE = {
    "SandboxLimits": "grader.sandbox.limits",
    "SandboxResult": "grader.sandbox.run",
    "SandboxedProcess": "grader.sandbox.run",
    "run_sandboxed": "grader.sandbox.run",
    "probe": "grader.sandbox.run",
    "detect": "grader.sandbox.cgroups",
    "SandboxBackend": "grader.sandbox.backend",
    "SandboxedKernelManager": "grader.sandbox.kernel",
}


def __getattr__(name):
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'grader.sandbox' has no attribute {name!r}")
