"""Student versions of assignments, made by nbgrader's own generate step.

``release_assignments(course, names)`` runs nbgrader's ``GenerateAssignment``
converter from ``<course>/source/<id>/`` into ``<course>/release/<id>/``:
solutions become stubs, hidden tests are removed, cells are locked and their
checksums saved in ``gradebook.db`` (so ``nbgrader autograde`` and formgrader
know this assignment). The judge and the mutants never enter ``source/`` (see
:mod:`grader.assignments_source`), so they cannot leak.

Beside the notebook go the files that make the folder work on its own, on a
laptop or on Colab (:mod:`grader.handout`): ``cnn_data.py`` and ``data/`` (the
training split only, the very files a grading job gives the notebook),
``requirements.txt`` and ``README.md``. They are written into ``source/<id>/``,
so nbgrader copies them into the release (and beside each submission that
``nbgrader autograde`` grades). The release folder is zipped for students, and
the assignment's title, points and due date (``assignment.toml`` is the source
of truth) are written to the kit's store on every release.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

from grader.errors import AssignmentError

# What a student finds in place of each solution: nbgrader's own default stub.
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
# What a release puts beside the notebook (written by _write_handout).
HANDOUT = ("cnn_data.py", "data", "requirements.txt", "README.md")


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
    from grader.handout import assignment_facts

    sources = {a.name: a for a in course_assignments(course)}
    wanted = resolve_names(course, names)
    facts = {name: assignment_facts(sources[name]) for name in wanted}  # a broken assignment.toml stops us first
    zips = []
    for name in wanted:
        source_notebook = course.path("source", name, f"{name}.ipynb")
        if not source_notebook.is_file():
            write_source(sources[name], course.path("source"))
        # The files beside the notebook are made first, in a staging folder: if one cannot be made (a
        # notebook that imports the kit, a missing dataset), nothing has changed yet. They then join the
        # notebook in source/<id>/, whose files nbgrader's generate step copies into the release (and
        # `nbgrader autograde` beside each submission, so it can run the notebook too).
        with tempfile.TemporaryDirectory(prefix=f".{name}.", dir=source_notebook.parent) as staging:
            _write_handout(course, facts[name], source_notebook, Path(staging))
            for stale in HANDOUT:  # a dataset no longer listed leaves no file behind
                target = source_notebook.parent / stale
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink(missing_ok=True)
            for path in Path(staging).iterdir():
                path.replace(source_notebook.parent / path.name)
        _generate(course, name)
        zips.append(_zip_release(course, name))
        _record(course, facts[name])
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


def _write_handout(course, facts, source_notebook: Path, folder: Path) -> None:
    """What goes beside the released notebook: the loader, the data, requirements.txt and README.md."""
    import nbformat

    from grader.datasets.notebook_view import write_notebook_folder
    from grader.assignments_source import cell_points
    from grader.handout import data_file_text, notebook_code, render_readme, requirements_txt

    notebook_name = source_notebook.name
    notebook = student_notebook(nbformat.read(source_notebook, as_version=4))  # as nbgrader will release it
    codes = {f"{notebook_name}, cell {i + 1}": code for i, code in enumerate(notebook_code(notebook))}
    written = write_notebook_folder(course, facts.datasets, folder)
    loader = written[0]
    codes[loader.name] = loader.read_text(encoding="utf-8")
    (folder / "requirements.txt").write_text(requirements_txt(codes), encoding="utf-8")
    files = [(notebook_name, "the assignment: read it, answer in it, hand it in"),
             (loader.name, "the loader the notebook imports (`from cnn_data import load_splits`); needs only NumPy"),
             *[(f"data/{path.name}", data_file_text(path)) for path in written[1:]],
             ("requirements.txt", "the Python packages the notebook imports"),
             ("README.md", "this file")]
    points = cell_points(notebook)
    readme = render_readme(facts, notebook_name=notebook_name, files=files, test_points=points["tests"],
                           manual_points=points["manual"], timezone=course.get("course", "timezone"),
                           server_url=course.get("server", "url"))
    (folder / "README.md").write_text(readme, encoding="utf-8")


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


def _record(course, facts) -> None:
    """The assignment's row in the kit's store and its due date in nbgrader's gradebook, as assignment.toml says."""
    from datetime import timezone

    from nbgrader.api import Gradebook

    from grader.store import Store
    from grader.store.models import Assignment

    due_utc = facts.due.astimezone(timezone.utc) if facts.due is not None else None
    store = Store.open(course)
    with store.transaction() as session:
        row = session.get(Assignment, facts.name)
        if row is None:
            row = Assignment(name=facts.name)
            session.add(row)
        row.title, row.points, row.due_at = facts.title, facts.points, due_utc
    with Gradebook(course.gradebook_url, str(course.get("course", "id"))) as gradebook:
        gradebook.update_or_create_assignment(facts.name, duedate=due_utc.replace(tzinfo=None) if due_utc else None)


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
