"""A competition's own images: ``dataset = "image-folder"`` and a folder with one sub-folder per class.

This is how an instructor adds a competition that the shipped datasets do not
cover. The folder is either a pool, ``<folder>/<class>/*.jpg`` (a stratified
``test_fraction`` of it is held out), or split already, ``<folder>/train/<class>/*``
and ``<folder>/test/<class>/*``. Class names are the sub-folder names in sorted
order, as Keras' ``image_dataset_from_directory`` orders them. The split into
train / public / private uses the same planner as the shipped datasets, so it is
deterministic from ``split_seed`` and stratified.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.errors import CompetitionError

DATASET = "image-folder"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp")


def folder_path(cfg) -> Path:
    path = Path(cfg.image_folder).expanduser()
    return path if path.is_absolute() else (cfg.folder / path).resolve()


def class_folders(root: Path) -> list[Path]:
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def folder_class_names(cfg) -> list[str]:
    root = folder_path(cfg)
    if not root.is_dir():
        raise CompetitionError(f"{cfg.folder / 'competition.toml'}: image_folder {root} does not exist. Put one "
                               "sub-folder of images per class there (or train/ and test/ with class sub-folders).")
    base = root / "train" if (root / "train").is_dir() else root
    return [p.name for p in class_folders(base)]


def _labelled_files(base: Path, class_names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    paths, labels = [], []
    for label, name in enumerate(class_names):
        folder = base / name
        if not folder.is_dir():
            raise CompetitionError(f"{folder} is missing: every split of an image folder needs the same class "
                                   f"sub-folders ({', '.join(class_names)}).")
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise CompetitionError(f"{folder} holds no images ({', '.join(IMAGE_SUFFIXES)}).")
        paths += [str(p) for p in files]
        labels += [label] * len(files)
    return np.array(paths), np.array(labels, dtype=np.int64)


def image_folder_splits(cfg):
    """The :class:`grader.datasets.splits.Splits` of the competition's image folder (paths, not pixels)."""
    from grader.datasets.splits import Splits, apply_plan, plan_splits

    root = folder_path(cfg)
    class_names = folder_class_names(cfg)
    if class_names != list(cfg.class_names):
        raise CompetitionError(f"{cfg.folder / 'competition.toml'}: class_names {cfg.class_names} differ from the "
                               f"class folders of {root} ({class_names}, sorted).")
    split_already = (root / "train").is_dir()
    x_train, y_train = _labelled_files(root / "train" if split_already else root, class_names)
    x_test, y_test = _labelled_files(root / "test", class_names) if split_already else (None, None)
    plan = plan_splits(cfg.name, y_train, y_test, seed=cfg.split_seed, public_fraction=cfg.public_fraction,
                       test_fraction=cfg.test_fraction)
    parts = apply_plan(plan, x_train, y_train, x_test, y_test)
    return Splits(*parts, class_names=class_names, source=f"image folder {root}", variant="image-folder",
                  ids_public=plan.ids_public, ids_private=plan.ids_private, name=cfg.name, seed=cfg.split_seed,
                  public_fraction=cfg.public_fraction)
