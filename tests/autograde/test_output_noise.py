"""TensorFlow's C++ start-up log on stderr must not fail a test cell; the student's own stderr still does."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from grader.autograde.execute import _drop_library_noise

NOISE = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
         "I0000 00:00:1795886941.984611       2 port.cc:153] oneDNN custom operations are on.\n")


def test_library_noise_is_dropped_and_the_rest_kept():
    quiet = new_code_cell("import keras", outputs=[new_output("stream", name="stderr", text=NOISE)])
    loud = new_code_cell("x", outputs=[new_output("stream", name="stderr", text=NOISE + "my warning\n"),
                                       new_output("stream", name="stdout", text=NOISE)])
    notebook = new_notebook(cells=[quiet, loud])
    _drop_library_noise(notebook)
    assert notebook.cells[0].outputs == []
    assert notebook.cells[1].outputs[0].text == "my warning\n"
    assert notebook.cells[1].outputs[1].text == NOISE  # stdout is not nbgrader's failure signal: untouched
    nbformat.validate(notebook)
