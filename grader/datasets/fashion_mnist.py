"""Fashion-MNIST: Zalando's clothing images in the four IDX files.

Debian's ``dataset-fashion-mnist`` package puts them in
``/usr/share/datasets/fashion-mnist/`` (gzipped), the default of ``[data] fashion_mnist``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.datasets.base import Dataset, RawData, readable_dir
from grader.datasets.idx import IDX_SET_FILES, find_idx_set, load_idx_labels, load_idx_set

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


@dataclass(frozen=True)
class IdxFolder:
    path: Path
    files: dict[str, Path]
    source: str
    variant: str = "full"


class FashionMnist(Dataset):
    name = "fashion-mnist"
    description = "Clothing in 10 classes, 28x28 grayscale; 60,000 train + 10,000 test (Zalando Research)"
    class_names = CLASS_NAMES
    config_key = "fashion_mnist"
    env_var = "CNNKIT_FASHION_MNIST"
    full_size = (60000, 10000)
    expected_files = f"the four IDX files {IDX_SET_FILES} (Debian: apt-get install dataset-fashion-mnist)"

    def _candidate_paths(self):
        return [*super()._candidate_paths(), (self.course_data("fashion-mnist"), "course data folder")]

    def _locate(self) -> IdxFolder:
        for candidate in self.candidates():
            if readable_dir(candidate.path):
                files = find_idx_set(candidate.path)
                if files:
                    return IdxFolder(candidate.path, files, f"IDX files: {candidate.path}")
        raise self.missing_error()

    def load(self) -> RawData:
        return RawData(*load_idx_set(self.found().files, image_shape=(28, 28), num_classes=10))

    def load_labels(self):
        return load_idx_labels(self.found().files, num_classes=10)
