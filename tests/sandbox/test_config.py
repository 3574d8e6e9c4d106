"""Limits from grader.toml, the bwrap command line (GPU, environment) and the doctor's probe."""

from __future__ import annotations

import pytest

from grader.sandbox import bwrap
from grader.sandbox.limits import SandboxLimits
from grader.sandbox.run import probe


class FakeCourse:
    def __init__(self, values):
        self.values = values

    def get(self, section, key):
        assert section == "sandbox"
        return self.values[key]


def test_limits_come_from_the_course_and_overrides():
    course = FakeCourse({"memory_mb": 2048, "max_processes": 128, "tmp_mb": 64, "wall_seconds": 300,
                         "max_output_mb": 16})
    limits = SandboxLimits.from_course(course, wall_seconds=60, gpu="1")
    assert (limits.memory_mb, limits.max_processes, limits.tmp_mb, limits.wall_seconds, limits.max_output_mb,
            limits.gpu) == (2048, 128, 64, 60, 16, "1")
    assert SandboxLimits.from_course(None) == SandboxLimits()
    with pytest.raises(ValueError, match="memory_mb must be a positive number"):
        SandboxLimits(memory_mb=0)
    with pytest.raises(ValueError, match="GPU index"):
        SandboxLimits(gpu="all")


def test_the_command_line_isolates_and_clears_the_environment(tmp_path):
    argv = bwrap.build_argv(["python3", "x.py"], tmp_path, SandboxLimits(tmp_mb=32))
    for flag in ("--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                 "--die-with-parent", "--new-session", "--clearenv"):
        assert flag in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert argv[-3:] == ["--", "python3", "x.py"]
    assert ["--bind", str(tmp_path.resolve()), "/job"] == argv[argv.index("--bind"):argv.index("--bind") + 3]
    env = {argv[i + 1]: argv[i + 2] for i, arg in enumerate(argv) if arg == "--setenv"}
    assert env["HOME"] == "/job" and env["CUDA_VISIBLE_DEVICES"] == ""
    assert not any("nvidia" in arg for arg in argv)
    if bwrap.bwrap_version() >= (0, 5):
        assert argv[argv.index("/tmp") - 2:argv.index("/tmp")] == [str(32 * 2**20), "--tmpfs"]


def test_a_gpu_job_gets_the_device_nodes_and_one_visible_gpu(tmp_path, monkeypatch):
    nodes = {"/dev/nvidiactl", "/dev/nvidia-uvm"}
    monkeypatch.setattr(bwrap.os.path, "exists", lambda path: path in nodes)
    monkeypatch.setattr(bwrap.glob, "glob", lambda pattern: ["/dev/nvidia0", "/dev/nvidia1"]
                        if pattern == "/dev/nvidia[0-9]*" else [])
    argv = bwrap.build_argv(["true"], tmp_path, SandboxLimits(gpu="1"), executable="/nonexistent/bwrap")
    bound = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--dev-bind"]
    assert bound == ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia0", "/dev/nvidia1"]
    env = {argv[i + 1]: argv[i + 2] for i, arg in enumerate(argv) if arg == "--setenv"}
    assert env["CUDA_VISIBLE_DEVICES"] == "1"


def test_thread_pools_are_sized_to_the_jobs_cpu_allowance():
    from grader.sandbox.limits import available_cpus

    env = bwrap.sandbox_env(SandboxLimits(cpus=3))
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                 "TF_NUM_INTEROP_THREADS"):
        assert env[name] == "3", name
    assert bwrap.sandbox_env(SandboxLimits())["TF_NUM_INTRAOP_THREADS"] == str(available_cpus())
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="SandboxLimits.cpus must be a whole number of CPUs"):
            SandboxLimits(cpus=bad)


def test_probe_reports_each_part_with_a_fix_when_it_fails():
    checks = probe()
    assert [name for name, *_ in checks] == ["bubblewrap", "user namespaces", "cgroups", "GPU device nodes"]
    for name, ok, detail, fix in checks:
        assert isinstance(ok, bool) and detail
        assert ok or fix, f"{name} failed without a fix"
    bwrap_ok = dict((name, ok) for name, ok, *_ in checks)["bubblewrap"]
    assert bwrap_ok == (bwrap.bwrap_executable() is not None)


def test_a_python_environment_under_tmp_stays_visible(monkeypatch, tmp_path):
    """A checkout in /tmp/... (CI clones there) binds its .venv on top of the private /tmp, not under it."""
    from grader.sandbox import bwrap
    from grader.sandbox.limits import SandboxLimits

    venv = "/tmp/some-checkout/.venv"
    monkeypatch.setattr(bwrap, "_python_dirs", lambda: [venv])
    argv = bwrap.build_argv(["python3"], tmp_path, SandboxLimits(), executable="/usr/bin/bwrap")
    tmpfs_tmp = max(i for i, arg in enumerate(argv) if arg == "--tmpfs" and argv[i + 1] == "/tmp")
    bind_venv = argv.index(venv)
    assert argv[bind_venv - 1] == "--ro-bind" and bind_venv > tmpfs_tmp
