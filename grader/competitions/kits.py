"""Starter kits: ``grader release COMPETITION`` -> ``<course>/release/<competition>.zip``.

A kit holds README.md (Overview, Data, Evaluation, Rules), the training images
with labels, the test images with ids only, ``sample_submission.csv``,
``classes.csv`` and the baseline notebook. Array datasets travel as
``train.npz`` (``x``, ``y``) and ``test.npz`` (``x``, ``ids``); an image-folder
dataset (dogs-vs-cats) as ``train/<class>/<file>`` and ``test/<id>.<ext>`` (test
files are renamed to their id: Kaggle's ``cat.12.jpg`` names would give the
answer away).

The truth goes to ``<course>/competitions/<name>/solution.csv`` and nowhere
else. The same files, unzipped, are kept in ``<course>/release/<name>/``: that
folder is what a code competition's sandbox may read.
"""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np

from grader.competitions.config import CompetitionConfig, list_competitions, load_competition  # noqa: F401
from grader.competitions.metrics import get_metric
from grader.competitions.rules import TIE_RULE
from grader.competitions.solution import solution_from_splits, write_solution
from grader.errors import CompetitionError

__all__ = ["release_kit", "build_kit", "list_competitions", "render_readme", "sample_submission_csv"]


def release_kit(course, name: str) -> Path:
    """Build the starter kit of competition ``name``; return the zip's path.

    Its README tells students how to submit: to grader.toml's ``[server] url`` when set.
    """
    cfg = load_competition(course, name)
    if cfg.dataset == "image-folder":
        from grader.competitions.image_folder import image_folder_splits

        splits = image_folder_splits(cfg)
    else:
        from grader.datasets import load_splits

        splits = load_splits(cfg.dataset, course=course, seed=cfg.split_seed, public_fraction=cfg.public_fraction)
    return build_kit(cfg, splits, course.path("release"), server_url=course.get("server", "url"))


def build_kit(cfg: CompetitionConfig, splits, release_dir: Path, *, server_url: str = "") -> Path:
    """Write solution.csv beside competition.toml and the kit (folder and zip) into ``release_dir``."""
    if list(splits.class_names) != list(cfg.class_names):
        raise CompetitionError(
            f"{cfg.folder / 'competition.toml'}: class_names {cfg.class_names} differ from the dataset's "
            f"{list(splits.class_names)}. Use the dataset's names in its order.")
    solution = solution_from_splits(splits)
    write_solution(cfg, solution)
    release_dir = Path(release_dir)
    release_dir.mkdir(parents=True, exist_ok=True)
    staging = release_dir / f".{cfg.name}.building"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        files = _write_data(cfg, splits, staging)
        (staging / "sample_submission.csv").write_bytes(sample_submission_csv(cfg, solution.ids))
        (staging / "classes.csv").write_text(
            "index,name\n" + "".join(f"{i},{_csv_cell(n)}\n" for i, n in enumerate(cfg.class_names)), encoding="utf-8")
        files.append(("sample_submission.csv", "every test id with a placeholder prediction: the format to submit"))
        files.append(("classes.csv", "the class index and name of each label"))
        if (cfg.folder / "baseline.py").is_file():
            _write_notebook(cfg.folder / "baseline.py", staging / "baseline.ipynb")
            files.append(("baseline.ipynb", "a small Keras model that trains on this kit and writes `submission.csv`"))
        (staging / "README.md").write_text(render_readme(cfg, files, n_test=len(solution.ids), n_train=len(splits.y_train),
                                                         server_url=server_url), encoding="utf-8")
        zip_path = release_dir / f"{cfg.name}.zip"
        _zip_folder(staging, zip_path, top=cfg.name)
        _replace_folder(staging, release_dir / cfg.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return zip_path


def _write_data(cfg, splits, folder: Path) -> list[tuple[str, str]]:
    """Training and test files; returns (file, description) for the README."""
    ids = np.concatenate([np.asarray(splits.ids_public), np.asarray(splits.ids_private)]).astype(np.int64)
    x_test = np.concatenate([np.asarray(splits.x_public), np.asarray(splits.x_private)])
    order = np.argsort(ids, kind="stable")
    ids, x_test = ids[order], x_test[order]
    x_train, y_train = np.asarray(splits.x_train), np.asarray(splits.y_train).astype(np.int64)
    if x_train.dtype.kind in "US":  # an image-folder dataset: paths
        for label, path in zip(y_train.tolist(), x_train.tolist()):
            target = folder / "train" / cfg.class_names[label] / Path(path).name
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(Path(path), target)
        (folder / "test").mkdir()
        for test_id, path in zip(ids.tolist(), x_test.tolist()):
            _link_or_copy(Path(path), folder / "test" / f"{test_id}{Path(path).suffix.lower()}")
        return [("train/<class>/*", f"{len(y_train)} training images in one folder per class"),
                ("test/<id>.*", f"{len(ids)} test images named by their id")]
    _save_npz(folder / "train.npz", x=x_train, y=y_train)
    _save_npz(folder / "test.npz", x=x_test, ids=ids)
    shape = "×".join(str(d) for d in x_train.shape[1:])
    return [("train.npz", f"x: {len(y_train)} images ({shape}, uint8), y: their labels (0..{len(cfg.class_names) - 1})"),
            ("test.npz", f"x: {len(ids)} test images, ids: the id of each test image (no labels)")]


def _save_npz(path: Path, **arrays) -> None:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _csv_cell(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ',"\n') else value


def sample_submission_csv(cfg, ids: np.ndarray) -> bytes:
    """Every test id with a placeholder prediction (a valid submission that scores like a constant guess)."""
    kind = cfg.prediction_kind
    if kind == "label":
        value = cfg.class_names[0] if cfg.label_format == "name" else "0"
        placeholder = _csv_cell(value)
    elif kind == "probability":
        placeholder = "0.5"
    else:
        placeholder = ",".join([f"{1 / len(cfg.class_names):.6f}"] * len(cfg.class_names))
    lines = [",".join(cfg.columns)] + [f"{i},{placeholder}" for i in np.sort(ids).tolist()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _write_notebook(source: Path, target: Path) -> None:
    import jupytext
    import nbformat

    notebook = jupytext.read(source, fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    nbformat.write(notebook, str(target))


def _zip_folder(folder: Path, zip_path: Path, *, top: str) -> None:
    tmp = zip_path.with_name(f".{zip_path.name}.tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                compress = zipfile.ZIP_STORED if path.suffix.lower() in (".npz", ".jpg", ".jpeg", ".png") \
                    else zipfile.ZIP_DEFLATED
                archive.write(path, f"{top}/{path.relative_to(folder).as_posix()}", compress_type=compress)
    os.replace(tmp, zip_path)


def _replace_folder(staging: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def render_readme(cfg, files: list[tuple[str, str]], *, n_test: int, n_train: int, server_url: str = "") -> str:
    metric = get_metric(cfg.metric)
    direction = "higher is better" if metric.greater_is_better else "lower is better"
    example = sample_submission_csv(cfg, np.arange(1, 4)).decode("utf-8").strip()
    parts = [f"# {cfg.title}", ""]
    if cfg.subtitle:
        parts += [f"*{cfg.subtitle}*", ""]
    parts += ["## Overview", "", cfg.overview_md.strip(), "", "## Data", "", cfg.data_md.strip(), "",
              "### Files in this kit", "", "| file | what it holds |", "| --- | --- |"]
    parts += [f"| `{name}` | {what} |" for name, what in files]
    parts += ["", f"Classes ({len(cfg.class_names)}): " + ", ".join(f"{i} = {n}" for i, n in enumerate(cfg.class_names)),
              "", "## Evaluation", "", cfg.evaluation_md.strip(), "",
              f"**Metric:** `{metric.name}` ({direction}). {metric.formula_text}.", "",
              f"**Submission format:** a CSV file with the header `{','.join(cfg.columns)}` and one row for each "
              f"of the {n_test} test ids, for example:", "", "```", example, "...", "```", "",
              *how_to_submit(cfg, metric, direction, server_url), "## Rules", ""]
    parts += [f"- {rule}" for rule in rules(cfg)]
    return "\n".join(parts) + "\n"


def how_to_submit(cfg, metric, direction: str, server_url: str) -> list[str]:
    """The README's "How to submit": deadline, daily limit, metric, and the command (or: as the instructor says)."""
    from grader.handout import hand_in_place, moment_text

    what, example = (("your notebook (it must write `submission.csv`)", "notebook.ipynb") if cfg.kind == "code"
                      else ("your `submission.csv`", "submission.csv"))
    lines = ["## How to submit", "",
             f"- **Deadline:** {moment_text(cfg.deadline, cfg.timezone)}.",
             f"- **Daily limit:** {cfg.daily_limit} valid submissions per team per day (days in {cfg.timezone}).",
             f"- **Metric:** `{metric.name}` ({direction}).", "",
             f"Submit {what} {hand_in_place(server_url)}" + (", or with cnnkit's command line:" if server_url else "."),
             ""]
    if server_url:
        lines += ["```", f'grader submit {cfg.name} {example} -m "what you changed" --server {server_url}', "```", ""]
    return lines


def rules(cfg) -> list[str]:
    """The competition's rules in words, generated from competition.toml (the site shows them too)."""
    public = round(cfg.public_fraction * 100)
    out = [f"Teams of at most {cfg.max_team_size} students; each student is in one team.",
           f"At most {cfg.daily_limit} valid submissions per team per day (days in {cfg.timezone}); "
           "a file that fails validation does not count.",
           f"The public leaderboard scores {public} % of the test rows; the private leaderboard scores the other "
           f"{100 - public} % and decides the final ranking.",
           f"Select up to {cfg.final_selections} submissions for the private leaderboard; without a selection "
           f"your best {cfg.final_selections} by public score count.",
           f"Submissions close at {cfg.deadline.isoformat()}."
           + (f" They open at {cfg.start.isoformat()}." if cfg.start else ""),
           ("Late submissions are scored and shown to your team, but never ranked." if cfg.score_late
            else "Late submissions are not accepted."),
           TIE_RULE,
           "Use only this kit's training data for training; do not label the test images by hand."]
    if cfg.kind == "code":
        out.insert(0, f"This is a code competition: submit a notebook that trains and writes submission.csv "
                      f"within {cfg.budget_seconds} seconds.")
    return out


def kit_folder(course, name: str) -> Path:
    """The released kit, unzipped: the only files a code competition's notebook may read.

    It holds the training data, the test inputs and sample_submission.csv; the
    solution stays in ``competitions/<name>/`` and never enters this folder.
    """
    folder = course.path("release", name)
    if not (folder / "sample_submission.csv").is_file():
        raise CompetitionError(f"{name} has not been released ({folder} is missing). Run 'grader release {name}' first.")
    return folder
