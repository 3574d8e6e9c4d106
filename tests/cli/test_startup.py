"""What every grader process pays at start: rfc3987-syntax's grammar is never compiled.

jsonschema (through nbformat) imports rfc3987-syntax when it is installed, and that import
compiles a Lark grammar: 1.5 s of every command and worker. ``grader/__init__.py`` refuses it.
Run in a fresh interpreter, since this test process may have imported jsonschema already.
"""

import subprocess
import sys

PROBE = """
import sys
import grader
import nbformat
from nbgrader.api import Gradebook

notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
nbformat.validate(notebook)
print(sys.modules.get("rfc3987_syntax") is None, "lark" in sys.modules)
"""


def test_grader_processes_do_not_compile_the_iri_grammar_and_notebooks_still_validate():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "False"], out.stdout + out.stderr


def test_a_bad_notebook_is_still_refused_by_the_schema():
    probe = ("import grader, nbformat\n"
             "nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x')])\n"
             "nb.cells[0]['cell_type'] = 'nonsense'\n"
             "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('refused')\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "refused", out.stdout + out.stderr
