"""What the sandbox hides and forbids: network, secrets, hidden tests, writes outside /job."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from grader.sandbox import run_sandboxed
from tests.sandbox.conftest import PYTHON

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("needs_bwrap")


def run_python(code: str, job, limits, **kwargs):
    (job / "probe.py").write_text(code)
    return run_sandboxed([PYTHON, "/job/probe.py"], job, limits, **kwargs)


def test_network_is_blocked_even_loopback(job, limits):
    code = """
import socket, json
results = {}
for host, port in [("127.0.0.1", 22), ("1.1.1.1", 53), ("8.8.8.8", 443)]:
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((host, port))
        results[host] = "connected"
    except OSError as exc:
        results[host] = type(exc).__name__ + ": " + str(exc)
print(json.dumps(results))
"""
    result = run_python(code, job, limits)
    assert result.verdict == "ok", result.stderr
    results = json.loads(result.stdout)
    assert set(results) == {"127.0.0.1", "1.1.1.1", "8.8.8.8"}
    assert not any(value == "connected" for value in results.values()), results


def test_secrets_home_course_and_hidden_tests_are_invisible(job, limits, monkeypatch, tmp_path):
    secret = "s3cr3t-" + job.name + "-value"
    monkeypatch.setenv("CNNKIT_TEST_SECRET", secret)
    course = tmp_path / "course"
    (course / "gradebook.db").parent.mkdir()
    (course / "gradebook.db").write_text("grades")
    judge_dirs = sorted(str(p) for p in REPO.glob("assignments/*/judge"))
    assert judge_dirs, "the repository should hold assignments/*/judge"
    code = f"""
import os, json, glob
seen = {{"env": "{secret}" in json.dumps(dict(os.environ))}}
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            seen["proc_" + pid] = b"{secret}" in open(f"/proc/{{pid}}/environ", "rb").read()
        except OSError:
            pass
seen["ppid_environ"] = False
try:
    seen["ppid_environ"] = b"{secret}" in open(f"/proc/{{os.getppid()}}/environ", "rb").read()
except OSError:
    pass
paths = {json.dumps([str(course), str(course / "gradebook.db"), "/root/.bashrc", "/etc/shadow", "/home",
                     str(REPO / "assignments"), str(REPO / "grader"), *judge_dirs])}
visible = {{}}
for path in paths:
    try:
        visible[path] = os.listdir(path) if os.path.isdir(path) else open(path).read(10)
    except OSError as exc:
        visible[path] = None
print(json.dumps({{"seen": seen, "visible": visible, "root": os.listdir("/root")}}))
"""
    result = run_python(code, job, limits)
    assert result.verdict == "ok", result.stderr
    report = json.loads(result.stdout)
    assert not any(report["seen"].values()), report["seen"]
    assert any(key.startswith("proc_") for key in report["seen"])  # it did read some environ files
    assert all(value is None for value in report["visible"].values()), report["visible"]
    assert ".bashrc" not in report["root"] and ".ssh" not in report["root"]


def test_no_writes_outside_job_even_through_symlinks(job, limits, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("original")
    (job / "link_to_outside").symlink_to(outside)
    (job / "link_to_usr").symlink_to("/usr/lib")
    code = f"""
import json, os
results = {{}}
for path in ["/usr/evil", "/etc/evil", "/evil", "{sys.prefix}/evil", "/job/link_to_outside",
             "/job/link_to_usr/evil", "{outside}", "/proc/evil"]:
    try:
        with open(path, "w") as handle:
            handle.write("pwned")
        results[path] = "written"
    except OSError as exc:
        results[path] = type(exc).__name__
with open("/job/inside.txt", "w") as handle:
    handle.write("ok")
print(json.dumps(results))
"""
    result = run_python(code, job, limits)
    assert result.verdict == "ok", result.stderr
    results = json.loads(result.stdout)
    assert "written" not in results.values(), results
    assert outside.read_text() == "original"
    assert (job / "inside.txt").read_text() == "ok"
    assert not Path("/usr/evil").exists() and not Path("/evil").exists()


def test_tmp_is_private_and_bounded(job, limits):
    code = """
import os
written = 0
try:
    with open("/tmp/fill", "wb") as handle:
        for _ in range(64):
            handle.write(b"x" * 2**20)
            handle.flush()
            written += 1
except OSError as exc:
    print("stopped", written, exc.errno)
else:
    print("wrote", written)
"""
    result = run_python(code, job, limits)
    assert result.verdict == "ok", result.stderr
    words = result.stdout.decode().split()
    assert words[0] == "stopped" and int(words[1]) <= limits.tmp_mb, result.stdout
    assert not Path("/tmp/fill").exists()
