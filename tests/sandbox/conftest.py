"""Fixtures for the sandbox tests: real bubblewrap, real cgroups, tiny limits.

Tests that need bubblewrap are skipped (with the reason) only where it is
missing or cannot start a sandbox; tests that need a cgroup controller say so.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
import uuid

import pytest

from grader.sandbox import bwrap
from grader.sandbox.cgroups import detect
from grader.sandbox.limits import SandboxLimits

PYTHON = sys.executable


@functools.lru_cache(maxsize=None)
def bwrap_problem() -> str | None:
    executable = bwrap.bwrap_executable()
    if executable is None:
        return "bubblewrap (bwrap) is not installed"
    with tempfile.TemporaryDirectory() as job:
        argv = bwrap.build_argv(["/bin/true"], job, SandboxLimits())
        result = subprocess.run(argv, capture_output=True, text=True, env={})
    if result.returncode != 0:
        return f"bwrap cannot start a sandbox here (user namespaces?): {result.stderr.strip()[:200]}"
    return None


@pytest.fixture
def needs_bwrap():
    problem = bwrap_problem()
    if problem:
        pytest.skip(problem)


@pytest.fixture
def needs_pids_cgroup():
    support = detect()
    if not support.limits_processes:
        pytest.skip(f"no pids cgroup to limit process count: {support.detail}")


@pytest.fixture
def job(tmp_path):
    directory = tmp_path / "job"
    directory.mkdir()
    return directory


@pytest.fixture
def limits():
    return SandboxLimits(memory_mb=256, max_processes=64, tmp_mb=16, wall_seconds=20, max_output_mb=4)


@pytest.fixture
def marker():
    """A unique word to find the job's processes by their command line."""
    return f"cnnkit-marker-{uuid.uuid4().hex}"


def processes_with(marker: str) -> list[int]:
    import psutil

    found = []
    for process in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if any(marker in part for part in process.info["cmdline"] or []):
                if process.pid != os.getpid():
                    found.append(process.pid)
        except psutil.Error:
            pass
    return found
