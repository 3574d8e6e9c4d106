"""The Data tab's file list: from the released kit, folders summarised, solutions never listed."""

from __future__ import annotations

import zipfile

from site_fixtures import KIT_FILES, NOW, make_course, release_kit, write_competition_folder

from leaderboard.build import build_site
from leaderboard.datafiles import summarise


def test_folders_become_one_row_with_their_file_count_and_size():
    rows = summarise([("kit/train/cat/1.jpg", 100), ("kit/train/dog/2.jpg", 50), ("kit/test/9.jpg", 10),
                      ("kit/sample_submission.csv", 7)])
    assert [(r.name, r.size, r.count) for r in rows] == [
        ("sample_submission.csv", 7, 1), ("test/", 10, 1), ("train/", 150, 2)]
    assert rows[2].description == "Training inputs with their labels"


def test_the_released_zip_is_listed_without_any_solution(tmp_path):
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    course.path("release").mkdir()
    with zipfile.ZipFile(course.path("release", "digit-recognizer.zip"), "w") as kit:
        for i in range(3):
            kit.writestr(f"digit-recognizer/train/cat/{i}.jpg", b"x" * 1000)
        kit.writestr("digit-recognizer/README.md", "# Digit Recognizer")
        kit.writestr("digit-recognizer/solution.csv", "ImageId,Label,Usage\n")
        kit.writestr("digit-recognizer/sample_submission.csv", "ImageId,Label\n11,3\n12,3\n")
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    html = (site / "digit-recognizer" / "data.html").read_text(encoding="utf-8")
    assert "<code>train/</code> <span class=\"muted\">3 files, in the zip</span>" in html
    assert "3.0 kB" in html
    assert "solution.csv" not in html and not (site / "digit-recognizer" / "data" / "solution.csv").exists()
    assert 'href="data/digit-recognizer.zip" download' in html
    assert "<td>11</td><td>3</td>" in html  # the sample file's rows, from the kit
    assert sorted(p.name for p in (site / "digit-recognizer" / "data").iterdir()) == [
        "README.md", "digit-recognizer.zip", "sample_submission.csv"]  # the folder train/ is in the zip only


def test_files_of_the_unzipped_kit_are_linked_not_copied_again(tmp_path):
    course, store = make_course(tmp_path / "course")
    write_competition_folder(course)
    release_kit(course)
    unzipped = course.path("release", "digit-recognizer")
    unzipped.mkdir()
    for name, text in KIT_FILES.items():
        (unzipped / name).write_text(text, encoding="utf-8")
    site = build_site(course, store, tmp_path / "site", now=NOW).parent
    copied = site / "digit-recognizer" / "data" / "train.npz"
    assert copied.read_text(encoding="utf-8") == KIT_FILES["train.npz"]
    assert copied.stat().st_ino == (unzipped / "train.npz").stat().st_ino  # one file on disk, two names
