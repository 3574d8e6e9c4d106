"""Sign-in by link, sessions, rotation, rate limits and the security headers, over real requests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from server_fixtures import csrf_of


def token_of(server_course, person: str) -> str:
    return server_course.links[person].rsplit("/", 1)[1]


def test_a_link_works_once_and_each_bad_link_has_its_own_page(browser, server_course):
    nobody = browser(None)
    page = nobody.get(server_course.links["ann"])
    assert page.status_code == 200 and page.headers["referrer-policy"] == "no-referrer"
    assert 'name="token"' in page.text  # a button posts it: opening the link does not use it up
    assert nobody.post("/signin", data={"token": token_of(server_course, "ann")}).status_code == 303
    again = browser(None).post("/signin", data={"token": token_of(server_course, "ann")})
    assert again.status_code == 401 and "already used" in again.text and "Traceback" not in again.text
    unknown = browser(None).post("/signin", data={"token": "x" * 43})
    assert unknown.status_code == 401 and "not valid" in unknown.text


def test_an_expired_and_a_replaced_link_do_not_sign_in(browser, server_course):
    from grader.auth import STUDENT, invite

    old = invite(server_course.course, server_course.store, role=STUDENT, principal="ben", base_url="", days=7)
    newer = invite(server_course.course, server_course.store, role=STUDENT, principal="ben", base_url="", days=7)
    replaced = browser(None).post("/signin", data={"token": old.url.rsplit("/", 1)[1]})
    assert replaced.status_code == 401 and "replaced by a newer one" in replaced.text
    expired = invite(server_course.course, server_course.store, role=STUDENT, principal="cat", base_url="",
                     days=7, now=datetime.now(timezone.utc) - timedelta(days=8))
    late = browser(None).post("/signin", data={"token": expired.url.rsplit("/", 1)[1]})
    assert late.status_code == 401 and "expired" in late.text
    assert browser(None).post("/signin", data={"token": newer.url.rsplit("/", 1)[1]}).status_code == 303


def test_the_session_cookie_is_httponly_lax_and_signed(browser, server_course):
    client = browser(None)
    response = client.post("/signin", data={"token": token_of(server_course, "ann")})
    cookie = response.headers["set-cookie"].lower()
    assert "cnnkit_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http on 127.0.0.1; behind https ([server] url) it is Secure
    value = client.cookies.get("cnnkit_session")
    forged = browser(None)
    forged.cookies.set("cnnkit_session", value[:-3] + ("abc" if not value.endswith("abc") else "xyz"))
    assert forged.get("/").status_code == 401  # a changed cookie is nobody
    assert client.get("/").status_code == 200


def test_the_cookie_is_secure_behind_https(server_course):
    from fastapi.testclient import TestClient

    from grader.server import create_app

    client = TestClient(create_app(server_course.course, base_url="https://cnn.example.edu"),
                        follow_redirects=False)
    response = client.post("/signin", data={"token": token_of(server_course, "ann")})
    assert "secure" in response.headers["set-cookie"].lower()


def test_rotating_signs_out_everywhere(browser, server_course):
    from grader.auth import STUDENT, invite

    ann = browser("ann")
    assert ann.get("/").status_code == 200
    invite(server_course.course, server_course.store, role=STUDENT, principal="ann", base_url="", days=7,
           rotate=True)
    assert ann.get("/").status_code == 401


def test_signing_out_ends_the_session(browser):
    ann = browser("ann")
    csrf = csrf_of(ann.get("/").text)
    assert ann.post("/signout", data={"csrf": csrf}).status_code == 200
    assert ann.get("/").status_code == 401


def test_sign_in_attempts_are_rate_limited(browser, server_course):
    nobody = browser(None)
    limit = int(server_course.course.get("server", "signins_per_minute"))
    answers = [nobody.post("/signin", data={"token": f"guess-{i}"}).status_code for i in range(limit + 2)]
    assert answers[:limit] == [401] * limit and answers[limit:] == [429, 429]
    refused = nobody.post("/signin", data={"token": "one more"})
    assert int(refused.headers["retry-after"]) >= 1 and "Too many sign-in attempts" in refused.text


def test_every_answer_carries_the_security_headers(browser, api):
    for response in (browser("ann").get("/"), browser(None).get("/"), api("ann").get("/api/competitions"),
                     api(None).get("/healthz")):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"
        assert "script-src 'none'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
