"""Student versions of assignments, made by nbgrader's own generate step.

``release_assignments(course, names)`` runs nbgrader's ``GenerateAssignment``
converter from ``<course>/source/<id>/`` into ``<course>/release/<id>/``:
solutions become stubs, hidden tests are removed, cells are locked and their
checksums saved in ``gradebook.db`` (so ``nbgrader autograde`` and formgrader
know this assignment). It then zips the release for students and records the
assignment in the kit's store. The judge and the mutants never enter
``source/`` (see :mod:`grader.assignments_source`), so they cannot leak.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import zipfile
from pathlib import Path

from grader.errors import AssignmentError

# What a student finds in place of each solution: nbgrader's own default stub.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def nbgrader_config(course):
    """The traitlets config nbgrader's apps need for this course (as ``nbgrader_config.py`` says)."""
    from traitlets.config import Config

    config = Config()
    config.CourseDirectory.root = str(course.root)
    config.CourseDirectory.course_id = str(course.get("course", "id"))
    config.CourseDirectory.db_url = course.gradebook_url
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    config.Exchange.assignment_dir = str(course.root)
    return config


def nbgrader_api(course):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    config = nbgrader_config(course)
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def course_assignments(course) -> list:
    """The course's assignments (``<course>/assignments/<id>/``)."""
    from grader.assignments_source import shipped_assignments

    return shipped_assignments(course.path("assignments"))


def resolve_names(course, names: list[str] | tuple[str, ...], *, all_: bool = False) -> list[str]:
    """Check that every name is an assignment of the course; ``all_`` means every one."""
    known = [a.name for a in course_assignments(course)]
    if all_ or not names:
        return known
    for name in names:
        if name not in known:
            raise AssignmentError(f"Unknown assignment '{name}'. Known assignments: {', '.join(known) or 'none'}.")
    return list(names)


def release_assignments(course, names: list[str] | tuple[str, ...]) -> list[Path]:
    """Release each assignment; returns the student zips (``<course>/release/<id>.zip``)."""
    from grader.assignments_source import write_source

    sources = {a.name: a for a in course_assignments(course)}
    wanted = resolve_names(course, names)
    configs = {name: sources[name].config() for name in wanted}  # a broken assignment.toml stops us before any release
    zips = []
    for name in wanted:
        source_notebook = course.path("source", name, f"{name}.ipynb")
        if not source_notebook.is_file():
            write_source(sources[name], course.path("source"))
        _generate(course, name)
        zips.append(_zip_release(course, name))
        _record(course, name, configs[name])
    return zips


@contextlib.contextmanager
def scripts_on_path():
    """nbgrader runs the ``alembic`` command when it creates gradebook.db: find it beside this Python."""
    scripts = str(Path(sys.executable).parent)
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{scripts}{os.pathsep}{old}" if old else scripts
    try:
        yield
    finally:
        os.environ["PATH"] = old


def _generate(course, name: str) -> None:
    with scripts_on_path():
        result = nbgrader_api(course).generate_assignment(name, force=True, create=True)
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "no details").strip().splitlines()
        raise AssignmentError(f"nbgrader could not release '{name}': {detail[-1] if detail else 'no details'}")


def _zip_release(course, name: str) -> Path:
    folder = course.path("release", name)
    target = course.path("release", f"{name}.zip")
    partial = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
                archive.write(path, Path(name) / path.relative_to(folder))
    partial.replace(target)
    return target


def _record(course, name: str, config: dict) -> None:
    """The assignment's row in the kit's store (added once, never overwritten)."""
    from grader.store import Store
    from grader.store.models import Assignment

    store = Store.open(course)
    with store.transaction() as session:
        if session.get(Assignment, name) is None:
            session.add(Assignment(name=name, title=str(config.get("title", name)),
                                   points=float(config.get("points", 100))))


def student_notebook(notebook):
    """The notebook as a student receives it: nbgrader's ClearSolutions and ClearHiddenTests, in memory.

    For authoring checks, which must not write into the course's ``release/``.
    """
    import copy

    from nbgrader.preprocessors import ClearHiddenTests, ClearOutput, ClearSolutions
    from traitlets.config import Config

    config = Config()
    config.ClearSolutions.code_stub = {"python": CODE_STUB}
    notebook = copy.deepcopy(notebook)
    resources: dict = {}
    for preprocessor in (ClearSolutions(config=config), ClearOutput(config=config), ClearHiddenTests(config=config)):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


def remove_release(course, name: str) -> None:
    """Delete an assignment's release folder and zip (for tests and re-releases)."""
    shutil.rmtree(course.path("release", name), ignore_errors=True)
    course.path("release", f"{name}.zip").unlink(missing_ok=True)
