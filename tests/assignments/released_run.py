"""Running a released notebook as a student would, and the rule for which of its cells may fail.

A released notebook runs from its unzipped folder in a kernel where the kit
(``grader``, ``leaderboard``) cannot be imported: the kernel's ``sitecustomize``
puts a finder first on ``sys.meta_path`` that refuses them, so the installed
kit is as absent as on a student's laptop.

The rule for the notebook as released (solutions replaced by nbgrader's stub,
``raise NotImplementedError()``), decided from the code alone, cell by cell:

* a name is *unfinished* when an exercise cell binds it (its stub raises when it
  runs or is called), when a cell that depends on an exercise binds it, or when
  it is a function or class whose body uses an unfinished name;
* a code cell *depends on an exercise* when the code it runs at once (outside
  function bodies) uses an unfinished name;
* then every cell has one expected outcome:

  - ``must_fail``: every visible test cell (a test that passes without the
    student's answer gives away its points), and every exercise cell whose stub
    runs at once (outside a function body); the judge's locked grade cell
    (``JUDGE_CELL``, a comment whose points the judge sets after hand-in) is not a
    visible test and must pass;
  - ``may_fail``: any other cell that depends on an exercise;
  - ``must_pass``: every other cell.

  A cell that fails must fail with ``NotImplementedError`` (the stub) or with a
  ``NameError`` for an unfinished name (a name that a failed cell never bound).
"""

from __future__ import annotations

import ast
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path

from grader.assignments_source import JUDGE_CELL
from grader.judge.source import plain_python

KIT_PACKAGES = ("grader", "leaderboard")
STUB_ERRORS = ("NotImplementedError", "NameError")

SITECUSTOMIZE = textwrap.dedent('''\
    """Test kernel start-up: the course kit is not installed here, as on a student's laptop."""
    import sys


    class _KitIsAbsent:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in {kit!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}} (hidden from released notebooks)", name=name)
            return None


    sys.meta_path.insert(0, _KitIsAbsent())
''').format(kit=KIT_PACKAGES)

PROBE = textwrap.dedent('''\
    import os, cnn_data
    try:
        import grader
        print("kit importable")
    except ModuleNotFoundError:
        print("kit absent")
    print("loader beside the notebook:", os.path.dirname(os.path.abspath(cnn_data.__file__)) == os.getcwd())
''')


# ---------------------------------------------------------------- the rule


class _Uses(ast.NodeVisitor):
    """Names a piece of code loads at once, and the names each function or class body loads."""

    def __init__(self):
        self.now: set[str] = set()
        self.bodies: dict[str, set[str]] = {}
        self.bound: set[str] = set()
        self.stub_now = False

    def visit_Name(self, node: ast.Name) -> None:
        (self.now if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)

    def visit_Raise(self, node: ast.Raise) -> None:
        target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        if isinstance(target, ast.Name) and target.id == "NotImplementedError":
            self.stub_now = True
        self.generic_visit(node)

    def _deferred(self, node, name: str | None) -> None:
        for expression in [*getattr(node, "decorator_list", []), *_defaults(node)]:
            self.visit(expression)
        later = {n.id for part in _body(node) for n in ast.walk(part) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Load)}
        if name is not None:
            self.bound.add(name)
            self.bodies[name] = later
        else:  # a lambda: whoever calls it runs its body now
            self.now |= later

    def visit_FunctionDef(self, node) -> None:
        self._deferred(node, node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node) -> None:
        self._deferred(node, None)

    def visit_ClassDef(self, node) -> None:  # the class body runs at once; its methods later
        self.bound.add(node.name)
        inner = _Uses()
        for statement in node.body:
            inner.visit(statement)
        for expression in [*node.bases, *node.decorator_list]:
            self.visit(expression)
        self.now |= inner.now
        self.stub_now |= inner.stub_now
        self.bodies[node.name] = inner.now | set().union(*inner.bodies.values())

    def visit_Import(self, node) -> None:
        self.bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)

    def visit_ImportFrom(self, node) -> None:
        self.bound.update(alias.asname or alias.name for alias in node.names)


def _body(node) -> list:
    return node.body if isinstance(node.body, list) else [node.body]


def _defaults(node) -> list:
    return [*node.args.defaults, *[d for d in node.args.kw_defaults if d is not None]]


@dataclass
class Expectation:
    index: int          # the cell's index in the notebook
    outcome: str        # must_fail, may_fail, must_pass
    why: str


def expected_outcomes(notebook) -> tuple[list[Expectation], set[str]]:
    """The expected outcome of every code cell of a released notebook, and the unfinished names."""
    unfinished: set[str] = set()
    bodies: dict[str, set[str]] = {}
    expectations = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        uses = _Uses()
        uses.visit(ast.parse(plain_python(cell.source)))
        depends = bool(uses.now & unfinished)
        exercise = bool(meta.get("solution"))
        if meta.get("grade_id") == JUDGE_CELL:  # the judge's locked cell: a comment, scored after hand-in
            expectation = Expectation(index, "must_pass", "the judge's hidden checks (a comment)")
        elif meta.get("grade") and not exercise:
            expectation = Expectation(index, "must_fail", f"visible test {meta.get('grade_id')}")
        elif exercise and uses.stub_now:
            expectation = Expectation(index, "must_fail", f"exercise {meta.get('grade_id')} (its stub runs)")
        elif depends:
            expectation = Expectation(index, "may_fail", f"uses {', '.join(sorted(uses.now & unfinished))}")
        else:
            expectation = Expectation(index, "must_pass", "depends on no exercise")
        expectations.append(expectation)
        if exercise or depends:
            unfinished |= uses.bound
        bodies.update(uses.bodies)
        changed = True
        while changed:  # a function that calls an unfinished one is unfinished too
            late = {name for name, loads in bodies.items() if loads & unfinished and name not in unfinished}
            unfinished |= late
            changed = bool(late)
    return expectations, unfinished


def cell_errors(notebook) -> dict[int, tuple[str, str]]:
    """(ename, evalue) of every code cell that failed, by cell index."""
    errors = {}
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                errors[index] = (output.get("ename", ""), output.get("evalue", ""))
    return errors


def broken_rule(notebook, errors: dict[int, tuple[str, str]]) -> list[str]:
    """Where a run of the released notebook breaks the rule (empty: it keeps it)."""
    expectations, unfinished = expected_outcomes(notebook)
    problems = []
    for expectation in expectations:
        error = errors.get(expectation.index)
        where = f"cell {expectation.index} ({expectation.why})"
        if error is None and expectation.outcome == "must_fail":
            problems.append(f"{where} passed; it must fail until the exercise is done")
        elif error is not None and expectation.outcome == "must_pass":
            problems.append(f"{where} failed with {error[0]}: {error[1]}")
        elif error is not None and not _a_stub_error(error, unfinished):
            problems.append(f"{where} failed with {error[0]}: {error[1]}, not with the stub's error")
    return problems


def _a_stub_error(error: tuple[str, str], unfinished: set[str]) -> bool:
    ename, evalue = error
    if ename == "NameError":
        return any(f"'{name}'" in evalue for name in unfinished)
    return ename in STUB_ERRORS


# ---------------------------------------------------------------- running


def with_solutions(released, source):
    """The released notebook with each exercise cell's source replaced by the instructor's solution."""
    import copy

    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    filled = copy.deepcopy(released)
    for cell in filled.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            cell.source = solutions[meta["grade_id"]]
    return filled


def kit_free_env(startup_dir: Path) -> dict[str, str]:
    """The environment of a kernel that cannot import the kit and is told nothing about data."""
    startup_dir.mkdir(parents=True, exist_ok=True)
    (startup_dir / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNKIT_")}
    env["PYTHONPATH"] = str(startup_dir)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return env


async def run_in_folder(notebook, folder: Path, env: dict[str, str], *, cell_seconds: int = 300) -> str:
    """Run ``notebook`` in ``folder`` (every cell, past failures), then the probe; returns the probe's output."""
    import subprocess

    import nbformat
    from nbclient import NotebookClient

    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(notebook, timeout=cell_seconds, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    await client.async_execute(env=env, stderr=subprocess.DEVNULL)
    probe = notebook.cells.pop()
    return "".join(o.get("text", "") for o in probe.outputs if o.get("output_type") == "stream")


def run_side_by_side(runs: list[tuple], env: dict[str, str], *, cell_seconds: int = 300) -> list[str]:
    """Run several (notebook, folder) pairs at once, each in its own kernel; their probes' outputs.

    Two kernels at a time keep both cores of a small machine busy: most of a short
    notebook's time is its kernel starting and importing TensorFlow, on one core.
    """
    import asyncio

    async def both():
        return await asyncio.gather(*[run_in_folder(notebook, folder, env, cell_seconds=cell_seconds)
                                      for notebook, folder in runs])

    return asyncio.run(both())
