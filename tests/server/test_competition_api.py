"""The competition API as students use it: submit, read their own work, select; and what they may not reach."""

from __future__ import annotations

import gzip
import io

from server_fixtures import csrf_of


def post_file(client, data: bytes, name: str = "submission.csv", message: str = "", competition: str = "toy"):
    return client.post(f"/api/competitions/{competition}/submissions", files={"file": (name, data)},
                       data={"message": message})


def test_a_valid_file_is_scored_at_once_without_a_private_score(api, server_course):
    response = post_file(api("ann"), server_course.valid_csv(wrong=10), message="first try")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "scored" and body["private_score"] is None
    assert 0.85 <= body["public_score"] <= 0.95 and body["errors"] == [] and body["message"] == "first try"
    assert body["team"] == "Ann L."  # a student without a team becomes a team of one, under their display name


def test_an_invalid_file_lists_its_problems_and_does_not_count(api, server_course):
    lines = server_course.valid_csv().decode().splitlines()
    lines[5] = lines[5].split(",")[0] + ",cat"
    lines[9] = lines[9].split(",")[0] + ",11"
    response = post_file(api("ann"), ("\n".join(lines) + "\n").encode(), name="excel.csv")
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "invalid" and body["id"] > 0
    assert len(body["errors"]) == 2 and all("excel.csv" in e for e in body["errors"])
    assert "row 5" in body["errors"][0] and "row 9" in body["errors"][1]
    for _ in range(5):  # the refused file did not use one of the 5 daily submissions
        assert post_file(api("ann"), server_course.valid_csv()).status_code == 201


def test_the_daily_limit_is_409_and_says_when_the_next_slot_opens(api, server_course):
    for _ in range(5):
        assert post_file(api("ben"), server_course.valid_csv()).status_code == 201
    response = post_file(api("ben"), server_course.valid_csv())
    assert response.status_code == 409
    assert "used its 5 submissions of today" in response.json()["message"]
    assert "Submit again from 2026-" in response.json()["message"]


def test_students_see_only_their_own_team_by_every_route(api, server_course):
    ann, ben, prof = api("ann"), api("ben"), api("prof")
    mine = post_file(ann, server_course.valid_csv()).json()["id"]
    post_file(ben, server_course.valid_csv(wrong=3))
    assert [s["id"] for s in ann.get("/api/competitions/toy/submissions").json()] == [mine]
    assert mine not in [s["id"] for s in ben.get("/api/competitions/toy/submissions").json()]
    assert ben.get(f"/api/competitions/toy/submissions/{mine}").status_code == 404
    assert ann.get(f"/api/competitions/toy/submissions/{mine}").status_code == 200
    assert prof.get(f"/api/competitions/toy/submissions/{mine}").status_code == 200
    refused = ben.post("/api/competitions/toy/selection", json={"ids": [mine]})
    assert refused.status_code == 400 and "not one of team" in refused.json()["message"]
    with_team = ben.get("/api/competitions/toy/submissions", params={"team": "Ann L."}).json()
    assert mine not in [s["id"] for s in with_team]  # a student cannot ask for another team
    assert len(prof.get("/api/competitions/toy/submissions").json()) == 2


def test_selection_by_the_api(api, server_course):
    ann = api("ann")
    ids = [post_file(ann, server_course.valid_csv(wrong=k)).json()["id"] for k in (1, 2, 3)]
    assert ann.post("/api/competitions/toy/selection", json={"ids": ids[:2]}).json() == {"selected": ids[:2]}
    assert [s["selected"] for s in ann.get("/api/competitions/toy/submissions").json()] == [True, True, False]
    too_many = ann.post("/api/competitions/toy/selection", json={"ids": ids})
    assert too_many.status_code == 400 and "allows 2 final selections" in too_many.json()["message"]
    assert ann.post("/api/competitions/toy/selection", json={"ids": "1"}).status_code == 400


def test_private_scores_never_appear_before_the_reveal(api, server_course):
    ann = api("ann")
    post_file(ann, server_course.valid_csv(wrong=4))
    for path in ["/api/competitions/toy/submissions", "/api/competitions/toy/leaderboard", "/api/competitions"]:
        assert "private_score\": 0" not in ann.get(path).text and '"private_score":0' not in ann.get(path).text
    for submission in ann.get("/api/competitions/toy/submissions").json():
        assert submission["private_score"] is None
    hidden = ann.get("/api/competitions/toy/leaderboard", params={"private": "true"})
    assert hidden.status_code == 400 and "hidden until the deadline" in hidden.json()["message"]


def test_the_leaderboard_names_members_by_display_name_never_by_id(api, server_course):
    post_file(api("ann"), server_course.valid_csv(wrong=2))
    post_file(api("ben"), server_course.valid_csv(wrong=6))
    rows = api("cat").get("/api/competitions/toy/leaderboard").json()["rows"]
    assert [(r["rank"], r["team"], r["members"]) for r in rows] == [(1, "Ann L.", ["Ann L."]),
                                                                     (2, "Ben Park", ["Ben Park"])]
    text = api("cat").get("/api/competitions/toy/leaderboard").text
    assert '"ann"' not in text and '"ben"' not in text


def test_an_upload_over_the_limit_is_413_before_anything_is_stored(api, server_course):
    from sqlalchemy import func, select

    from grader.store import Submission

    files_before = sorted(server_course.course.path("files").rglob("*"))
    big = b"ImageId,Label\n" + b"1,1\n" * 20_000_000  # 80 MB: over the toy's 50 MB
    response = post_file(api("ann"), big)
    assert response.status_code == 413
    with server_course.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0
    assert sorted(server_course.course.path("files").rglob("*")) == files_before


def test_a_length_header_over_the_limit_is_refused_before_the_body_is_read(app, server_course):
    import asyncio

    received = []

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"x" * 1024, "more_body": True}

    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/api/competitions/toy/submissions", "raw_path": b"",
             "query_string": b"", "headers": [(b"content-length", b"999999999999"), (b"host", b"testserver"),
                                              (b"authorization", f"Bearer {server_course.tokens['ann']}".encode())],
             "client": ("127.0.0.1", 1), "server": ("testserver", 80), "scheme": "http", "root_path": ""}
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413 and received == []


def test_a_gzip_bomb_is_refused_and_not_stored(api, server_course):
    from sqlalchemy import func, select

    from grader.store import Submission

    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as bomb:
        bomb.write(b"ImageId,Label\n")
        for _ in range(70):
            bomb.write(b"0" * 1_000_000)  # 70 MB of zeros: a few kB compressed
    assert len(buffer.getvalue()) < 200_000
    response = post_file(api("ann"), buffer.getvalue(), name="bomb.csv.gz")
    assert response.status_code == 413
    assert "when decompressed" in response.json()["message"]
    with server_course.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 0


def test_file_names_from_the_client_never_reach_the_file_system(api, server_course, tmp_path):
    hostile = "../../../../../tmp/cnnkit-pwned-" + tmp_path.name + ".csv"
    response = post_file(api("ann"), server_course.valid_csv(), name=hostile)
    assert response.status_code == 201, response.text
    from pathlib import Path

    assert not Path("/tmp/cnnkit-pwned-" + tmp_path.name + ".csv").exists()
    stored = [p.name for p in server_course.course.path("files").rglob("*") if p.is_file()]
    assert stored and all(len(name) == 64 and set(name) <= set("0123456789abcdef") for name in stored)
    assert "/" not in response.json()["file"]


def test_cross_site_posts_are_refused(browser, server_course):
    ann = browser("ann")
    page = ann.get("/competitions/toy/team")
    csrf = csrf_of(page.text)
    form = {"action": "create", "name": "Evil", "csrf": csrf}
    assert ann.post("/competitions/toy/team", data=form, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert ann.post("/competitions/toy/team", data=form, headers={"Origin": "https://evil.example"}).status_code == 403
    assert ann.post("/competitions/toy/team", data={**form, "csrf": "forged"}).status_code == 403
    assert "Evil" not in ann.get("/competitions/toy/team").text
    made = ann.post("/competitions/toy/team", data=form, headers={"Sec-Fetch-Site": "same-origin"})
    assert made.status_code == 200 and "Team &#39;Evil&#39; is yours" in made.text


def test_a_post_with_a_token_needs_no_origin(api, server_course):
    response = post_file(api("ann"), server_course.valid_csv())  # the grader command sends no Origin
    assert response.status_code == 201


def test_the_board_shows_a_write_through_the_server_at_once_and_one_from_elsewhere_after_view_fresh(
        api, browser, server_course, monkeypatch):
    """The public board is cached: a write through this server is on the next page, the CLI's within VIEW_FRESH."""
    from grader.competitions.submit import submit_bytes
    from grader.competitions.teams import add_team
    from grader.server import pages

    monkeypatch.setattr(pages, "VIEW_FRESH", 3600.0)  # the cache never expires by itself in this test
    cat = browser("cat")
    assert "Ann L." not in cat.get("/competitions/toy/leaderboard").text  # the empty board is cached now
    assert post_file(api("ann"), server_course.valid_csv(wrong=2)).status_code == 201
    assert "Ann L." in cat.get("/competitions/toy/leaderboard").text  # a write through the server: at once

    add_team(server_course.store, server_course.cfg, name="Bens from the CLI", members=["ben"])
    submit_bytes(server_course.course, server_course.store, "toy", server_course.valid_csv(), filename="b.csv",
                 team="Bens from the CLI")
    assert "Bens from the CLI" not in cat.get("/competitions/toy/leaderboard").text  # served from the cache
    monkeypatch.setattr(pages, "VIEW_FRESH", 0.0)
    assert "Bens from the CLI" in cat.get("/competitions/toy/leaderboard").text  # checked against the store
