"""Hand-drawn-looking circles, rectangles and triangles, drawn by the kit itself.

The lecture's augmentation example trains on a few upright, centred shapes
(``triangle012.png``: black strokes on white) and then fails on a harder
"challenge" set of rotated, shifted, scaled shapes drawn with other pens. This
module draws both sets with Pillow from a seed: every stroke wobbles, vertices
are jittered and circles do not quite close, as a hand would draw them. The
same seed always gives the same pixels.

On disk the set is ``train/<class>/<class>NNN.png`` and
``challenge/<class>/<class>NNN.png``, which Keras' ``image_dataset_from_directory``
and ``ImageDataGenerator.flow_from_directory`` read directly. An instructor may
replace the folder with real drawings in the same layout.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets.base import Dataset, RawData, readable_dir
from grader.errors import DatasetError

CLASS_NAMES = ["circle", "rectangle", "triangle"]   # alphabetical, as Keras orders folders
IMAGE_SIZE = 64
SUPERSAMPLE = 4                                       # draw large, shrink: smooth strokes
SHAPES_SEED = 7
N_TRAIN_PER_CLASS = 100
N_CHALLENGE_PER_CLASS = 60
MARKER = "cnnkit-shapes.json"
SETS = ("train", "challenge")


# -- geometry: outlines in a unit frame centred on (0, 0) ----------------------

def _outline(shape: str, rng: np.random.Generator) -> list[np.ndarray]:
    """The strokes (each an (n, 2) array of points) of one shape, before placement."""
    if shape == "circle":
        start = rng.uniform(0, 2 * math.pi)
        sweep = 2 * math.pi + rng.uniform(-0.35, 0.3)            # a gap or an overlap
        t = np.linspace(start, start + sweep, 90)
        radius = 0.42 * (1 + 0.05 * np.sin(2 * t + rng.uniform(0, 6)) + rng.normal(0, 0.006, t.size).cumsum() / 4)
        squash = rng.uniform(0.88, 1.0)
        return [np.stack([radius * np.cos(t), squash * radius * np.sin(t)], axis=1)]
    if shape == "rectangle":
        half_w, half_h = rng.uniform(0.3, 0.44), rng.uniform(0.22, 0.42)
        corners = np.array([[-half_w, -half_h], [half_w, -half_h], [half_w, half_h], [-half_w, half_h]])
    else:  # triangle, apex up (image y grows downwards)
        half = rng.uniform(0.34, 0.44)
        corners = np.array([[0.0, -0.42], [half, 0.36], [-half, 0.36]])
        corners[0, 0] += rng.uniform(-0.08, 0.08)
    corners = corners + rng.normal(0, 0.025, corners.shape)
    strokes = []
    for i in range(len(corners)):                                  # one pen stroke per side
        a, b = corners[i], corners[(i + 1) % len(corners)]
        overshoot = rng.uniform(-0.02, 0.06)
        direction = (b - a) / (np.linalg.norm(b - a) + 1e-9)
        strokes.append(_wobbly_segment(a - direction * overshoot, b + direction * overshoot, rng))
    return strokes


def _wobbly_segment(a: np.ndarray, b: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    t = np.linspace(0, 1, 30)[:, None]
    normal = np.array([a[1] - b[1], b[0] - a[0]]) / (np.linalg.norm(b - a) + 1e-9)
    wobble = 0.012 * np.sin(t * rng.uniform(2, 7) + rng.uniform(0, 6)) + rng.normal(0, 0.002, t.shape).cumsum(axis=0)
    return a + (b - a) * t + normal * wobble


@dataclass(frozen=True)
class Pen:
    """Where and how a shape is drawn: rotation (radians), scale, shift (pixels), stroke width (pixels)."""

    rotation: float
    scale: float
    shift: tuple[float, float]
    width: float


def _pen(kind: str, rng: np.random.Generator) -> Pen:
    if kind == "train":  # roughly upright and centred, one kind of pen
        return Pen(rng.uniform(-0.12, 0.12), rng.uniform(0.85, 1.0),
                   (rng.uniform(-2, 2), rng.uniform(-2, 2)), rng.uniform(1.8, 2.6))
    scale = rng.uniform(0.45, 1.05)
    room = max(2.0, (1.0 - scale) * IMAGE_SIZE / 2 + 2)                  # shift, but keep it mostly in view
    width = rng.uniform(0.8, 1.3) if rng.random() < 0.5 else rng.uniform(3.5, 5.5)
    return Pen(rng.uniform(-math.pi, math.pi), scale, (rng.uniform(-room, room), rng.uniform(-room, room)), width)


def draw_shape(shape: str, kind: str, rng: np.random.Generator, size: int = IMAGE_SIZE) -> np.ndarray:
    """One grayscale uint8 image (size, size): black strokes on white."""
    from PIL import Image, ImageDraw

    pen = _pen(kind, rng)
    big = size * SUPERSAMPLE
    canvas = Image.new("L", (big, big), 255)
    draw = ImageDraw.Draw(canvas)
    cos, sin = math.cos(pen.rotation), math.sin(pen.rotation)
    rotation = np.array([[cos, -sin], [sin, cos]])
    for stroke in _outline(shape, rng):
        points = stroke @ rotation.T * pen.scale * size
        points = (points + np.array(pen.shift) + size / 2) * SUPERSAMPLE
        width = max(1, round(pen.width * SUPERSAMPLE * rng.uniform(0.9, 1.1)))
        draw.line([tuple(p) for p in points], fill=0, width=width, joint="curve")
        radius = width / 2                                               # round pen tips
        for x, y in (points[0], points[-1]):
            draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=0)
    return np.asarray(canvas.resize((size, size), Image.LANCZOS), dtype=np.uint8)


def draw_set(kind: str, seed: int, n_per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """(images (N, 64, 64) uint8, labels int64) of one set, class by class."""
    images, labels = [], []
    for label, shape in enumerate(CLASS_NAMES):
        for i in range(n_per_class):
            rng = np.random.default_rng([seed, SETS.index(kind), label, i])  # each image on its own stream
            images.append(draw_shape(shape, kind, rng))
            labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.int64)


def generate_shapes(folder: str | Path, seed: int = SHAPES_SEED, n_train_per_class: int = N_TRAIN_PER_CLASS,
                    n_challenge_per_class: int = N_CHALLENGE_PER_CLASS) -> Path:
    """Write the PNG folders; built in a sibling folder and renamed, so it is never half-written."""
    from PIL import Image

    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise DatasetError(f"{folder} is not empty; generate the shapes into a new folder or delete this one.")
    folder.parent.mkdir(parents=True, exist_ok=True)
    # A private staging folder per call: two graders drawing at once never touch each other's files.
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".drawing", dir=folder.parent))
    try:
        for kind, count in (("train", n_train_per_class), ("challenge", n_challenge_per_class)):
            images, labels = draw_set(kind, seed, count)
            for shape in CLASS_NAMES:
                (staging / kind / shape).mkdir(parents=True)
            numbers = [0] * len(CLASS_NAMES)
            for image, label in zip(images, labels):
                shape = CLASS_NAMES[label]
                Image.fromarray(image, mode="L").save(staging / kind / shape / f"{shape}{numbers[label]:03d}.png")
                numbers[label] += 1
        (staging / MARKER).write_text(json.dumps({"seed": seed, "train_per_class": n_train_per_class,
                                                  "challenge_per_class": n_challenge_per_class}), encoding="utf-8")
        if folder.exists() and not any(folder.iterdir()):
            folder.rmdir()
        staging.rename(folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if (folder / MARKER).is_file():   # another process finished the same drawing first
            return folder
        raise DatasetError(f"cannot write the shapes set into {folder} ({exc.strerror or exc}).") from None
    return folder


def read_folder_set(folder: Path, kind: str, class_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read ``folder/kind/<class>/*.png`` as grayscale 64x64 uint8 (other sizes are resized)."""
    from PIL import Image, UnidentifiedImageError

    images, labels = [], []
    for label, shape in enumerate(class_names):
        class_dir = folder / kind / shape
        if not readable_dir(class_dir):
            raise DatasetError(f"{class_dir} is missing; the shapes folder needs {kind}/<class>/ for {', '.join(class_names)}.")
        for path in sorted(class_dir.iterdir()):
            if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                continue
            try:
                with Image.open(path) as image:
                    image = image.convert("L")
                    if image.size != (IMAGE_SIZE, IMAGE_SIZE):
                        image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.LANCZOS)
                    images.append(np.asarray(image, dtype=np.uint8))
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
                raise DatasetError(f"{path} is not a readable image ({exc}); delete or replace it.") from None
            labels.append(label)
    if not images:
        raise DatasetError(f"{folder / kind} holds no images.")
    return np.stack(images), np.array(labels, dtype=np.int64)


@dataclass(frozen=True)
class ShapesPlace:
    folder: Path | None          # None: drawn in memory
    exists: bool
    source: str
    variant: str


class Shapes(Dataset):
    name = "shapes"
    description = (f"Hand-drawn-looking circles, rectangles, triangles, {IMAGE_SIZE}x{IMAGE_SIZE} grayscale; "
                   f"{3 * N_TRAIN_PER_CLASS} upright train + {3 * N_CHALLENGE_PER_CLASS} challenge (drawn by cnnkit)")
    class_names = CLASS_NAMES
    config_key = "shapes"
    env_var = "CNNKIT_SHAPES"
    expected_files = "train/<class>/*.png and challenge/<class>/*.png (or nothing: the kit draws them)"

    def _candidate_paths(self):
        return [*super()._candidate_paths(), (self.course_data("shapes"), "course data folder")]

    def _locate(self) -> ShapesPlace:
        candidates = self.candidates()
        for candidate in candidates:
            folder = candidate.path
            if readable_dir(folder) and any(folder.iterdir()):
                missing = [kind for kind in SETS if not readable_dir(folder / kind)]
                if missing:
                    raise DatasetError(f"{folder} is not a shapes folder: it lacks {' and '.join(f'{m}/' for m in missing)}; "
                                       "delete it to have the kit draw the set again.")
                drawn = (folder / MARKER).is_file()
                return ShapesPlace(folder, True, f"{'drawn by cnnkit' if drawn else 'PNG folders'}: {folder}",
                                   "drawn" if drawn else "custom")
        if candidates:
            target = candidates[0].path
            return ShapesPlace(target, False, f"drawn by cnnkit (seed {SHAPES_SEED}) into {target} on first use", "drawn")
        return ShapesPlace(None, False, f"drawn by cnnkit in memory (seed {SHAPES_SEED})", "drawn")

    def load(self) -> RawData:
        place = self.found()
        if place.folder is None:
            x_train, y_train = draw_set("train", SHAPES_SEED, N_TRAIN_PER_CLASS)
            x_test, y_test = draw_set("challenge", SHAPES_SEED, N_CHALLENGE_PER_CLASS)
            return RawData(x_train, y_train, x_test, y_test)
        if not place.exists and not (place.folder / MARKER).is_file():
            try:
                generate_shapes(place.folder)
            except DatasetError:
                if not (place.folder / MARKER).is_file():   # not merely another process drawing first
                    raise
            self._found = ShapesPlace(place.folder, True, f"drawn by cnnkit: {place.folder}", "drawn")
        folder = self._found.folder
        names = self.class_names if (folder / MARKER).is_file() else sorted(p.name for p in (folder / "train").iterdir() if p.is_dir())
        self.class_names = names
        x_train, y_train = read_folder_set(folder, "train", names)
        x_test, y_test = read_folder_set(folder, "challenge", names)
        return RawData(x_train, y_train, x_test, y_test)

    def load_labels(self):
        place = self.found()
        if place.exists:
            return super().load_labels()
        counts = (N_TRAIN_PER_CLASS, N_CHALLENGE_PER_CLASS)
        return tuple(np.repeat(np.arange(len(CLASS_NAMES)), n).astype(np.int64) for n in counts)
