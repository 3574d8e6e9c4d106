"""The Data tab: the starter kit's files, the sample submission, sample images per class.

A competition is published only once its starter kit is released
(``release/<competition>.zip``, made by ``grader release``): :func:`read_kit` says
whether it is, lists the zip's files (anything named like a solution is never
listed) and reads its sample submission; :func:`publish_kit` copies the zip and
its top-level files into the site for students to download (hard links when the
site is on the same disk). Sample images are drawn from the training split, one
PNG strip per class, and cached under ``<course>/.cache/site/`` because loading a
full dataset takes longer than building the rest of the site.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import os
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SAMPLES_PER_CLASS = 8
THUMBNAIL = 56  # pixels per sample image in the strip

# (glob on the file name, what the file is). First match wins.
DESCRIPTIONS = (
    ("readme*", "Overview, data, evaluation and rules of the competition"),
    ("sample_submission*", "A valid submission in the expected format (every test id, a constant prediction)"),
    ("*.ipynb", "Baseline notebook: trains a small model and writes a valid submission"),
    ("baseline*", "Baseline: trains a small model and writes a valid submission"),
    ("train*", "Training inputs with their labels"),
    ("test*", "Test inputs without labels: predict these"),
    ("classes*", "The class index and name of each label"),
    ("*.md", "Documentation"),
    ("*.csv", "Table (CSV)"),
    ("*.npz", "NumPy arrays"),
    ("*.zip", "Archive"),
)
HIDDEN = ("*solution*", "*.pyc", ".*", "__pycache__*")


@dataclass
class DataFile:
    name: str
    size: int
    description: str
    count: int = 1  # a folder stands for its files: "train/ (25,000 files)"

    @property
    def is_folder(self) -> bool:  # a folder is downloaded with the zip, a file also on its own
        return self.name.endswith("/")


@dataclass
class Kit:
    """A competition's released starter kit, as the Data and Code tabs show it."""

    released: bool
    zip_name: str = ""  # the zip's file name in the site's data/ folder
    zip_size: int = 0
    files: list[DataFile] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # sample_submission.csv's header
    sample_rows: list[list[str]] = field(default_factory=list)  # and its first rows
    notebooks: dict[str, bytes] = field(default_factory=dict)  # top-level *.ipynb of the kit: name -> bytes


def summarise(entries: list[tuple[str, int]]) -> list[DataFile]:
    """One row per top-level file, and one per top-level folder with its file count and total size.

    A kit's zip holds ``<competition>/...``; that common top folder is dropped.
    """
    top = _top_folder([name for name, _ in entries])
    rows: dict[str, DataFile] = {}
    for name, size in entries:
        name = name[len(top):]
        if "/" in name:
            folder = name.split("/", 1)[0] + "/"
            row = rows.setdefault(folder, DataFile(folder, 0, describe(folder.rstrip("/")), 0))
            row.size += size
            row.count += 1
        else:
            rows[name] = DataFile(name, size, describe(name))
    return sorted(rows.values(), key=lambda row: row.name)


@dataclass
class ClassSample:
    name: str
    image: str | None  # file name in the competition's samples/ folder of the site


def describe(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    for pattern, text in DESCRIPTIONS:
        if fnmatch.fnmatch(base, pattern):
            return text
    return ""


def _hidden(name: str) -> bool:
    return any(fnmatch.fnmatch(part.lower(), pattern) for part in name.split("/") for pattern in HIDDEN)


def read_kit(course, cfg, sample_limit: int = 4) -> Kit:
    """The released kit of ``cfg`` (``Kit(released=False)`` when there is no readable zip)."""
    archive = kit_zip(course, cfg)
    try:
        with zipfile.ZipFile(archive) as kit:
            members = [i for i in kit.infolist() if not i.is_dir() and not _hidden(i.filename)]
            entries = [(i.filename, i.file_size) for i in members]
            top = _top_folder([name for name, _ in entries])
            sample = next((i for i in members if i.filename == f"{top}sample_submission.csv"), None)
            text = kit.read(sample)[:64 * 1024].decode("utf-8-sig", errors="replace") if sample else ""
            notebooks = {i.filename[len(top):]: kit.read(i) for i in members
                         if i.filename.startswith(top) and "/" not in i.filename[len(top):]
                         and i.filename.endswith(".ipynb")}
    except (OSError, zipfile.BadZipFile):
        return Kit(released=False)
    rows = list(csv.reader(io.StringIO(text))) if text else []
    columns, sample_rows = (rows[0], rows[1: sample_limit + 1]) if rows else ([cfg.id_column, *cfg.target_columns], [])
    return Kit(released=True, zip_name=archive.name, zip_size=archive.stat().st_size, files=summarise(entries),
               columns=columns, sample_rows=sample_rows, notebooks=notebooks)


def kit_zip(course, cfg) -> Path:
    return course.path("release", f"{cfg.name}.zip")


def publish_kit(course, cfg, kit: Kit, data_dir: Path) -> None:
    """Put the kit's zip and its top-level files into ``data_dir`` (the site's download folder)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    archive = kit_zip(course, cfg)
    _link_or_copy(archive, data_dir / kit.zip_name)
    unzipped = course.path("release", cfg.name)  # grader release keeps the kit unzipped beside the zip
    wanted = {f.name: f.size for f in kit.files if not f.is_folder}
    with zipfile.ZipFile(archive) as zipped:
        names = [i.filename for i in zipped.infolist() if not i.is_dir() and not _hidden(i.filename)]
        top = _top_folder(names)
        for member in names:
            name = member[len(top):]
            if name not in wanted:
                continue
            source = unzipped / name
            if source.is_file() and source.stat().st_size == wanted[name]:
                _link_or_copy(source, data_dir / name)
            else:
                with zipped.open(member) as handle, open(data_dir / name, "wb") as out:
                    shutil.copyfileobj(handle, out, 1 << 20)


def _top_folder(names: list[str]) -> str:
    """``<competition>/`` when every name of a kit's zip is inside that one folder, else ""."""
    top = names[0].split("/", 1)[0] + "/" if names and all("/" in n for n in names) else ""
    return top if top and all(n.startswith(top) for n in names) else ""


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def column_meanings(cfg) -> list[str]:
    """What each column of submission.csv holds, in words, for when there is no sample file."""
    kind = getattr(cfg, "prediction_kind", "label")
    names = [str(n) for n in getattr(cfg, "class_names", [])]
    shown = ", ".join(names[:10]) + (", …" if len(names) > 10 else "")
    if kind == "probability":
        target = [f"probability of '{names[-1]}', in [0, 1]" if names else "probability, in [0, 1]"]
    elif kind == "probabilities":
        target = [f"probability of '{name}'" for name in names]
    else:
        labels = shown if getattr(cfg, "label_format", "index") == "name" else f"0..{len(names) - 1} ({shown})"
        target = [f"the predicted class: {labels}" if names else "the predicted class"]
    width = 1 + len(cfg.target_columns)
    meanings = ["the id of a test image", *target][:width]
    return meanings + [""] * (width - len(meanings))


def class_samples(course, cfg, samples_dir: Path) -> tuple[list[ClassSample], str]:
    """One PNG strip per class into ``samples_dir``; (samples, a note when there are none)."""
    if not getattr(cfg, "dataset", ""):
        return [], "This competition names no dataset."
    data_config = course.config.get("data", {}) if hasattr(course, "config") else {}
    key = hashlib.sha256(json.dumps([cfg.dataset, getattr(cfg, "split_seed", None), data_config],
                                    sort_keys=True, default=str).encode()).hexdigest()[:16]
    cache = course.path(".cache", "site", f"{cfg.dataset}-{key}")
    if not (cache / "classes.json").is_file():
        note = _draw_samples(course, cfg, cache)
        if note:
            return [], note
    names = json.loads((cache / "classes.json").read_text(encoding="utf-8"))
    samples_dir.mkdir(parents=True, exist_ok=True)
    samples = []
    for index, name in enumerate(names):
        source = cache / f"class-{index}.png"
        if source.is_file():
            shutil.copyfile(source, samples_dir / source.name)
            samples.append(ClassSample(str(name), source.name))
        else:
            samples.append(ClassSample(str(name), None))
    return samples, ""


NO_SAMPLES = "No sample images: the dataset is not on the machine that built this site."


def _draw_samples(course, cfg, cache: Path) -> str:
    from grader.errors import GraderError

    try:
        from grader.datasets import load_splits

        splits = load_splits(cfg.dataset, course=course, seed=getattr(cfg, "split_seed", None))
    except (ImportError, GraderError):  # the error names server paths and commands: not for a student's page
        return NO_SAMPLES
    x, y = splits.x_train, np.asarray(splits.y_train)
    staging = cache.with_name(cache.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for index in range(len(splits.class_names)):
        chosen = np.flatnonzero(y == index)[:SAMPLES_PER_CLASS]
        if len(chosen):
            images = _images(x, chosen)
            _strip(images).save(staging / f"class-{index}.png", optimize=True)
    (staging / "classes.json").write_text(json.dumps(list(splits.class_names)), encoding="utf-8")
    shutil.rmtree(cache, ignore_errors=True)
    staging.rename(cache)
    return ""


def _images(x: np.ndarray, chosen: np.ndarray) -> list[np.ndarray]:
    if x.dtype.kind in "US":  # an image folder: x holds file paths
        from PIL import Image

        out = []
        for path in x[chosen]:
            with Image.open(str(path)) as image:
                out.append(np.asarray(image.convert("RGB").resize((THUMBNAIL, THUMBNAIL))))
        return out
    return [x[i] for i in chosen]


def _strip(images: list[np.ndarray]):
    from PIL import Image

    strip = Image.new("RGB", (len(images) * (THUMBNAIL + 4) - 4, THUMBNAIL), "white")
    for position, array in enumerate(images):
        array = np.asarray(array)
        if array.ndim == 3 and array.shape[-1] == 1:
            array = array[..., 0]
        if array.dtype != np.uint8:
            array = np.clip(array * (255 if array.max() <= 1.0 else 1), 0, 255).astype(np.uint8)
        image = Image.fromarray(array).convert("RGB").resize((THUMBNAIL, THUMBNAIL), Image.NEAREST)
        strip.paste(image, (position * (THUMBNAIL + 4), 0))
    return strip
