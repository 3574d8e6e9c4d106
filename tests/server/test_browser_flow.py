"""Students and an instructor in a real headless Chromium against a running class server (127.0.0.1).

Competition: sign in by link, make a team, a teammate joins by its code, upload, see the score,
select; the teammate sees it, a student of another team cannot (page, API, guessed ids).
Assignment: download the zip, hand in the solution, see queued -> graded and the feedback;
another student cannot open it; a non-notebook, another assignment's notebook and an over-size
file each get their own message. Every page is checked on a phone (390 px): no sideways scroll.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

import pytest
from server_fixtures import free_port, make_server_course

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "hostile"))
from browser_checks import CHROMIUM, CHROMIUM_ARGS, NO_SIDEWAYS_SCROLL, VIEWPORTS  # noqa: E402
from course_factory import ASSIGNMENT, FIXTURE  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                 reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")]
OTHER = "other_assignment"


def release_fixture_assignments(course) -> None:
    """The hostile corpus's tiny assignment, and a second one whose cells have other names."""
    from grader.assignments_source import AssignmentSource, write_source
    from grader.release import release_assignments

    shutil.copytree(FIXTURE, course.path("assignments", ASSIGNMENT), ignore=shutil.ignore_patterns("__pycache__"))
    other = course.path("assignments", OTHER)
    shutil.copytree(FIXTURE, other, ignore=shutil.ignore_patterns("__pycache__"))
    source = (other / f"{ASSIGNMENT}.py").read_text(encoding="utf-8")
    (other / f"{ASSIGNMENT}.py").unlink()
    (other / f"{OTHER}.py").write_text(re.sub(r'grade_id="(\w+)"', r'grade_id="other_\1"', source), encoding="utf-8")
    for name in (ASSIGNMENT, OTHER):
        write_source(AssignmentSource(name, course.path("assignments", name)), course.path("source"))
    release_assignments(course, [ASSIGNMENT, OTHER])


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A course with the toy competition and two tiny assignments, served by grader serve's own start()."""
    from grader.sandbox import probe
    from grader.server.run import start, wait_until_ready

    root = tmp_path_factory.mktemp("live") / "course"
    made = make_server_course(root, settings={"uploads_per_minute": 100, "requests_per_minute": 10000,
                                              "signins_per_minute": 20, "max_notebook_mb": 1})
    release_fixture_assignments(made.course)
    sandbox = all(ok for _name, ok, _detail, _fix in probe()[:2])
    running = start(made.course, port=free_port(), workers=1, sandbox=sandbox, say=lambda text: None)
    wait_until_ready(running)
    yield made, running.url
    running.shutdown()


@pytest.fixture(scope="module")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the Python package 'playwright' is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def link_for(made, person: str) -> str:
    """A fresh sign-in link (each works once; tests of one module share the course)."""
    from grader.auth import STUDENT, invite

    made_now = invite(made.course, made.store, role=STUDENT, principal=person, base_url="", days=1)
    return made_now.url


class Student:
    """One person's browser (their own cookies), on a phone-sized screen, recording console errors."""

    def __init__(self, chromium, base: str, link: str):
        self.context = chromium.new_context(viewport=VIEWPORTS["phone"], accept_downloads=True)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.failed: list[str] = []
        self.page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        self.base = base
        self.page.goto(base + link)
        self.page.click("#signin")
        self.page.wait_for_url(base + "/")

    def go(self, path: str):
        response = self.page.goto(self.base + path)
        assert self.page.evaluate(NO_SIDEWAYS_SCROLL), (path, self.page.evaluate(
            "[document.documentElement.scrollWidth, window.innerWidth]"))
        return response

    def api(self, path: str):
        """A request with this browser's cookie (as a curious student would try)."""
        return self.context.request.get(self.base + path)


def test_a_team_submits_selects_and_only_its_members_see_it(live, chromium, tmp_path):
    made, base = live
    ann = Student(chromium, base, link_for(made, "ann"))
    assert "Toy digits" in ann.page.content()
    ann.go("/competitions/toy/team")
    ann.page.fill("#team-name", "Conv <Crew>")
    ann.page.click("#create")
    code = ann.page.inner_text("#invite-code").strip()
    assert "Conv &lt;Crew&gt;" in ann.page.content() and "<Crew>" in ann.page.inner_text("#team")

    ben = Student(chromium, base, link_for(made, "ben"))
    ben.go("/competitions/toy/team")
    ben.page.fill("#code", code)
    ben.page.click("#join")
    assert "You joined team 'Conv <Crew>'" in ben.page.inner_text(".notice")

    predictions = tmp_path / "my predictions.csv"
    predictions.write_bytes(made.valid_csv(wrong=7))
    ann.go("/competitions/toy/submit")
    ann.page.set_input_files("#file", str(predictions))
    ann.page.fill("#message", "first <b>try</b>")
    ann.page.click("#submit")
    assert ann.page.get_attribute("#result", "data-status") == "scored"
    score = float(ann.page.inner_text("#public-score"))
    assert 0.85 < score < 0.98

    ann.go("/competitions/toy/submissions")
    submission_id = ann.page.get_attribute("#submissions tbody tr", "data-id")
    ann.page.check(f"#submissions tr[data-id='{submission_id}'] input[type=checkbox]")
    ann.page.click("#save-selection")
    assert f"Saved: submission {submission_id}" in ann.page.inner_text(".notice")

    ben.go("/competitions/toy/submissions")  # the teammate sees it, selected
    row = ben.page.locator(f"#submissions tr[data-id='{submission_id}']")
    assert "my predictions.csv" in row.inner_text() and "first <b>try</b>" in row.inner_text()
    assert row.locator("input[type=checkbox]").is_checked()

    cat = Student(chromium, base, link_for(made, "cat"))
    cat.go("/competitions/toy/submissions")
    assert cat.page.locator(f"#submissions tr[data-id='{submission_id}']").count() == 0
    assert cat.api(f"/api/competitions/toy/submissions/{submission_id}").status == 404
    for guess in range(1, int(submission_id) + 3):  # guessed ids tell nothing
        assert cat.api(f"/api/competitions/toy/submissions/{guess}").status == 404
    cat.go("/competitions/toy/leaderboard")
    assert "Conv <Crew>" in cat.page.inner_text("#board") and "my predictions.csv" not in cat.page.content()
    for person in (ann, ben, cat):
        assert person.errors == []
        person.context.close()


def solved(made) -> bytes:
    notebook = json.loads(made.course.path("release", ASSIGNMENT, f"{ASSIGNMENT}.ipynb").read_text())
    answers = {"double": "def double(x):\n    return np.asarray(x, dtype=np.float64) * 2\n",
               "clip01": "def clip01(x):\n    return np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)\n",
               "explain": "Because clipping keeps values in range."}
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return json.dumps(notebook).encode()


def test_a_student_hands_in_and_reads_their_feedback_and_nobody_else_can(live, chromium, tmp_path):
    made, base = live
    ann = Student(chromium, base, link_for(made, "ann"))
    ann.go("/assignments")
    ann.page.click(f"[data-assignment='{ASSIGNMENT}'] a")
    with ann.page.expect_download() as download:
        ann.page.click("#download")
    with zipfile.ZipFile(download.value.path()) as kit:
        assert f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb" in kit.namelist()

    mine = tmp_path / "ann.ipynb"
    mine.write_bytes(solved(made))
    ann.page.set_input_files("#notebook", str(mine))
    ann.page.click("#handin")
    assert "Handed in (ann.ipynb)" in ann.page.inner_text(".notice")
    deadline = time.monotonic() + 240
    while ann.page.get_attribute("#handins tbody tr", "data-status") != "graded":
        assert time.monotonic() < deadline, ann.page.inner_text("#handins")
        time.sleep(1)
        ann.go(f"/assignments/{ASSIGNMENT}")
    assert "60 / 65" in ann.page.inner_text("#handins")  # 20 notebook tests + 40 hidden checks; 5 by hand later
    ann.page.click("#handins a")
    assert "Total: 60.00 of 65.00" in ann.page.inner_text("#total")

    cat = Student(chromium, base, link_for(made, "cat"))
    assert cat.go(f"/assignments/{ASSIGNMENT}/feedback").status == 404
    assert "No feedback" in cat.page.inner_text("#message") and "60.00" not in cat.page.content()
    assert cat.api(f"/assignments/{ASSIGNMENT}/feedback?student=ann").status == 404
    assert cat.api(f"/api/assignments/{ASSIGNMENT}/feedback?student=ann").status == 404
    assert cat.api(f"/api/assignments/{ASSIGNMENT}/submissions?student=ann").status == 404

    cat.go(f"/assignments/{ASSIGNMENT}")
    for name, data, expected in [
        ("notes.txt", b"not a notebook at all", "is not a Jupyter notebook"),
        ("other.ipynb", made.course.path("release", OTHER, f"{OTHER}.ipynb").read_bytes(),
         f"This notebook is assignment {OTHER}'s, not {ASSIGNMENT}'s"),
        ("huge.ipynb", b"{" + b" " * 1_200_000 + b"}", "larger than 1 MB, the limit here; nothing was stored"),
    ]:
        upload = tmp_path / name
        upload.write_bytes(data)
        cat.page.set_input_files("#notebook", str(upload))
        cat.page.click("#handin")
        assert expected in cat.page.inner_text(".notice"), name
    assert cat.page.locator("#handins").count() == 0  # nothing was stored
    assert [f.split()[0] for f in cat.failed] == ["404", "400", "400", "413"]  # the refusals, with their statuses
    assert [e for e in cat.errors if not e.startswith("Failed to load resource")] == []
    assert ann.errors == [], ann.failed
    for person in (ann, cat):
        person.context.close()
