"""Start, watch and end one sandboxed job.

:class:`SandboxedProcess` is the one place a job is started: bubblewrap (or,
with ``sandbox=False``, the bare command and a loud warning), the job's cgroups
entered between fork and exec, rlimits for open files, file size and core
dumps, and an environment cleared to an allowlist. Ending it kills every
process of the job -- daemons that called ``setsid`` included: they stay in the
job's cgroup and in its PID namespace, whose init dies with bwrap.

:func:`run_sandboxed` runs a command to completion under a wall-clock limit
and captures its output; :func:`probe` says what of this works here.
"""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SandboxError
from grader.sandbox import bwrap
from grader.sandbox.cgroups import JobControl, detect
from grader.sandbox.limits import SandboxLimits

VERDICTS = ("ok", "timeout", "memory_limit", "crashed", "killed", "output_limit")
RUNTIME_MODULES = ("judge/__init__.py", "judge/codec.py", "judge/ops.py", "judge/kit_models.py",
                   "judge/backend.py", "sandbox/__init__.py", "sandbox/worker.py")
# Inside the sandbox a notebook imports `cnn_data`, the loader that ships in every assignment's zip
# (grader/datasets/cnn_data.py): it reads the training split that the grader wrote into the job
# directory, never the held-out data. `grader.datasets` is the same file, for notebooks released
# before cnn_data. Paths are relative to the runtime folder; origins to the grader package.
RUNTIME_ALIASES = {
    "cnn_data.py": "datasets/cnn_data.py",
    "grader/datasets/__init__.py": "datasets/cnn_data.py",
    "grader/datasets/shapes.py": '"""The shapes as PNG folders, from the notebook view."""\n'
                                 "from grader.datasets import generate_shapes  # noqa: F401\n",
}


class SandboxDisabledWarning(UserWarning):
    """Student code is running without the sandbox."""


NO_SANDBOX_WARNING = ("SANDBOX DISABLED (--no-sandbox): student code runs with the grader's rights and can read "
                      "hidden tests, labels and the gradebook. Never use this for real submissions.")


@dataclass
class SandboxResult:
    """How a job ended. ``stdout``/``stderr`` hold at most ``capture_bytes`` each."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    verdict: str
    wall_seconds: float
    peak_memory_mb: float | None
    detail: str = ""
    output_truncated: bool = False
    sandboxed: bool = True
    limits: SandboxLimits = field(default_factory=SandboxLimits)


# ---------------------------------------------------------------- the runtime folder

_runtime_lock = threading.Lock()
_runtime_dir: Path | None = None


def runtime_dir() -> Path:
    """A read-only copy of the few modules the worker needs (``grader.judge.ops``/``codec``...).

    Copied, not bound from the repository, so the sandbox never sees the rest of
    the source tree (``assignments/*/judge`` holds hidden tests). Made once per
    grader process.
    """
    global _runtime_dir
    with _runtime_lock:
        if _runtime_dir is not None and _runtime_dir.is_dir():
            return _runtime_dir
        package = Path(__file__).resolve().parent.parent
        target = Path(tempfile.mkdtemp(prefix="cnnkit-runtime-"))
        (target / "grader").mkdir()
        (target / "grader" / "__init__.py").write_text('"""cnnkit runtime inside the sandbox."""\n')
        for relative in RUNTIME_MODULES:
            destination = target / "grader" / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if relative.endswith("__init__.py"):
                destination.write_text('"""cnnkit runtime inside the sandbox."""\n')
            else:
                shutil.copyfile(package / relative, destination)
        for relative, origin in RUNTIME_ALIASES.items():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if origin.endswith(".py"):
                shutil.copyfile(package / origin, destination)
            else:
                destination.write_text(origin)
        for path in [target, *target.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        _runtime_dir = target
        atexit.register(shutil.rmtree, target, ignore_errors=True)
        return target


# ---------------------------------------------------------------- one process


def job_rlimits(limits: SandboxLimits, *, processes_limited: bool) -> dict[str, int]:
    """rlimits of a job: open files, file size, no core dumps; NPROC only without a pids cgroup.

    Never RLIMIT_AS: TensorFlow reserves far more address space than it uses.
    (RLIMIT_NPROC counts per user and is not enforced for root: a weak fallback.)
    """
    rlimits = {"NOFILE": int(limits.open_files), "FSIZE": int(limits.file_size_mb) * 2**20, "CORE": 0}
    if not processes_limited:
        rlimits["NPROC"] = int(limits.max_processes)
    return rlimits


class SandboxedProcess:
    """One job's first process, its limits, and the means to end all of it.

    ``sandbox=False`` runs ``command`` directly in ``job_dir`` (same limits where
    possible: cgroups, rlimits, tree kill) and warns loudly every time.
    """

    def __init__(self, command: list[str], job_dir: str | os.PathLike, limits: SandboxLimits, *,
                 sandbox: bool = True, runtime: bool = False, stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE):
        self.job_dir = Path(job_dir).resolve()
        if not self.job_dir.is_dir():
            raise SandboxError(f"job directory {self.job_dir} does not exist; create it before starting the job.")
        self.limits = limits
        self.sandboxed = sandbox
        runtime_path = runtime_dir() if runtime else None
        if sandbox:
            env = bwrap.sandbox_env(limits, pythonpath=bwrap.RUNTIME_DIR if runtime else None)
            argv = bwrap.build_argv(command, self.job_dir, limits, runtime_dir=runtime_path, env=env)
            cwd = "/"
        else:
            warnings.warn(NO_SANDBOX_WARNING, SandboxDisabledWarning, stacklevel=2)
            print(f"WARNING: {NO_SANDBOX_WARNING}", file=sys.stderr)
            env = bwrap.sandbox_env(limits, home=str(self.job_dir),
                                    pythonpath=str(runtime_path) if runtime_path else None)
            argv, cwd = list(command), str(self.job_dir)
        self.argv = argv
        self.control = JobControl(limits.memory_mb, limits.max_processes)
        self._rlimits = job_rlimits(limits, processes_limited=self.control.support.limits_processes)
        self.started_at = time.monotonic()
        try:
            self.control.prepare()
            # bwrap itself gets the clean environment too: its /proc/1/environ is visible inside.
            self.popen = subprocess.Popen(argv, cwd=cwd, env=env, stdin=stdin, stdout=stdout, stderr=stderr,
                                          preexec_fn=self._in_child, close_fds=True, start_new_session=True)
        except BaseException:
            self.control.close()
            raise
        self.control.started(self.popen.pid)

    def _in_child(self) -> None:
        """Between fork and exec: join the cgroups, then set rlimits (never RLIMIT_AS)."""
        self.control.enter()
        for name, value in self._rlimits.items():
            resource.setrlimit(getattr(resource, f"RLIMIT_{name}"), (value, value))

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def job_pids(self) -> set[int]:
        """Every live process of the job."""
        return self.control.pids()

    def kill(self) -> None:
        """Kill the whole job now and reap its first process."""
        if self.popen.returncode is None:  # once reaped, its pid (and group id) may belong to someone else
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.control.kill_all()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        """Kill what is left and remove the job's cgroups. Safe to call twice."""
        if self.popen.poll() is None:
            self.kill()
        self.control.kill_all()
        self.control.close()
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def __enter__(self) -> "SandboxedProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# ---------------------------------------------------------------- run to completion


class _Capture(threading.Thread):
    """Reads one pipe to its end, keeping the first ``keep`` bytes and counting all."""

    def __init__(self, stream, keep: int, on_flood):
        super().__init__(daemon=True)
        self.stream, self.keep, self.on_flood = stream, keep, on_flood
        self.data = bytearray()
        self.total = 0

    def run(self) -> None:
        while True:
            try:
                chunk = self.stream.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.total += len(chunk)
            if len(self.data) < self.keep:
                self.data += chunk[: self.keep - len(self.data)]
            self.on_flood(self.total)


def run_sandboxed(argv: list[str], job_dir: str | os.PathLike, limits: SandboxLimits | None = None, *, stdin: bytes | None = None,
                  capture_bytes: int = 1_000_000, sandbox: bool = True, runtime: bool = False) -> SandboxResult:
    """Run ``argv`` in the sandbox with ``job_dir`` as ``/job``; no process of it is left on return.

    Output beyond ``capture_bytes`` per stream is dropped; more than
    ``limits.max_output_mb`` in all kills the job (verdict ``output_limit``).
    """
    limits = limits if limits is not None else SandboxLimits()
    flooded = threading.Event()
    process = SandboxedProcess(argv, job_dir, limits, sandbox=sandbox, runtime=runtime,
                               stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL)
    totals = {}

    def on_flood(name):
        def check(total):
            totals[name] = total
            if sum(totals.values()) > limits.max_output_bytes and not flooded.is_set():
                flooded.set()
                process.control.kill_all(timeout=0)
                if process.popen.returncode is None:
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
        return check

    readers = [_Capture(process.popen.stdout, capture_bytes, on_flood("stdout")),
               _Capture(process.popen.stderr, capture_bytes, on_flood("stderr"))]
    for reader in readers:
        reader.start()
    if stdin is not None:
        threading.Thread(target=_feed, args=(process.popen.stdin, stdin), daemon=True).start()
    timed_out = False
    try:
        try:
            process.popen.wait(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            timed_out = True
        wall = time.monotonic() - process.started_at
        process.kill()  # the first process has ended; its daemons and children end too
        for reader in readers:
            reader.join(timeout=10)
        memory_hit = process.control.memory_exceeded()
        peak = process.control.peak_memory_mb()
    finally:
        process.close()
    returncode = process.popen.returncode
    verdict, detail = _verdict(returncode, timed_out=timed_out, flooded=flooded.is_set(), memory_hit=memory_hit,
                               limits=limits, sandboxed=sandbox)
    return SandboxResult(returncode=returncode, stdout=bytes(readers[0].data), stderr=bytes(readers[1].data),
                         verdict=verdict, wall_seconds=wall, peak_memory_mb=peak, detail=detail,
                         output_truncated=any(r.total > capture_bytes for r in readers), sandboxed=sandbox,
                         limits=limits)


def _feed(stream, data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except (OSError, ValueError):
        pass


def killed_by_signal(returncode: int | None, *, sandboxed: bool) -> int | None:
    """The signal that ended the job's command, if one did (bwrap reports it as 128 + signal)."""
    if returncode is None:
        return None
    if returncode < 0:
        return -returncode
    if sandboxed and 128 < returncode < 128 + 65:
        return returncode - 128
    return None


def _verdict(returncode, *, timed_out: bool, flooded: bool, memory_hit: bool, limits: SandboxLimits,
             sandboxed: bool) -> tuple[str, str]:
    if flooded:
        return "output_limit", f"the job wrote more than {limits.max_output_mb} MiB of output"
    if timed_out:
        return "timeout", f"the job ran past its wall-clock limit of {limits.wall_seconds:g} s"
    if memory_hit:
        return "memory_limit", f"the job was killed: memory limit {limits.memory_mb} MiB"
    if returncode == 0:
        return "ok", ""
    sig = killed_by_signal(returncode, sandboxed=sandboxed)
    if sig is not None:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = f"signal {sig}"
        return "killed", f"the job was killed by {name}"
    return "crashed", f"the job exited with status {returncode}"


# ---------------------------------------------------------------- what works here


def probe() -> list[tuple[str, bool, str, str]]:
    """(name, ok, detail, fix) for ``grader doctor``: bwrap, user namespaces, cgroups, GPU nodes."""
    checks: list[tuple[str, bool, str, str]] = []
    executable = bwrap.bwrap_executable()
    if executable is None:
        checks.append(("bubblewrap", False, "not installed", "apt-get install bubblewrap"))
    else:
        version = ".".join(map(str, bwrap.bwrap_version(executable))) or "unknown version"
        checks.append(("bubblewrap", True, f"{executable} {version}", ""))
    checks.append(_probe_userns(executable))
    support = detect()
    fix = "" if support.mode != "watchdog" else (
        "run the grader as root on a cgroup v1 machine, or give it a delegated cgroup v2 subtree "
        "(systemd-run --user --scope -p Delegate=yes grader ...)")
    checks.append(("cgroups", support.mode != "watchdog", f"{support.mode}: {support.detail}", fix))
    nodes = bwrap.gpu_device_nodes("0")
    gpus = [node for node in nodes if node[len("/dev/nvidia"):].isdigit()]
    checks.append(("GPU device nodes", bool(gpus),
                   ", ".join(nodes) if gpus else "no /dev/nvidia[0-9]* (jobs run on the CPU)",
                   "" if gpus else "install the NVIDIA driver if this machine has a GPU"))
    return checks


def _probe_userns(executable: str | None) -> tuple[str, bool, str, str]:
    if executable is None:
        return ("user namespaces", False, "not tested: bubblewrap is missing", "apt-get install bubblewrap")
    with tempfile.TemporaryDirectory(prefix="cnnkit-probe-") as job:
        try:
            argv = bwrap.build_argv(["/bin/true"], job, SandboxLimits(), executable=executable)
            result = subprocess.run(argv, capture_output=True, text=True, timeout=30, env={})
        except (OSError, subprocess.SubprocessError) as exc:
            return ("user namespaces", False, f"bwrap could not start: {exc}", "")
    if result.returncode == 0:
        return ("user namespaces", True, "bwrap starts a sandbox with user, PID and network namespaces", "")
    return ("user namespaces", False, f"bwrap failed: {result.stderr.strip()[:200]}",
            "sysctl -w kernel.unprivileged_userns_clone=1 (Debian) or user.max_user_namespaces=10000")
