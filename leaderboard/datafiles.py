"""The Data tab: the starter kit's files, the sample submission, sample images per class.

Files are listed from the released kit (``release/<competition>.zip``) when it
exists, otherwise from the competition folder; anything named like a solution
is never listed. Sample images are drawn from the training split, one PNG strip
per class, and cached under ``<course>/.cache/site/`` because loading a full
dataset takes longer than building the rest of the site.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
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
    ("competition.toml", "The competition's settings (metric, limits, deadline)"),
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


def summarise(entries: list[tuple[str, int]]) -> list[DataFile]:
    """One row per top-level file, and one per top-level folder with its file count and total size.

    A kit's zip holds ``<competition>/...``; that common top folder is dropped.
    """
    names = [name for name, _ in entries]
    top = names[0].split("/", 1)[0] + "/" if names and all("/" in n for n in names) else ""
    if top and not all(n.startswith(top) for n in names):
        top = ""
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
    image: str | None  # path relative to the competition folder of the site


def describe(name: str) -> str:
    base = name.rsplit("/", 1)[-1].lower()
    for pattern, text in DESCRIPTIONS:
        if fnmatch.fnmatch(base, pattern):
            return text
    return ""


def _hidden(name: str) -> bool:
    return any(fnmatch.fnmatch(part.lower(), pattern) for part in name.split("/") for pattern in HIDDEN)


def kit_files(course, cfg) -> tuple[list[DataFile], str]:
    """The kit's files and where they were listed from (for the page to say)."""
    archive = course.path("release", f"{cfg.name}.zip")
    if archive.is_file():
        try:
            with zipfile.ZipFile(archive) as kit:
                entries = [(i.filename, i.file_size) for i in kit.infolist()
                           if not i.is_dir() and not _hidden(i.filename)]
            return summarise(entries), f"release/{cfg.name}.zip"
        except zipfile.BadZipFile:
            pass
    folder = Path(cfg.folder) if getattr(cfg, "folder", None) else None
    if folder is None or not folder.is_dir():
        return [], ""
    entries = []
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and not _hidden(name):
            entries.append((name, path.stat().st_size))
    return summarise(entries), f"competitions/{folder.name}/"


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


def sample_submission(course, cfg, limit: int = 4) -> tuple[list[str], list[list[str]]]:
    """Header and first rows of the kit's sample_submission.csv; the config's columns if there is none."""
    text = None
    archive = course.path("release", f"{cfg.name}.zip")
    if archive.is_file():
        try:
            with zipfile.ZipFile(archive) as kit:
                for name in kit.namelist():
                    if name.rsplit("/", 1)[-1] == "sample_submission.csv":
                        with kit.open(name) as handle:
                            text = handle.read(64 * 1024).decode("utf-8-sig", errors="replace")
                        break
        except zipfile.BadZipFile:
            text = None
    folder = Path(cfg.folder) if getattr(cfg, "folder", None) else None
    if text is None and folder is not None and (folder / "sample_submission.csv").is_file():
        with open(folder / "sample_submission.csv", encoding="utf-8-sig", errors="replace") as handle:
            text = handle.read(64 * 1024)
    if text:
        rows = list(csv.reader(io.StringIO(text)))
        if rows:
            return rows[0], [row for row in rows[1: limit + 1]]
    return [cfg.id_column, *cfg.target_columns], []


def class_samples(course, cfg, out_dir: Path) -> tuple[list[ClassSample], str]:
    """One PNG strip per class under ``out_dir/samples/``; (samples, a note when there are none)."""
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
    target = out_dir / "samples"
    target.mkdir(parents=True, exist_ok=True)
    samples = []
    for index, name in enumerate(names):
        source = cache / f"class-{index}.png"
        if source.is_file():
            shutil.copyfile(source, target / source.name)
            samples.append(ClassSample(str(name), f"samples/{source.name}"))
        else:
            samples.append(ClassSample(str(name), None))
    return samples, ""


def _draw_samples(course, cfg, cache: Path) -> str:
    try:
        from grader.datasets import load_splits
        from grader.errors import GraderError

        try:
            splits = load_splits(cfg.dataset, course=course, seed=getattr(cfg, "split_seed", None))
        except GraderError:  # the message names server paths: not for a public page
            return (f"Sample images appear here once the dataset '{cfg.dataset}' is on the machine that builds "
                    f"the site (see 'grader data show {cfg.dataset}').")
    except ImportError:
        return "Sample images need grader.datasets, which is not installed."
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
