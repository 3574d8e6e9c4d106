"""Memory and process-count limits for one job, and a sure way to kill all of it.

Three ways, best first (:func:`detect` says which one this machine allows):

``v2``
    A delegated cgroup v2 subtree (we can write ``memory.max``, ``pids.max``
    and ``cgroup.procs`` below our own cgroup).
``v1``
    cgroup v1 hierarchies as on Debian machines where ``/sys/fs/cgroup/memory``
    and ``/sys/fs/cgroup/pids`` are writable by root. Job groups are made
    *below the grader's own group* (``<own>/cnnkit/<job>``), so a limit set on
    the grader still covers its jobs.
``watchdog``
    No usable cgroup: a thread sums the RSS of the job's process tree and kills
    the tree when it passes the limit. Process count then rests on
    RLIMIT_NPROC, which the kernel does not enforce for root.

RLIMIT_AS is never used: TensorFlow reserves far more address space than it uses.

The job's first process enters its cgroup *before* it executes anything:
:meth:`JobControl.enter` runs in the child between fork and exec (the
``cgroup.procs`` files are opened beforehand, in the parent, so the child only
writes ``0`` -- "this process" -- to them). Everything the job starts is then
born inside the group; there is no window in which a fork escapes.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")
GROUP_PARENT = "cnnkit"


@dataclass(frozen=True)
class CgroupSupport:
    """Which limit mechanism this machine allows, and why."""

    mode: str  # "v2", "v1" or "watchdog"
    memory_dir: Path | None  # where job groups are made (memory, or the v2 unified group)
    pids_dir: Path | None  # v1 pids hierarchy (None: no process-count cgroup)
    detail: str

    @property
    def limits_processes(self) -> bool:
        return self.mode == "v2" or self.pids_dir is not None


# ---------------------------------------------------------------- detection


def _own_paths() -> dict[str, str]:
    """Controller name (``""`` for v2) -> this process's cgroup path."""
    paths: dict[str, str] = {}
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return paths
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        for controller in parts[1].split(",") if parts[1] else [""]:
            paths[controller] = parts[2]
    return paths


def _writable_parent(directory: Path) -> bool:
    """Can we make (and remove) a group below ``directory``? Leaves nothing behind."""
    probe = directory / GROUP_PARENT
    existed = probe.is_dir()
    try:
        probe.mkdir(exist_ok=True)
        return os.access(probe / "cgroup.procs", os.W_OK)
    except OSError:
        return False
    finally:
        if not existed:
            _remove_if_empty(probe)


def _remove_if_empty(group: Path) -> None:
    """rmdir a group; a group with members or children stays (EBUSY), which is what we want."""
    try:
        group.rmdir()
    except OSError:
        pass


def remove_stale_groups(parent: Path) -> None:
    """Remove job groups left by a grader that died (its pid is gone): kill their members, rmdir them."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for group in entries:
        parts = group.name.split("-")
        if len(parts) != 3 or parts[0] != "job" or not parts[1].isdigit() or os.path.exists(f"/proc/{parts[1]}"):
            continue
        try:
            for pid in (group / "cgroup.procs").read_text().split():
                os.kill(int(pid), signal.SIGKILL)
        except (OSError, ValueError):
            pass
        _remove_if_empty(group)


def _detect_v2(own: dict[str, str]) -> CgroupSupport | None:
    """A v2 group of ours whose children get the memory and pids controllers.

    The "no internal processes" rule means the grader's own group cannot hand
    controllers to children while the grader lives in it: delegate a subtree
    that already enables them (``cgroup.subtree_control`` holds memory and pids).
    """
    if not (CGROUP_ROOT / "cgroup.controllers").exists() or "" not in own:
        return None
    base = CGROUP_ROOT / own[""].lstrip("/")
    try:
        enabled = (base / "cgroup.subtree_control").read_text().split()
    except OSError:
        return None
    if "memory" not in enabled or "pids" not in enabled or not _writable_parent(base):
        return None
    parent = base / GROUP_PARENT
    return CgroupSupport("v2", parent, None, f"cgroup v2, delegated subtree {parent}")


def _detect_v1(own: dict[str, str]) -> CgroupSupport | None:
    memory_root = CGROUP_ROOT / "memory"
    if not (memory_root / "memory.limit_in_bytes").exists() or "memory" not in own:
        return None
    memory_base = memory_root / own["memory"].lstrip("/")
    if not _writable_parent(memory_base):
        return None
    pids_dir = None
    pids_root = CGROUP_ROOT / "pids"
    if "pids" in own and (pids_root / "cgroup.procs").exists():
        pids_base = pids_root / own["pids"].lstrip("/")
        if _writable_parent(pids_base):
            pids_dir = pids_base / GROUP_PARENT
    detail = f"cgroup v1: memory in {memory_base / GROUP_PARENT}"
    detail += f", pids in {pids_dir}" if pids_dir else ", no pids controller (process count not limited for root)"
    return CgroupSupport("v1", memory_base / GROUP_PARENT, pids_dir, detail)


def detect() -> CgroupSupport:
    """The best limit mechanism this process can use."""
    own = _own_paths()
    found = _detect_v2(own) or _detect_v1(own)
    if found is not None:
        return found
    return CgroupSupport("watchdog", None, None,
                         "no writable cgroup: memory is watched by summing RSS, process count is not limited")


# ---------------------------------------------------------------- one job


class JobControl:
    """The limits of one job and the means to end it.

    Use: ``control = JobControl(limits)``; pass ``control.enter`` as (part of)
    ``preexec_fn`` of the job's first process; ``control.started(pid)``;
    finally ``control.kill_all()`` and ``control.close()``.
    """

    def __init__(self, memory_mb: int, max_processes: int, *, support: CgroupSupport | None = None):
        self.support = support or detect()
        self.memory_bytes = int(memory_mb) * 2**20
        self.max_processes = int(max_processes)
        self.groups: list[Path] = []
        self._procs_fds: list[int] = []
        self._watchdog: _Watchdog | None = None
        self._root_pid: int | None = None
        self._seen: set[int] = set()
        name = f"job-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        try:
            if self.support.mode == "v2":
                self._make_v2(name)
            elif self.support.mode == "v1":
                self._make_v1(name)
        except OSError:
            self.close()
            raise

    @property
    def mode(self) -> str:
        return self.support.mode

    def _make_group(self, parent: Path, name: str, settings: dict[str, int | str]) -> Path:
        group = parent / name
        for attempt in range(20):
            try:
                parent.mkdir(exist_ok=True)
                if parent == self.support.memory_dir and self.mode == "v2":
                    (parent / "cgroup.subtree_control").write_text("+memory +pids")
                group.mkdir()
                break
            except FileNotFoundError:  # another job removed the empty parent just now
                if attempt == 19:
                    raise
        remove_stale_groups(parent)
        self.groups.append(group)
        for key, value in settings.items():
            if (group / key).exists():
                (group / key).write_text(str(value))
        return group

    def _make_v2(self, name: str) -> None:
        self._make_group(self.support.memory_dir, name, {
            "memory.max": self.memory_bytes, "memory.swap.max": 0, "pids.max": self.max_processes})

    def _make_v1(self, name: str) -> None:
        memory = self.support.memory_dir
        self._make_group(memory, name, {"memory.limit_in_bytes": self.memory_bytes,
                                        "memory.memsw.limit_in_bytes": self.memory_bytes})
        if self.support.pids_dir is not None:
            self._make_group(self.support.pids_dir, name, {"pids.max": self.max_processes})

    # -- placement: in the child, between fork and exec

    def prepare(self) -> None:
        """Open the ``cgroup.procs`` files (in the parent, before forking)."""
        self._procs_fds = [os.open(group / "cgroup.procs", os.O_WRONLY | os.O_CLOEXEC) for group in self.groups]

    def procs_files(self) -> list[str]:
        """The ``cgroup.procs`` files a launcher writes ``0`` to (see :mod:`grader.sandbox.launch`)."""
        return [str(group / "cgroup.procs") for group in self.groups]

    def enter(self) -> None:
        """Move the calling process into the job's groups. Runs in the forked child."""
        for fd in self._procs_fds:
            os.write(fd, b"0")

    def started(self, pid: int) -> None:
        """The job's first process is running (in the parent)."""
        for fd in self._procs_fds:
            os.close(fd)
        self._procs_fds = []
        self._root_pid = pid
        if self.mode == "watchdog":
            self._watchdog = _Watchdog(pid, self.memory_bytes, self._seen)
            self._watchdog.start()

    # -- inspection

    def pids(self) -> set[int]:
        """Every live process of the job (cgroup members, or the watched tree)."""
        if self.groups:
            found: set[int] = set()
            for group in self.groups:
                try:
                    found.update(int(p) for p in (group / "cgroup.procs").read_text().split())
                except OSError:
                    pass
            return found
        return _live(self._seen | _tree(self._root_pid))

    def memory_exceeded(self) -> bool:
        """Did the job hit its memory limit (an OOM kill in the group, or the watchdog)?"""
        if self.mode == "watchdog":
            return bool(self._watchdog and self._watchdog.exceeded)
        group = self.groups[0]
        if self.mode == "v2":
            return _field(group / "memory.events", "oom_kill") > 0
        kills = _field(group / "memory.oom_control", "oom_kill")
        if kills >= 0:
            return kills > 0
        return _read_int(group / "memory.failcnt") > 0  # kernels before 4.13 do not count OOM kills

    def peak_memory_mb(self) -> float | None:
        if self.mode == "watchdog":
            return self._watchdog.peak / 2**20 if self._watchdog else None
        group = self.groups[0]
        name = "memory.peak" if self.mode == "v2" else "memory.max_usage_in_bytes"
        value = _read_int(group / name)
        return value / 2**20 if value >= 0 else None

    # -- ending

    def kill_all(self, timeout: float = 10.0) -> bool:
        """SIGKILL every process of the job until none is left; True when none is."""
        if self._watchdog is not None:
            self._watchdog.stop()
        if self.mode == "v2" and self.groups and (self.groups[0] / "cgroup.kill").exists():
            try:
                (self.groups[0] / "cgroup.kill").write_text("1")
            except OSError:
                pass
        deadline = time.monotonic() + timeout
        while True:
            pids = self.pids()
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)

    def close(self) -> None:
        """Remove the job's groups (kill what is left first)."""
        for fd in self._procs_fds:
            os.close(fd)
        self._procs_fds = []
        if self.groups:
            self.kill_all()
        for group in reversed(self.groups):
            for _ in range(200):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
            _remove_if_empty(group.parent)  # the shared cnnkit/ group, once no job uses it
        self.groups = []
        if self._watchdog is not None:
            self._watchdog.stop()


# ---------------------------------------------------------------- watchdog


class _Watchdog(threading.Thread):
    """Sums the RSS of a process tree every 50 ms; kills the tree past the limit."""

    def __init__(self, root_pid: int, limit_bytes: int, seen: set[int]):
        super().__init__(name=f"cnnkit-watchdog-{root_pid}", daemon=True)
        self.root_pid = root_pid
        self.limit_bytes = limit_bytes
        self.seen = seen
        self.peak = 0
        self.exceeded = False
        self._stop_event = threading.Event()

    def run(self) -> None:
        import psutil

        while not self._stop_event.wait(0.05):
            try:
                root = psutil.Process(self.root_pid)
                processes = [root, *root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for process in processes:
                self.seen.add(process.pid)
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            if total > self.limit_bytes:
                self.exceeded = True
                for process in processes:
                    try:
                        process.kill()
                    except psutil.Error:
                        pass

    def stop(self) -> None:
        self._stop_event.set()


def _tree(root_pid: int | None) -> set[int]:
    if root_pid is None:
        return set()
    import psutil

    try:
        root = psutil.Process(root_pid)
        return {root_pid, *(child.pid for child in root.children(recursive=True))}
    except psutil.Error:
        return set()


def _live(pids: set[int]) -> set[int]:
    import psutil

    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.Error:
            pass
    return alive


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1


def _field(path: Path, name: str) -> int:
    """The value of ``name N`` in a flat-keyed cgroup file; -1 when absent."""
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except (OSError, ValueError):
        pass
    return -1
