"""KernelBackend: the judge calls the student's functions in the kernel that ran the notebook.

Each test runs a small notebook in a real sandboxed kernel (grader.autograde.execute with a
KernelSession), then makes the judge's requests through KernelBackend. A restart loads the code
in a SandboxBackend worker made by ``reload``; the tests count those loads.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import nbformat
import numpy as np
import pytest

from grader.autograde import execute
from grader.judge.backend import StudentBadOutput, StudentMissing, StudentRaised, StudentTimeout
from grader.judge.source import student_source
from grader.sandbox.backend import SandboxBackend, WorkerDied
from grader.sandbox.kernel_backend import KernelBackend
from grader.sandbox.kernel_session import KernelSession
from tests.sandbox.conftest import processes_with

pytestmark = pytest.mark.usefixtures("needs_bwrap")


@contextlib.contextmanager
def judged(job, limits, *sources, cell_seconds=20, notebook_seconds=60, call_seconds=3, max_timeouts=3):
    """Run ``sources`` as a notebook's cells, keep its kernel, yield (backend, execution, reloads)."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])
    reloads = []

    def reload():
        folder = job.parent / f"reload{len(reloads)}"
        folder.mkdir()
        reloads.append(folder)
        return SandboxBackend(student_source(notebook), limits, folder, max_restarts=0, call_seconds=call_seconds)

    with KernelSession(notebook, job_dir=job, limits=limits) as session:
        execution = execute.execute(notebook, job_dir=job, cell_seconds=cell_seconds,
                                    notebook_seconds=notebook_seconds, session=session)
        backend = KernelBackend(session, execution, reload=reload, call_seconds=call_seconds,
                                max_timeouts=max_timeouts)
        try:
            yield backend, execution, reloads
        finally:
            backend.close()


NOTEBOOK = (
    "import os, subprocess, sys\nimport numpy as np\ncalls = []\nprocess = os.urandom(8).hex()\n"
    "def double(x):\n    calls.append(1)\n    return np.asarray(x, dtype=np.float64) * 2\n",
    "assert double(1) == 2  # a test cell: it ran in this namespace too\nfrom_the_test_cell = 40\n",
    "def state():\n    return from_the_test_cell + len(calls), process\n"
    "def must_be_positive(n):\n    if n <= 0:\n        raise ValueError(f'got {n}')\n    return n\n",
)


def test_the_judge_calls_what_the_notebook_left_in_its_kernel(job, limits, marker):
    daemon = (f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)', '{marker}'], "
              "start_new_session=True)")
    with judged(job, limits, *NOTEBOOK, daemon) as (backend, execution, reloads):
        assert execution.status == "graded" and execution.kernel_kept
        got = backend.call("double", [np.arange(3)], {})
        assert type(got) is np.ndarray and got.tolist() == [0.0, 2.0, 4.0]
        first, process = backend.call("state", [], {})
        assert first == 40 + 2  # the test cell's call, then the judge's: one namespace, loaded once
        assert backend.call("state", [], {}) == (42, process)
        with pytest.raises(StudentRaised, match="must_be_positive raised ValueError: got 0"):
            backend.call("must_be_positive", [0], {})
        with pytest.raises(StudentMissing, match="the notebook defines no function 'clip01'$"):
            backend.call("clip01", [1], {})
        assert processes_with(marker), "the notebook's daemon runs while the kernel does"
        assert reloads == [] and backend.summary() == {"events": [], "restarts": 0, "timeouts": 0, "requests": 5}
    assert processes_with(marker) == []  # stopping the session ended the whole job


def test_what_the_notebook_replaces_inside_cannot_send_more_than_data(job, limits):
    tampering = (
        "import json, os\nimport numpy as np\nimport grader.judge.codec as codec\nimport grader.judge.ops as ops\n"
        "class AlwaysEqual(np.ndarray):\n    def __eq__(self, other):\n        return True\n"
        "def lying():\n    return np.zeros(3).view(AlwaysEqual)\n"
        "def pickled():\n    _save = np.save\n"
        "    np.save = lambda f, a, allow_pickle=True: _save(f, np.array([a, None], dtype=object), allow_pickle=True)\n"
        "    return np.arange(3)\n"
        "def lie_in_json():  # once: the outcome of this very call\n"
        "    lie = '{\"__dict__\": [[\"status\", \"ok\"], [\"result\", {\"__ndarray__\": \"../../secret.npy\"}]]}'\n"
        "    def dumps(obj, **k):\n        codec.json = json\n        return lie\n"
        "    codec.json = type('J', (), {'dumps': staticmethod(dumps)})\n    return 1\n"
        "def linked():\n    def serve(namespace, request_dir, outcome_dir, max_bytes=0):\n"
        "        os.symlink('/etc/hostname', os.path.join(outcome_dir, 'payload.json'))\n"
        "    ops.serve = serve\n    return 1\n"
    )
    with judged(job, limits, tampering) as (backend, _execution, _reloads):
        with pytest.raises(StudentBadOutput, match="returned AlwaysEqual, expected data"):
            backend.call("lying", [], {})
        with pytest.raises(StudentBadOutput, match="only numbers may cross"):
            backend.call("pickled", [], {})
        with pytest.raises(StudentBadOutput, match="bad array file name '../../secret.npy'"):
            backend.call("lie_in_json", [], {})
        assert backend.call("linked", [], {}) == 1  # from now on the notebook's own serve() answers
        with pytest.raises(StudentBadOutput, match="payload.json in the outcome is not a plain file"):
            backend.call("lying", [], {})
        assert backend.summary()["restarts"] == 0


@pytest.mark.slow
def test_a_call_past_its_limit_is_interrupted_and_a_deaf_kernel_is_replaced_once(job, limits):
    sources = (*NOTEBOOK, "import signal, time\ndef hang():\n    while True:\n        pass\n"
               "def deaf():\n    signal.signal(signal.SIGINT, signal.SIG_IGN)\n    while True:\n        pass\n"
               "def quit():\n    os._exit(0)\n")
    with judged(job, limits, *sources, call_seconds=2) as (backend, _execution, reloads):
        _, process = backend.call("state", [], {})
        with pytest.raises(StudentTimeout, match=r"^hang\(\) ran past its time limit of 2 s$"):
            backend.call("hang", [], {})
        assert backend.call("state", [], {})[1] == process and reloads == []  # interrupted, answered, kept
        with pytest.raises(StudentTimeout, match=r"^deaf\(\) ran past its time limit of 2 s$"):
            backend.call("deaf", [], {})
        assert backend.events == ["deaf() ran past its time limit of 2 s; the notebook's kernel did not answer "
                                  "the interrupt and was stopped"]
        count, reloaded = backend.call("state", [], {})  # the code, loaded again in a fresh worker
        assert len(reloads) == 1 and reloaded != process and count == 40 + 1  # a fresh namespace
        with pytest.raises(WorkerDied, match="the worker exited with status 0"):
            backend.call("quit", [], {})
        with pytest.raises(WorkerDied, match="the worker exited with status 0"):
            backend.call("state", [], {})  # one restart per submission: the reason stays
        assert len(reloads) == 1 and backend.summary()["restarts"] == 1


def test_after_too_many_requests_past_their_limits_the_student_is_not_asked_again(job, limits):
    sources = (*NOTEBOOK, "def hang():\n    while True:\n        pass\n")
    with judged(job, limits, *sources, call_seconds=1, max_timeouts=2) as (backend, _execution, reloads):
        for _ in range(2):
            with pytest.raises(StudentTimeout, match=r"^hang\(\) ran past its time limit of 1 s$"):
                backend.call("hang", [], {})
        with pytest.raises(StudentTimeout, match=r"^state\(\) was not run: 2 earlier requests ran past their time "
                                                 r"limits \(the first: hang\(\) ran past its time limit of 1 s\)$"):
            backend.call("state", [], {})
        assert backend.session.alive and reloads == [] and backend.summary()["requests"] == 2


def test_a_kernel_killed_in_a_call_fails_that_check_and_the_next_one_loads_again(job, limits):
    sources = (*NOTEBOOK, "def hog():\n    return len([np.ones(16 * 2**20, dtype=np.uint8) for _ in range(64)])\n")
    with judged(job, limits.replace(memory_mb=256), *sources) as (backend, _execution, reloads):
        with pytest.raises(WorkerDied, match="^the notebook's kernel was killed: memory limit 256 MiB$"):
            backend.call("hog", [], {})
        assert backend.call("double", [[1]], {}).tolist() == [2.0] and len(reloads) == 1


def test_a_kernel_that_died_after_the_notebook_is_loaded_again_for_the_first_call(job, limits):
    with judged(job, limits, *NOTEBOOK) as (backend, execution, reloads):
        for pid in backend.session.km.job_pids():
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while backend.session.alive and time.monotonic() < deadline:
            time.sleep(0.1)
        assert backend.call("double", [[2]], {}).tolist() == [4.0]
        assert len(reloads) == 1
        assert backend.events == ["the notebook's kernel was killed by signal 9 after the notebook ran"]


@pytest.mark.slow
def test_a_stopped_notebook_is_never_run_again(job, limits):
    stuck = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass\n"
    with judged(job, limits, NOTEBOOK[0], stuck, NOTEBOOK[2], cell_seconds=2) as (backend, execution, reloads):
        assert execution.status == "timeout" and not execution.kernel_kept
        for _ in range(2):
            with pytest.raises(WorkerDied, match=r"^the notebook's kernel is not running \(cell 2 ran past the "
                                                 r"per-cell limit of 2 s; the kernel did not answer the interrupt "
                                                 r"and was stopped\); a notebook that stopped is not run again"):
                backend.call("double", [1], {})
        assert reloads == [] and backend.summary()["requests"] == 0


def test_functions_defined_before_a_stuck_cell_are_judged_in_the_kept_kernel(job, limits):
    with judged(job, limits, NOTEBOOK[0], "while True:\n    pass\n", NOTEBOOK[2],
                cell_seconds=2) as (backend, execution, reloads):
        assert execution.status == "timeout" and execution.kernel_kept
        assert backend.call("double", [[3]], {}).tolist() == [6.0]
        with pytest.raises(StudentMissing, match=r"^the notebook defines no function 'state' \(the notebook stopped "
                                                 r"early: cell 2 ran past the per-cell limit of 2 s\)$"):
            backend.call("state", [], {})
        assert reloads == []
