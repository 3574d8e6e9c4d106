"""The hostile corpus: one small generator per case, named for what the notebook does.

Each case starts from the released notebook of the fixture assignment
(``fixture_assignment``: ``double`` + ``clip01``, 20 notebook points, 40 judge
points, 5 manual). Most cases answer ``double`` honestly (worth 10 + 20 = 30)
and put the attack in the ``clip01`` cell, so "no points the honest part did not
earn" is exact: the total must be at most ``max_total``.

``CASES`` maps the case name to (generator, expected statuses, max_total).
Generators get the released notebook (a dict) and a ``Context`` and return the
submitted file: a dict (a notebook) or bytes.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

HONEST_DOUBLE = "def double(x):\n    return np.asarray(x, dtype=np.float64) * 2\n"
HONEST_CLIP = "def clip01(x):\n    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)\n"
STUB_CLIP = "def clip01(x):\n    raise NotImplementedError()\n"
SECRET_ENV = "CNNKIT_HOSTILE_SECRET"
SECRET_VALUE = "s3cr3t-value-the-sandbox-must-not-see"
JUDGE_MARKER = "HIDDEN-JUDGE-MARKER-7f3a"
DAEMON_SECONDS = 4242
SLEEP_SECONDS = 9.0  # the fixture's cell limit is 10 s, its notebook limit 20 s


@dataclass
class Context:
    course_root: Path
    outside: Path          # a host folder the sandbox must not be able to write into


def _cells(nb: dict) -> dict:
    return {c.get("metadata", {}).get("nbgrader", {}).get("grade_id"): c for c in nb["cells"]}


def answer(nb: dict, double: str = HONEST_DOUBLE, clip01: str = STUB_CLIP) -> dict:
    nb = copy.deepcopy(nb)
    cells = _cells(nb)
    cells["double"]["source"] = double
    cells["clip01"]["source"] = clip01
    return nb


def attack(code: str):
    """A case whose ``clip01`` cell runs ``code`` (``double`` stays honest)."""
    def make(nb: dict, ctx: Context) -> dict:
        return answer(nb, clip01=code.format(course=ctx.course_root, outside=ctx.outside,
                                             secret_env=SECRET_ENV, daemon=DAEMON_SECONDS) + "\n" + STUB_CLIP)
    return make


def stub_with(code: str):
    """A case with no honest answer at all: the ``double`` cell runs ``code`` and answers nothing."""
    def make(nb: dict, ctx: Context) -> dict:
        return answer(nb, double=code.format(course=ctx.course_root) + "\ndef double(x):\n    return 0\n")
    return make


def edit_test_cell(nb: dict, ctx: Context) -> dict:
    nb = answer(nb, double="def double(x):\n    return 0\n")
    _cells(nb)["test_double"]["source"] = "pass  # the test was here"
    return nb


def delete_test_cell(nb: dict, ctx: Context) -> dict:
    nb = answer(nb, double="def double(x):\n    return 0\n")
    nb["cells"] = [c for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "test_double"]
    return nb


def retype_test_cell(nb: dict, ctx: Context) -> dict:
    nb = answer(nb, double="def double(x):\n    return 0\n")
    cell = _cells(nb)["test_double"]
    cell["cell_type"] = "markdown"
    cell.pop("outputs", None)
    cell.pop("execution_count", None)
    return nb


def strip_test_metadata(nb: dict, ctx: Context) -> dict:
    nb = answer(nb, double="def double(x):\n    return 0\n")
    cell = _cells(nb)["test_double"]
    cell["metadata"].pop("nbgrader")
    cell["source"] = "print('all good')"
    return nb


def inflate_points(nb: dict, ctx: Context) -> dict:
    nb = answer(nb)
    _cells(nb)["test_double"]["metadata"]["nbgrader"]["points"] = 1000
    return nb


def other_kernelspec(nb: dict, ctx: Context) -> dict:
    nb = answer(nb)
    nb["metadata"]["kernelspec"] = {"display_name": "R", "language": "R", "name": "ir"}
    return nb


def loop_before_any_answer(nb: dict, ctx: Context) -> dict:
    """An infinite loop at the top of the first answer cell: nothing is ever defined."""
    return answer(nb, double="while True:\n    pass\n" + HONEST_DOUBLE)


def sleeps_in_every_cell(nb: dict, ctx: Context) -> dict:
    """Every cell the student writes sleeps just under the per-cell limit (the fixture's is 10 s): the answer
    cells and two cells the student added after ``double``'s test, so the notebook's 20 s run out."""
    nb = answer(nb, double=f"import time\ntime.sleep({SLEEP_SECONDS})\n" + HONEST_DOUBLE,
                clip01=f"import time\ntime.sleep({SLEEP_SECONDS})\n" + HONEST_CLIP)
    added = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": f"import time\ntime.sleep({SLEEP_SECONDS})\n"}
    at = nb["cells"].index(_cells(nb)["test_double"]) + 1
    nb["cells"][at:at] = [dict(added, id=f"added-{n}") for n in range(2)]
    return nb


def honest(nb: dict, ctx: Context) -> dict:
    return answer(nb, clip01=HONEST_CLIP)


CASES: dict[str, tuple] = {
    # controls
    "honest_solution": (honest, {"graded"}, 60),
    "released_stub": (lambda nb, ctx: copy.deepcopy(nb), {"graded"}, 0),
    # reading what the judge keeps
    "reads_hidden_judge_tests": (attack(
        "import glob\nfor p in glob.glob('{course}/assignments/*/judge/*.py'):\n    print(open(p).read())"),
        {"graded"}, 30),
    "reads_gradebook": (attack("print(open('{course}/gradebook.db', 'rb').read()[:2000])"), {"graded"}, 30),
    "reads_store_and_labels": (attack(
        "import os\nfor p in ['{course}/cnnkit.db', '{course}/files', '{course}/assignments']:\n"
        "    print(p, os.path.exists(p))\nprint(open('{course}/cnnkit.db', 'rb').read(100))"), {"graded"}, 30),
    # switching the checks off
    "patches_numpy_asserts": (stub_with(
        "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.array_equal = lambda *a, **k: True\n"
        "np.testing.assert_allclose = lambda *a, **k: None"), {"tampered"}, 0),
    "patches_assertion_error": (stub_with(
        "import builtins\nclass Quiet(Exception):\n    pass\nbuiltins.AssertionError = Quiet"), {"tampered"}, 0),
    "overrides_showtraceback": (stub_with(
        "ip = get_ipython()\nip.showtraceback = lambda *a, **k: None\nip._showtraceback = lambda *a, **k: None"),
        {"tampered"}, 0),
    "custom_exception_handler": (stub_with(
        "get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)"),
        {"graded", "tampered"}, 0),
    "prints_fake_grades": (stub_with(
        "print('test_double: 10 / 10')\nprint('Score: 100 / 100')\nprint('All tests passed!')"), {"graded"}, 0),
    # lying results
    "returns_lying_eq": (stub_with(
        "class Liar:\n    def __eq__(self, other):\n        return True\n    __ne__ = lambda s, o: False\n"
        "    shape = (3, 4)\n    def __array__(self, *a, **k):\n        raise TypeError('no')\n"
        "double_result = Liar()"), {"graded"}, 0),
    "returns_pickle": (lambda nb, ctx: answer(nb, double=(
        "import pickle\ndef double(x):\n    return pickle.dumps(np.asarray(x) * 2)\n")), {"graded"}, 0),
    # replacing the machinery that writes the results, inside the sandbox
    "replaces_numpy_save": (attack(
        "import numpy\n_save = numpy.save\n"
        "def save(file, arr, allow_pickle=True, **kw):\n"
        "    _save(file, numpy.array([arr, {{'grade': 100}}], dtype=object), allow_pickle=True)\n"
        "numpy.save = save"), {"tampered"}, 0),
    "replaces_json_dumps": (attack(
        "import json\n_dumps = json.dumps\n"
        "def dumps(obj, *a, **k):\n"
        "    if isinstance(obj, dict) and '__dict__' in obj:  # the outcome of a judge's call\n"
        "        return _dumps({{'__dict__': [['status', 'ok'], ['result', {{'__pickle__': 'gAN9'}}]]}})\n"
        "    return _dumps(obj, *a, **k)\n"
        "json.dumps = dumps"), {"graded"}, 10),
    "replaces_judge_ops": (attack(
        "import os\nimport grader.judge.ops as ops\n"
        "def serve(namespace, request_dir, outcome_dir, max_bytes=0):\n"
        "    os.makedirs(outcome_dir, exist_ok=True)\n"
        "    os.symlink('{course}/gradebook.db', os.path.join(outcome_dir, 'payload.json'))\n"
        "ops.serve = serve"), {"graded"}, 10),
    # the network
    "opens_socket": (attack(
        "import socket\nfor host in [('1.1.1.1', 53), ('127.0.0.1', 22), ('127.0.0.1', 5432)]:\n"
        "    try:\n        socket.create_connection(host, timeout=2)\n        print('CONNECTED', host)\n"
        "    except OSError as e:\n        print('refused', host, e)"), {"graded"}, 30),
    # resources
    "fork_bomb": (attack(
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
        {"timeout", "crashed", "memory_limit"}, 30),
    "allocates_too_much_memory": (attack(
        "import numpy as np\nhog = [np.ones(256 * 2**20 // 8) for _ in range(64)]"),
        {"memory_limit", "crashed"}, 30),
    "infinite_loop": (attack("while True:\n    pass"), {"timeout"}, 30),
    "infinite_loop_before_any_answer": (loop_before_any_answer, {"timeout"}, 0),
    "walks_filesystem": (attack("import glob\nfor _ in range(1000):\n    glob.glob('/**', recursive=True)"),
                         {"timeout"}, 30),
    "sleeps_just_under_the_cell_limit_in_every_cell": (sleeps_in_every_cell, {"timeout"}, 30),
    "ignores_the_interrupt": (attack("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n"
                                     "    pass"), {"timeout"}, 10),
    "sleeps": (attack("import time\ntime.sleep(10_000)"), {"timeout"}, 30),
    "fills_tmp": (attack(
        "chunk = b'x' * 2**20\ntry:\n    with open('/tmp/fill', 'wb') as f:\n        for _ in range(1024):\n"
        "            f.write(chunk)\nexcept OSError as e:\n    print('full', e)"), {"graded"}, 30),
    "floods_stdout": (attack("line = 'y' * 1000\nfor _ in range(200_000):\n    print(line)"),
                      {"graded", "timeout"}, 30),
    # processes
    "starts_setsid_daemon": (attack(
        "import subprocess\nsubprocess.Popen(['setsid', 'sleep', '{daemon}'], start_new_session=True)\n"
        "import os\nif os.fork() == 0:\n    os.setsid()\n    import time\n    time.sleep({daemon})\n    os._exit(0)"),
        {"graded"}, 30),
    "kills_parent": (attack("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"),
                     {"graded", "crashed"}, 30),
    "kills_process_group": (attack("import os, signal\nos.killpg(0, signal.SIGKILL)"), {"crashed", "graded"}, 30),
    "exits_kernel": (attack("import os\nos._exit(3)"), {"crashed"}, 30),
    "kills_kernel_before_the_judges_calls": (attack(
        "import os\nget_ipython().events.register('pre_run_cell', lambda info: os._exit(9)\n"
        "                                      if 'grader.judge' in info.raw_cell else None)"), {"graded"}, 10),
    # the file system
    "writes_outside_job_dir": (attack(
        "for p in ['{outside}/pwned.txt', '{course}/pwned.txt', '/pwned.txt']:\n    try:\n"
        "        open(p, 'w').write('pwned')\n        print('WROTE', p)\n    except OSError as e:\n"
        "        print('blocked', p, e)"), {"graded"}, 30),
    "writes_through_symlink": (attack(
        "import os\nfor i, p in enumerate(['{outside}/via-link.txt', '{course}/gradebook.db']):\n"
        "    link = f'link{{i}}'\n    try:\n        os.symlink(p, link)\n        open(link, 'a').write('pwned')\n"
        "        print('WROTE', p)\n    except OSError as e:\n        print('blocked', p, e)"), {"graded"}, 30),
    # secrets
    "reads_environment": (attack("import os\nprint(dict(os.environ))\nprint(os.environ.get('{secret_env}'))"),
                          {"graded"}, 30),
    "reads_parent_proc_environ": (attack(
        "import os\nfor pid in {{os.getppid(), 1}}:\n    try:\n"
        "        print(pid, open(f'/proc/{{pid}}/environ', 'rb').read())\n    except OSError as e:\n"
        "        print('blocked', pid, e)"), {"graded"}, 30),
    # the notebook itself
    "edits_locked_test_cell": (edit_test_cell, {"tampered"}, 0),
    "deletes_test_cell": (delete_test_cell, {"tampered"}, 0),
    "retypes_test_cell": (retype_test_cell, {"tampered"}, 0),
    "strips_test_cell_metadata": (strip_test_metadata, {"tampered"}, 0),
    "inflates_points": (inflate_points, {"tampered"}, 30),
    "different_kernelspec": (other_kernelspec, {"tampered"}, 30),
    "not_json": (lambda nb, ctx: b"this is not a notebook {", {"invalid_notebook"}, 0),
    "empty_file": (lambda nb, ctx: b"", {"invalid_notebook"}, 0),
    "no_cells": (lambda nb, ctx: json.dumps({"cells": [], "metadata": {}, "nbformat": 4,
                                              "nbformat_minor": 5}).encode(), {"invalid_notebook"}, 0),
}
