"""SandboxBackend: the judge's proxy to a worker in the sandbox. Only data comes back."""

from __future__ import annotations

import numpy as np
import pytest

from grader.judge.backend import StudentBackend, StudentBadOutput, StudentRaised, StudentTimeout
from grader.sandbox.backend import SandboxBackend, WorkerDied
from tests.sandbox.conftest import processes_with

pytestmark = pytest.mark.usefixtures("needs_bwrap")

HONEST = """
import numpy as np
print("student output")

def conv_like(x, scale=1.0):
    return np.asarray(x, dtype=np.float64) * scale

def shapes(x):
    return {"shape": tuple(x.shape), "mean": float(x.mean()), "parts": [x[:1], None, "text"]}

def must_be_positive(n):
    if n <= 0:
        raise ValueError(f"n must be positive, got {n}")
    return n
"""

HOSTILE = """
import json, os, subprocess, sys, time
import numpy as np
from grader.judge import codec

class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True

def lying():
    return np.zeros(3).view(AlwaysEqual)

def pickled():
    def pickle_dump(obj, directory, max_bytes=None):
        os.makedirs(directory, exist_ok=True)
        np.save(os.path.join(directory, "a0.npy"), np.array([{"grade": 100}], dtype=object), allow_pickle=True)
        with open(os.path.join(directory, "payload.json"), "w") as handle:
            json.dump({"__dict__": [["status", "ok"], ["result", {"__ndarray__": "a0.npy"}]]}, handle)
    codec.dump = pickle_dump
    return "ignored"

def linked():
    def link_dump(obj, directory, max_bytes=None):
        os.makedirs(directory, exist_ok=True)
        os.symlink("/etc/hostname", os.path.join(directory, "payload.json"))
    codec.dump = link_dump
    return "ignored"

def hog():
    blocks = [np.ones(16 * 2**20, dtype=np.uint8) for _ in range(64)]
    return len(blocks)

def hang():
    time.sleep(3600)

def leave_daemon(marker):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", marker], start_new_session=True)
    return 1

def quit_worker():
    os._exit(0)

def ok():
    return 7
"""


def test_a_function_returning_an_array_round_trips(job, limits):
    with SandboxBackend(HONEST, limits, job) as backend:
        assert isinstance(backend, StudentBackend)
        x = np.arange(12, dtype=np.float32).reshape(3, 4)
        got = backend.call("conv_like", [x], {"scale": 2.0})
        assert type(got) is np.ndarray and got.dtype == np.float64
        np.testing.assert_array_equal(got, x * 2.0)
        summary = backend.call("shapes", [x], {})
        assert summary["shape"] == (3, 4) and summary["mean"] == pytest.approx(5.5)
        np.testing.assert_array_equal(summary["parts"][0], x[:1])
        assert summary["parts"][1:] == [None, "text"]
        with pytest.raises(StudentRaised) as raised:
            backend.call("must_be_positive", [0], {})
        assert raised.value.is_a("ValueError") and "got 0" in raised.value.message
        assert "student output" in backend.output


def test_hostile_results_fail_with_a_reason(job, limits):
    with SandboxBackend(HOSTILE, limits, job) as backend:
        with pytest.raises(StudentBadOutput, match="returned AlwaysEqual, expected data"):
            backend.call("lying", [], {})
        with pytest.raises(StudentBadOutput, match="only numbers may cross"):
            backend.call("pickled", [], {})
    with SandboxBackend(HOSTILE, limits, job.parent / "job2") as backend:
        with pytest.raises(StudentBadOutput, match="not a plain file"):
            backend.call("linked", [], {})


def test_a_killed_or_hung_worker_fails_the_check_and_the_next_check_gets_a_new_one(job, limits, marker):
    with SandboxBackend(HOSTILE, limits.replace(memory_mb=128), job, call_seconds=2) as backend:
        with pytest.raises(WorkerDied, match="the worker was killed: memory limit 128 MiB"):
            backend.call("hog", [], {})
        assert backend.call("ok", [], {}) == 7
        assert backend.call("leave_daemon", [marker], {}) == 1
        with pytest.raises(StudentTimeout, match=r"hang\(\) ran past its time limit of 2 s"):
            backend.call("hang", [], {})
        assert processes_with(marker) == []  # the timeout killed the whole job
        with pytest.raises(WorkerDied, match="exited with status 0"):
            backend.call("quit_worker", [], {})
        with pytest.raises(WorkerDied, match="exited with status 0"):
            backend.call("ok", [], {})  # no restarts left: the reason stays
        assert len(backend.events) == 3


def test_closing_the_backend_leaves_no_process(job, limits, marker):
    backend = SandboxBackend(HOSTILE, limits, job)
    backend.call("leave_daemon", [marker], {})
    assert processes_with(marker), "the daemon should run while the backend is open"
    backend.close()
    assert processes_with(marker) == []


TENSORFLOW_POOLS = """
import os

def inter_op_threads():
    import tensorflow as tf

    tf.matmul(tf.ones((8, 8)), tf.ones((8, 8))).numpy()  # starts the runtime and its pools
    names = [open(f"/proc/self/task/{task}/comm").read().strip() for task in os.listdir("/proc/self/task")]
    return names.count("tf_Compute")
"""


@pytest.mark.slow
def test_tensorflow_in_the_sandbox_sizes_its_pools_to_the_jobs_cpus(job, limits):
    """3 CPUs allowed: TensorFlow's inter-op pool has 3 threads (not one per core of this machine)."""
    with SandboxBackend(TENSORFLOW_POOLS, limits.replace(cpus=3, memory_mb=2048, max_processes=256), job) as backend:
        assert backend.call("inter_op_threads", [], {}) == 3
