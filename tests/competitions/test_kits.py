"""Starter kits: what goes into the zip, and that the truth never does."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from grader.competitions.config import load_competition
from grader.competitions.kits import build_kit
from grader.competitions.solution import load_solution
from grader.competitions.validation import SubmissionSpec, validate_submission
from grader.datasets.splits import Splits
from grader.errors import CompetitionError

from .conftest import TOY_TOML, add_competition, toy_splits

SHIPPED = Path(__file__).resolve().parents[2] / "starter_kits"


def read_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_array_kit_contents_and_no_truth(course):
    splits = toy_splits()
    folder = course.path("competitions", "toy")
    folder.mkdir(parents=True)
    (folder / "baseline.py").write_text((SHIPPED / "digit-recognizer" / "baseline.py").read_text())
    (folder / "overview.md").write_text("Recognise the digits.")
    cfg = add_competition(course, "toy", TOY_TOML.format(daily_limit=5), splits)
    files = read_zip(course.path("release", "toy.zip"))
    assert sorted(files) == sorted(f"toy/{n}" for n in ("README.md", "train.npz", "test.npz", "sample_submission.csv",
                                                        "classes.csv", "baseline.ipynb"))
    # the truth stays in the course, never in the zip
    assert cfg.solution_path.is_file()
    assert not any("solution" in name for name in files)
    test = np.load(io.BytesIO(files["toy/test.npz"]))
    assert sorted(test.files) == ["ids", "x"]
    train = np.load(io.BytesIO(files["toy/train.npz"]))
    assert sorted(train.files) == ["x", "y"]
    np.testing.assert_array_equal(train["y"], splits.y_train)
    # test rows sorted by id; each image is the one with that id in the split
    assert test["ids"].tolist() == list(range(1, 101))
    first = int(np.flatnonzero(splits.ids_public == 1)[0]) if 1 in splits.ids_public else None
    expected_first = splits.x_public[first] if first is not None else \
        splits.x_private[int(np.flatnonzero(splits.ids_private == 1)[0])]
    np.testing.assert_array_equal(test["x"][0], expected_first)
    truth_bytes = ",".join(map(str, load_solution(cfg).truth.tolist())).encode()
    assert all(truth_bytes not in data for data in files.values())
    # the sample submission is valid and the README has Kaggle's four sections
    spec = SubmissionSpec.for_competition(cfg, load_solution(cfg).ids)
    assert len(validate_submission(files["toy/sample_submission.csv"], spec).predictions) == 100
    readme = files["toy/README.md"].decode()
    for heading in ("## Overview", "## Data", "## Evaluation", "## Rules"):
        assert heading in readme
    assert "Recognise the digits." in readme and "At most 5 valid submissions per team per day" in readme
    notebook = json.loads(files["toy/baseline.ipynb"])
    assert notebook["nbformat"] == 4 and any("submission.csv" in "".join(c["source"]) for c in notebook["cells"])
    # the same kit unzipped, for code competitions' sandboxes
    from grader.competitions.kits import kit_folder

    assert sorted(p.name for p in kit_folder(course, "toy").iterdir()) == sorted(n.split("/", 1)[1] for n in files)
    with pytest.raises(CompetitionError, match=r"^other has not been released \(.*\)\. Run 'grader release other' first\.$"):
        kit_folder(course, "other")


def test_solution_is_written_once_and_never_changed_silently(course):
    cfg = add_competition(course, "toy", TOY_TOML.format(daily_limit=5), toy_splits(seed=0))
    before = cfg.solution_path.read_bytes()
    build_kit(cfg, toy_splits(seed=0), course.path("release"))  # same split: fine
    assert cfg.solution_path.read_bytes() == before
    with pytest.raises(CompetitionError, match=r"solution.csv exists and differs from the split"):
        build_kit(cfg, toy_splits(seed=1), course.path("release"))
    assert cfg.solution_path.read_bytes() == before
    lines = before.decode().splitlines()
    assert lines[0] == "ImageId,truth,Usage"
    assert {line.rsplit(",", 1)[1] for line in lines[1:]} == {"Public", "Private"}
    assert sum(line.endswith(",Public") for line in lines[1:]) == 30


def test_class_names_must_match_the_dataset(course):
    with pytest.raises(CompetitionError, match=r"class_names .* differ from the dataset's"):
        add_competition(course, "toy", TOY_TOML.format(daily_limit=5),
                        toy_splits(class_names=[f"c{i}" for i in range(10)]))


def test_image_folder_kit_renames_test_files_to_their_ids(course, tmp_path):
    """dogs-vs-cats: Kaggle's file names (cat.3.jpg) would give the label away."""
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    paths = []
    for i in range(12):
        name = f"{'cat' if i % 2 == 0 else 'dog'}.{i}.jpg"
        Image.new("RGB", (8, 8), (i * 20, 0, 0)).save(pictures / name)
        paths.append(str(pictures / name))
    paths = np.array(paths)
    labels = np.arange(12) % 2
    splits = Splits(x_train=paths[:6], y_train=labels[:6], x_public=paths[6:8], y_public=labels[6:8],
                    x_private=paths[8:], y_private=labels[8:], class_names=["cat", "dog"], source="test",
                    variant="toy", ids_public=np.array([3, 1]), ids_private=np.array([2, 6, 4, 5]))
    toml = (SHIPPED / "dogs-vs-cats" / "competition.toml").read_text()
    add_competition(course, "dogs", toml, splits)
    files = read_zip(course.path("release", "dogs.zip"))
    tests = sorted(n for n in files if n.startswith("dogs/test/"))
    assert tests == [f"dogs/test/{i}.jpg" for i in range(1, 7)]
    assert sorted(n for n in files if n.startswith("dogs/train/")) == \
        sorted(f"dogs/train/{'cat' if i % 2 == 0 else 'dog'}/{Path(paths[i]).name}" for i in range(6))
    assert files["dogs/test/3.jpg"] == Path(paths[6]).read_bytes()
    assert b"id,label\n1,0.5\n" in files["dogs/sample_submission.csv"]


@pytest.mark.parametrize("name", ["digit-recognizer", "fashion-mnist", "cifar-10", "dogs-vs-cats", "shapes-challenge"])
def test_shipped_kits_are_complete(course, name):
    import shutil

    import jupytext

    shutil.copytree(SHIPPED / name, course.path("competitions", name))
    cfg = load_competition(course, name)
    import tomllib

    from grader.competitions.config import KEYS

    image_folder_only = {"image_folder", "test_fraction"}
    from_the_course = {"timezone"}  # the daily limit follows [course] timezone
    text = (SHIPPED / name / "competition.toml").read_text()
    assert set(tomllib.loads(text)) == set(KEYS) - image_folder_only - from_the_course
    assert "# timezone = " in text
    assert cfg.overview_md and cfg.evaluation_md and cfg.data_md and cfg.title
    assert cfg.deadline.tzinfo is not None and cfg.kind == "predictions"
    from grader.datasets import get_dataset

    assert cfg.class_names == list(get_dataset(cfg.dataset).class_names)
    notebook = jupytext.read(SHIPPED / name / "baseline.py")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "submission.csv" in code and "keras" in code
    compile(code, "baseline.py", "exec")
    expected = {"digit-recognizer": ("ImageId", ["Label"], "accuracy_score"),
                "dogs-vs-cats": ("id", ["label"], "log_loss"),
                "shapes-challenge": ("id", ["label"], "f1_macro_score")}.get(name, ("id", ["label"], "accuracy_score"))
    assert (cfg.id_column, cfg.target_columns, cfg.metric) == expected


def test_a_sixth_competition_from_a_folder_of_images(course, tmp_path):
    """the README's recipe (Adding a sixth competition): class sub-folders + competition.toml -> kit, solution, scoring."""
    from grader.competitions.kits import release_kit
    from grader.competitions.submit import submit_file
    from grader.competitions.teams import add_team
    from grader.store import Store

    from .conftest import NOW

    folder = course.path("competitions", "flowers")
    for label, name in enumerate(["rose", "daisy", "tulip"]):
        (folder / "images" / name).mkdir(parents=True)
        for i in range(10):
            Image.new("RGB", (12, 12), (label * 80, i * 20, 50)).save(folder / "images" / name / f"{name}_{i}.png")
    (folder / "competition.toml").write_text(
        'title = "Flowers"\ndataset = "image-folder"\nimage_folder = "images"\nmetric = "f1_macro_score"\n'
        'label_format = "name"\ntest_fraction = 0.3\ndeadline = 2026-12-18T23:59:00+09:00\n')
    (folder / "overview.md").write_text("Name the flower.")
    cfg = load_competition(course, "flowers")
    assert cfg.class_names == ["daisy", "rose", "tulip"]  # sorted, as Keras orders folders
    files = read_zip(release_kit(course, "flowers"))
    tests = [n for n in files if n.startswith("flowers/test/")]
    assert len(tests) == 9 and all(Path(n).stem.isdigit() for n in tests)  # 30 % of 30, named by id
    assert sum(n.startswith("flowers/train/rose/") for n in files) == 7
    assert not any(name in n for n in tests for name in ("rose", "daisy", "tulip"))
    solution = load_solution(cfg)
    store = Store.open(course)
    add_team(store, cfg, name="petals", members=["s1"])
    answer = course.path("release", "flowers", "answer.csv")
    answer.write_text("id,label\n" + "".join(f"{i},{cfg.class_names[t]}\n" for i, t in zip(solution.ids, solution.truth)))
    row = submit_file(course, store, "flowers", answer, team="petals", now=NOW)
    assert row.status == "scored"
    with pytest.raises(CompetitionError, match=r"needs 'image_folder'"):
        (folder / "competition.toml").write_text('title = "x"\ndataset = "image-folder"\nmetric = "accuracy_score"\n'
                                                  'deadline = 2026-12-18T23:59:00+09:00\n')
        load_competition(course, "flowers")


def test_readme_says_deadline_daily_limit_metric_and_how_to_submit(course):
    add_competition(course, "toy", TOY_TOML.format(daily_limit=4))
    readme = read_zip(course.path("release", "toy.zip"))["toy/README.md"].decode()
    section = readme[readme.index("## How to submit"):readme.index("## Rules")]
    assert section == ("## How to submit\n\n"
                       "- **Deadline:** Friday 2026-12-18 23:59 (Asia/Seoul, UTC+09:00).\n"
                       "- **Daily limit:** 4 valid submissions per team per day (days in Asia/Seoul).\n"
                       "- **Metric:** `accuracy_score` (higher is better).\n\n"
                       "Submit your `submission.csv` as your instructor says.\n\n")
    # with grader.toml's [server] url, `grader release` gives the server and the command
    from grader.competitions.kits import release_kit
    from grader.course import validate_config

    course.config = validate_config({"server": {"url": "https://cnn.example.edu"}}, course.path("grader.toml"))
    folder = course.path("competitions", "digits")
    folder.mkdir()
    (folder / "competition.toml").write_text(TOY_TOML.format(daily_limit=4), encoding="utf-8")
    readme = read_zip(release_kit(course, "digits"))["digits/README.md"].decode()
    assert ("Submit your `submission.csv` on the class server, <https://cnn.example.edu>, or with cnnkit's "
            "command line:\n\n```\n"
            'grader submit digits submission.csv -m "what you changed" --server https://cnn.example.edu\n```\n') in readme
