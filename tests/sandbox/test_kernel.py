"""A Jupyter kernel in the sandbox, driven by nbclient from outside over ipc sockets."""

from __future__ import annotations

import nbformat
import pytest

from grader.sandbox.kernel import SandboxedKernelManager, sandboxed_kernel_manager_class
from tests.sandbox.conftest import processes_with

pytestmark = pytest.mark.usefixtures("needs_bwrap")


def notebook(*sources: str):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


def test_nbclient_executes_a_notebook_in_the_sandboxed_kernel(job, limits, marker, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("CNNKIT_KERNEL_SECRET", "kernel-secret-" + marker)

    nb = notebook(
        "import os, socket, subprocess, sys\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3600)', '{marker}'], start_new_session=True)\n"
        "x = 21",
        "s = socket.socket()\n"
        "try:\n    s.connect(('127.0.0.1', 22)); net = 'open'\nexcept OSError:\n    net = 'blocked'\n"
        "print(x * 2, os.getcwd(), net, os.path.exists('/root/.bashrc'))",
        "import glob\nleaks = [p for p in glob.glob('/proc/[0-9]*/environ') if b'kernel-secret' in open(p, 'rb').read()]\n"
        "print(len(glob.glob('/proc/[0-9]*/environ')) > 1, leaks, 'kernel-secret' in str(os.environ))",
    )
    manager_class = sandboxed_kernel_manager_class(job, limits)
    assert issubclass(manager_class, SandboxedKernelManager)
    client = NotebookClient(nb, kernel_manager_class=manager_class, kernel_name="python3", timeout=60)
    client.execute()
    assert nb.cells[1].outputs[0]["text"] == "42 /job blocked False\n"
    assert nb.cells[2].outputs[0]["text"] == "True [] False\n"
    assert processes_with(marker) == []  # shutting the kernel down ended the whole job
    assert not list(job.glob("kernel-ipc-*")), "the ipc socket files are removed"


def test_a_kernel_killed_for_memory_is_dead_and_reported(job, limits, marker):
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    managers = []

    class Recorded(sandboxed_kernel_manager_class(job, limits.replace(memory_mb=160))):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            managers.append(self)

    nb = notebook(f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(99)', '{marker}'])",
                  "import numpy as np\nblocks = [np.ones(16 * 2**20, dtype=np.uint8) for _ in range(64)]",
                  "print('never')")
    client = NotebookClient(nb, kernel_manager_class=Recorded, kernel_name="python3", timeout=30)
    with pytest.raises(DeadKernelError):
        client.execute()
    (manager,) = managers
    assert manager.memory_limit_hit, (manager.peak_memory_mb, client.nb.cells[1].outputs)
    assert manager.job_pids() == set()
    assert processes_with(marker) == []
    assert nb.cells[2].outputs == []
