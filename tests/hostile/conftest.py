"""Grade the whole hostile corpus once, through ``grader score --workers 2``, and share the results."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pytest

from cases import CASES, SECRET_ENV, SECRET_VALUE, Context
from course_factory import ASSIGNMENT, make_course, released_notebook, submit

collect_ignore = ["fixture_assignment"]  # its judge/test_*.py run under the judge, not here


def sandbox_missing() -> str | None:
    try:
        from grader.sandbox import probe
    except ImportError:
        return "grader.sandbox is not installed"
    failed = [f"{name}: {detail}" for name, ok, detail, _fix in probe()[:2] if not ok]
    return "; ".join(failed) or None


@pytest.fixture(scope="session")
def graded_corpus(tmp_path_factory):
    """Submit every case as its own student, grade all with 2 workers, return what came out."""
    reason = sandbox_missing()
    if reason:
        pytest.skip(f"the hostile corpus needs the sandbox ({reason})")
    from click.testing import CliRunner

    from grader.cli import main

    root = tmp_path_factory.mktemp("hostile") / "course"
    outside = tmp_path_factory.mktemp("outside")
    course = make_course(root)
    context = Context(course_root=course.root, outside=outside)
    released = released_notebook(course)
    for name, (make, _statuses, _max_total) in CASES.items():
        submit(course, name, make(released, context))
    jobs_dir = tmp_path_factory.mktemp("jobs")  # the workers' job folders, to find leftovers by
    os.environ[SECRET_ENV] = SECRET_VALUE  # inherited by the workers: the sandbox must not pass it on
    old_tmpdir = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(jobs_dir)
    started = time.monotonic()
    try:
        result = CliRunner().invoke(main, ["--course", str(course.root), "score", ASSIGNMENT, "--workers", "2",
                                           "--json"], catch_exceptions=False)
    finally:
        os.environ.pop(SECRET_ENV, None)
        if old_tmpdir is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = old_tmpdir
    seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output[result.output.index("{"):])
    by_student = {r["student"]: r for r in payload["rows"]}
    time.sleep(1)  # let the last job's processes be reaped
    processes = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return {"course": course, "outside": outside, "results": by_student, "seconds": seconds,
            "processes": processes, "leftovers": processes_using(jobs_dir), "jobs_dir": jobs_dir}


def processes_using(folder) -> list[str]:
    """Live processes whose command line or working directory is inside ``folder``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = open(f"/proc/{entry}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if str(folder) in cmdline or cwd.startswith(str(folder)):
            found.append(f"{entry}: {cmdline[:200]} (cwd {cwd})")
    return found
