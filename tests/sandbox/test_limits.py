"""Limits: fork bombs, memory, wall clock, daemons, output floods; nothing of a job outlives it."""

from __future__ import annotations

import time

import pytest

from grader.sandbox import run_sandboxed
from grader.sandbox.cgroups import detect
from tests.sandbox.conftest import PYTHON, processes_with

pytestmark = pytest.mark.usefixtures("needs_bwrap")


def run_python(code: str, job, limits, marker: str = "", **kwargs):
    (job / "probe.py").write_text(code)
    return run_sandboxed([PYTHON, "/job/probe.py", marker], job, limits, **kwargs)


def test_fork_bomb_is_contained_by_the_pids_limit(job, limits, marker, needs_pids_cgroup):
    code = """
import os, sys, time
children = 0
refused = False
for _ in range(500):
    try:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        children += 1
    except OSError:
        refused = True
        break
print(children, refused, flush=True)
"""
    limits = limits.replace(wall_seconds=15)
    started = time.monotonic()
    result = run_python(code, job, limits, marker)
    children, refused = result.stdout.decode().split()
    assert refused == "True" and int(children) < limits.max_processes, result.stdout
    assert time.monotonic() - started < 14, "the job should end when its first process does"
    assert processes_with(marker) == []


def test_allocation_over_the_memory_limit_is_a_memory_verdict(job, limits):
    code = """
import numpy as np
blocks = []
for _ in range(64):
    blocks.append(np.ones(16 * 2**20, dtype=np.uint8))  # 16 MiB, touched
print("survived", len(blocks))
"""
    result = run_python(code, job, limits.replace(memory_mb=128))
    assert result.verdict == "memory_limit", (result.verdict, result.stdout, result.stderr)
    assert b"survived" not in result.stdout
    assert "memory limit 128 MiB" in result.detail
    if detect().mode != "watchdog":
        assert result.peak_memory_mb is not None and result.peak_memory_mb <= 128 + 1


@pytest.mark.parametrize("body", ["while True: pass", "import time; time.sleep(3600)"], ids=["loop", "sleep"])
def test_wall_clock_limit_kills_the_whole_tree(job, limits, marker, body):
    code = f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", sys.argv[1]])
{body}
"""
    started = time.monotonic()
    result = run_python(code, job, limits.replace(wall_seconds=1.5), marker)
    assert result.verdict == "timeout"
    assert 1.4 < result.wall_seconds < 6
    assert time.monotonic() - started < 8
    assert processes_with(marker) == []


def test_setsid_daemon_is_killed_when_the_job_ends(job, limits, marker):
    code = """
import os, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(3600)", sys.argv[1]])
    os._exit(0)
time.sleep(0.5)  # the daemon is running now
print("parent exits", flush=True)
"""
    result = run_python(code, job, limits, marker)
    assert result.verdict == "ok", result.stderr
    assert b"parent exits" in result.stdout
    assert processes_with(marker) == []


def test_stdout_flood_is_capped_and_stopped(job, limits):
    code = """
import sys
chunk = "y" * 65536 + "\\n"
while True:
    sys.stdout.write(chunk)
"""
    result = run_python(code, job, limits.replace(max_output_mb=4), capture_bytes=100_000)
    assert result.verdict == "output_limit"
    assert len(result.stdout) == 100_000 and result.output_truncated
    assert result.wall_seconds < 10


def test_exit_status_and_signals_are_told_apart(job, limits):
    assert run_python("import sys; sys.exit(3)", job, limits).verdict == "crashed"
    killed = run_python("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", job, limits)
    assert killed.verdict == "killed" and "SIGSEGV" in killed.detail
    assert run_python("print('fine')", job, limits).stdout == b"fine\n"


def test_no_sandbox_mode_warns_and_still_limits_time(job, limits, marker):
    from grader.sandbox.run import SandboxDisabledWarning

    with pytest.warns(SandboxDisabledWarning):
        result = run_sandboxed([PYTHON, "-c", "import time, sys; time.sleep(60)", marker], job,
                               limits.replace(wall_seconds=1), sandbox=False)
    assert result.verdict == "timeout" and not result.sandboxed
    assert processes_with(marker) == []


def test_without_cgroups_the_watchdog_limits_memory_and_kills_the_tree(job, limits, marker, monkeypatch):
    from grader.sandbox import cgroups

    monkeypatch.setattr(cgroups, "detect", lambda: cgroups.CgroupSupport("watchdog", None, None, "forced by a test"))
    code = """
import subprocess, sys, time
import numpy as np
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", sys.argv[1]])
blocks = []
for _ in range(64):
    blocks.append(np.ones(16 * 2**20, dtype=np.uint8))
    time.sleep(0.02)
print("survived")
"""
    result = run_python(code, job, limits.replace(memory_mb=128), marker)
    assert result.verdict == "memory_limit", (result.verdict, result.stderr)
    assert result.peak_memory_mb is not None and result.peak_memory_mb > 100
    assert processes_with(marker) == []
