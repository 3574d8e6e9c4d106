"""What one sandboxed grading job may use.

The defaults come from the course's ``[sandbox]`` section of ``grader.toml``; an
assignment or a caller narrows them with keyword overrides, e.g.
``SandboxLimits.from_course(course, wall_seconds=120)``.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxLimits:
    """Limits of one job. Sizes are in MiB, times in seconds.

    ``gpu`` is the index (as a string, e.g. ``"0"``) of the one GPU this job
    holds, or None for none: the job then sees no GPU device at all.

    ``cpus`` is the job's CPU allowance: how many threads TensorFlow, OpenMP and
    BLAS inside may run in parallel (None: every CPU this process may use). It
    sizes thread pools; it does not pin the job to cores.
    """

    memory_mb: int = 4096
    max_processes: int = 256
    tmp_mb: int = 512
    wall_seconds: float = 900
    max_output_mb: int = 64
    open_files: int = 256
    file_size_mb: int = 512
    gpu: str | None = None
    cpus: int | None = None

    def __post_init__(self):
        for name in ("memory_mb", "max_processes", "tmp_mb", "wall_seconds", "max_output_mb", "open_files",
                     "file_size_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"SandboxLimits.{name} must be a positive number, got {value!r}")
        if self.cpus is not None and (isinstance(self.cpus, bool) or not isinstance(self.cpus, int) or self.cpus < 1):
            raise ValueError(f"SandboxLimits.cpus must be a whole number of CPUs (1 or more) or None, got {self.cpus!r}")
        if self.gpu is not None and not str(self.gpu).isdigit():
            raise ValueError(f"SandboxLimits.gpu must be a GPU index such as '0' or None, got {self.gpu!r}")

    @classmethod
    def from_course(cls, course, **overrides) -> "SandboxLimits":
        """Limits from ``course``'s ``[sandbox]`` section (defaults when ``course`` is None)."""
        values: dict = {}
        if course is not None:
            for key in ("memory_mb", "max_processes", "tmp_mb", "wall_seconds", "max_output_mb"):
                values[key] = course.get("sandbox", key)
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes) -> "SandboxLimits":
        return dataclasses.replace(self, **changes)

    @property
    def threads(self) -> int:
        """The job's CPU allowance as a thread count: ``cpus``, else every CPU this process may use."""
        return self.cpus if self.cpus is not None else available_cpus()

    @property
    def memory_bytes(self) -> int:
        return int(self.memory_mb) * 2**20

    @property
    def max_output_bytes(self) -> int:
        return int(self.max_output_mb) * 2**20


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity, which a container or taskset narrows), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)
