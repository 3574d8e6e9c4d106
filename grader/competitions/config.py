"""A competition's configuration: ``<course>/competitions/<name>/competition.toml``.

The file says everything a competition needs (data, metric, submission format,
limits, dates); the Markdown files beside it (``overview.md``, ``evaluation.md``,
``data.md``) are the pages students read. :func:`load_competition` checks every
key and fails with one line that names the file, the key and the fix.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from grader.errors import CompetitionError

CONFIG_NAME = "competition.toml"
KINDS = ("predictions", "code")
LABEL_FORMATS = ("index", "name")

# key -> (types, default, description). A default of REQUIRED means the key must be given.
REQUIRED = object()
KEYS: dict[str, tuple[tuple[type, ...], Any, str]] = {
    "title": ((str,), REQUIRED, "Title shown on the kit and the leaderboard."),
    "subtitle": ((str,), "", "One line under the title."),
    "dataset": ((str,), REQUIRED, "Dataset name (grader data list), e.g. 'mnist'."),
    "kind": ((str,), "predictions", "'predictions' (a CSV file) or 'code' (a notebook that writes one)."),
    "metric": ((str,), REQUIRED, "Metric registry name, e.g. 'accuracy_score' or 'log_loss'."),
    "id_column": ((str,), "id", "Name of the id column of submission.csv."),
    "target_columns": ((list,), ["label"], "Names of the prediction column(s) of submission.csv."),
    "label_format": ((str,), "index", "How labels are written: 'index' (0..k-1) or 'name' (class names)."),
    "class_names": ((list,), None, "Class names in label order; default: the dataset's."),
    "public_fraction": ((float, int), 0.3, "Share of the test rows scored on the public leaderboard."),
    "split_seed": ((int,), None, "Seed of the train/public/private split; default: [data] split_seed."),
    "daily_limit": ((int,), 5, "Valid submissions per team per day (course time zone)."),
    "final_selections": ((int,), 2, "Submissions a team may select for the private leaderboard."),
    "max_team_size": ((int,), 3, "Most members in one team."),
    "start": ((datetime, date), None, "When submissions open (with a time zone offset)."),
    "deadline": ((datetime, date), REQUIRED, "When submissions close (with a time zone offset)."),
    "timezone": ((str,), None, "IANA time zone of the daily limit; default: [course] timezone."),
    "score_late": ((bool,), True, "Accept and score late submissions (shown to the team, never ranked)."),
    "budget_seconds": ((int,), 0, "Code competitions: training and prediction time of one notebook."),
    "max_file_mb": ((int, float), 50, "Largest submission file, in MB (checked before reading it)."),
    "image_folder": ((str,), "", "dataset = \"image-folder\": the folder of class sub-folders (relative to this file)."),
    "test_fraction": ((float,), 0.2, "dataset = \"image-folder\" without test/: share of images held out for testing."),
    "discussion_url": ((str,), "", "The course forum's page for this competition (http or https); the site's "
                                   "Discussion tab links to it."),
}


@dataclass
class CompetitionConfig:
    """Everything about one competition, validated."""

    name: str
    title: str
    subtitle: str
    dataset: str
    kind: str
    metric: str
    id_column: str
    target_columns: list[str]
    label_format: str
    class_names: list[str]
    public_fraction: float
    split_seed: int
    daily_limit: int
    final_selections: int
    max_team_size: int
    start: datetime | None
    deadline: datetime
    timezone: str
    score_late: bool
    budget_seconds: int
    max_file_mb: float
    image_folder: str
    test_fraction: float
    discussion_url: str
    folder: Path
    overview_md: str = ""
    evaluation_md: str = ""
    data_md: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> list[str]:
        """The header of submission.csv, in order."""
        return [self.id_column, *self.target_columns]

    @property
    def prediction_kind(self) -> str:
        """'label' (one class per row), 'probability' (P(positive)) or 'probabilities' (one column per class)."""
        from grader.competitions.metrics import get_metric

        if not get_metric(self.metric).needs_probabilities:
            return "label"
        return "probability" if len(self.target_columns) == 1 else "probabilities"

    @property
    def solution_path(self) -> Path:
        return self.folder / "solution.csv"

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)


def competitions_dir(course) -> Path:
    return course.path("competitions")


def list_competitions(course) -> list[str]:
    """Names of the course's competitions (folders with a competition.toml), sorted."""
    root = competitions_dir(course)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / CONFIG_NAME).is_file())


def is_competition(course, name: str) -> bool:
    return (competitions_dir(course) / name / CONFIG_NAME).is_file()


def load_competition(course, name: str) -> CompetitionConfig:
    """Read and check ``<course>/competitions/<name>/competition.toml``."""
    folder = competitions_dir(course) / name
    path = folder / CONFIG_NAME
    if not path.is_file():
        known = ", ".join(list_competitions(course)) or "none"
        raise CompetitionError(f"No competition '{name}' in {competitions_dir(course)} (known: {known}). "
                               f"Add a folder with a {CONFIG_NAME} to make one.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CompetitionError(f"{path} cannot be read: {exc}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise CompetitionError(f"{path} is not valid TOML: {exc}.") from None
    return parse_competition(raw, folder=folder, course=course)


def parse_competition(raw: dict[str, Any], *, folder: Path, course=None) -> CompetitionConfig:
    """Check a competition.toml table; ``course`` supplies the time zone and seed defaults."""
    path = folder / CONFIG_NAME
    values = _typed_values(raw, path)
    timezone = values["timezone"] or (course.get("course", "timezone") if course else "UTC")
    zone = _zone(timezone, path)
    seed = values["split_seed"]
    if seed is None:
        seed = course.get("data", "split_seed") if course else 2026
    values["start"] = _aware(values["start"], zone, "start", path)
    values["deadline"] = _aware(values["deadline"], zone, "deadline", path)
    if values["dataset"] == "image-folder" and not values["image_folder"]:
        raise CompetitionError(f"{path}: dataset = \"image-folder\" needs 'image_folder', the folder with one "
                               "sub-folder of images per class.")
    class_names = values["class_names"]
    if class_names is None and values["dataset"] == "image-folder":
        from grader.competitions.image_folder import folder_class_names

        class_names = folder_class_names(SimpleNamespace(folder=folder, image_folder=values["image_folder"]))
    elif class_names is None:
        class_names = _dataset_class_names(values["dataset"], course, path)
    cfg = CompetitionConfig(
        name=folder.name, folder=folder, timezone=timezone, split_seed=int(seed),
        class_names=[str(c) for c in class_names],
        **{k: v for k, v in values.items() if k not in ("timezone", "split_seed", "class_names")},
    )
    _check(cfg, path)
    cfg.overview_md = _markdown(folder, "overview.md")
    cfg.evaluation_md = _markdown(folder, "evaluation.md")
    cfg.data_md = _markdown(folder, "data.md")
    return cfg


def _typed_values(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in raw:
        if key not in KEYS:
            raise CompetitionError(f"{path}: unknown key '{key}'. Known keys: {', '.join(KEYS)}.")
    for key, (types, default, description) in KEYS.items():
        if key not in raw:
            if default is REQUIRED:
                raise CompetitionError(f"{path}: the key '{key}' is missing ({description}).")
            values[key] = list(default) if isinstance(default, list) else default
            continue
        value = raw[key]
        wrong_bool = isinstance(value, bool) and bool not in types
        if wrong_bool or not isinstance(value, types):
            want = " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
            raise CompetitionError(f"{path}: '{key}' must be {want}, got {type(value).__name__} {value!r}.")
        values[key] = value
    return values


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", datetime: "a date-time like 2026-12-15T23:59:00+09:00", date: "a date"}


def _check(cfg: CompetitionConfig, path: Path) -> None:
    from grader.competitions.metrics import METRICS

    def fail(message: str) -> None:
        raise CompetitionError(f"{path}: {message}")

    if cfg.kind not in KINDS:
        fail(f"'kind' must be 'predictions' or 'code', got {cfg.kind!r}.")
    if cfg.metric not in METRICS:
        fail(f"'metric' {cfg.metric!r} is not a known metric. Known: {', '.join(METRICS)}.")
    if cfg.label_format not in LABEL_FORMATS:
        fail(f"'label_format' must be 'index' or 'name', got {cfg.label_format!r}.")
    if not cfg.target_columns or not all(isinstance(c, str) and c for c in cfg.target_columns):
        fail("'target_columns' must be a non-empty list of column names.")
    names = cfg.columns
    if len(set(names)) != len(names) or any("," in c or '"' in c for c in names):
        fail("the id and target column names must be distinct and contain no ',' or '\"'.")
    if len(cfg.class_names) < 2 or len(set(cfg.class_names)) != len(cfg.class_names):
        fail("'class_names' must list at least two distinct classes.")
    if not 0.0 < float(cfg.public_fraction) < 1.0:
        fail(f"'public_fraction' must be between 0 and 1 (exclusive), got {cfg.public_fraction}.")
    cfg.public_fraction = float(cfg.public_fraction)
    for key in ("daily_limit", "final_selections", "max_team_size"):
        if getattr(cfg, key) < 1:
            fail(f"'{key}' must be at least 1, got {getattr(cfg, key)}.")
    if cfg.max_file_mb <= 0:
        fail(f"'max_file_mb' must be positive, got {cfg.max_file_mb}.")
    if cfg.start is not None and cfg.start >= cfg.deadline:
        fail("'start' must be before 'deadline'.")
    if not 0.0 < cfg.test_fraction < 1.0:
        fail(f"'test_fraction' must be between 0 and 1 (exclusive), got {cfg.test_fraction}.")
    if cfg.discussion_url and not _is_web_url(cfg.discussion_url):
        fail(f"'discussion_url' must be an http:// or https:// address, got {cfg.discussion_url!r}.")
    if cfg.kind == "code" and cfg.budget_seconds <= 0:
        fail("a code competition needs 'budget_seconds' (training and prediction time of one notebook).")
    metric = METRICS[cfg.metric]
    if metric.needs_probabilities:
        if len(cfg.target_columns) == 1 and len(cfg.class_names) != 2:
            fail(f"'{cfg.metric}' with one target column needs two classes (P(positive) = P('{cfg.class_names[-1]}')); "
                 "for more classes list one target column per class.")
        if len(cfg.target_columns) > 1 and len(cfg.target_columns) != len(cfg.class_names):
            fail(f"'{cfg.metric}' needs one target column per class ({len(cfg.class_names)}), "
                 f"got {len(cfg.target_columns)}.")
        if not metric.accepts_one_column and len(cfg.target_columns) == 1:
            fail(f"'{cfg.metric}' needs one probability column per class.")
    elif len(cfg.target_columns) != 1:
        fail(f"'{cfg.metric}' scores one label per row: give exactly one target column.")


def _is_web_url(text: str) -> bool:
    from urllib.parse import urlsplit

    if any(c.isspace() or ord(c) < 32 for c in text):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _zone(name: str, path: Path):
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except Exception:
        raise CompetitionError(f"{path}: 'timezone' {name!r} is not an IANA time zone (e.g. 'Asia/Seoul').") from None


def _aware(value, zone, key: str, path: Path) -> datetime | None:
    """A date-time with its offset; a local time or a bare date is read in the competition's zone."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        # A bare date means the end of that day for a deadline, its start for a start.
        value = datetime.combine(value, time(23, 59, 59) if key == "deadline" else time(0, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def _dataset_class_names(dataset: str, course, path: Path) -> list[str]:
    try:
        from grader.datasets import get_dataset

        return list(get_dataset(dataset, course=course).class_names)
    except ImportError:
        raise CompetitionError(f"{path}: give 'class_names' (the dataset package is not available).") from None
    except Exception as exc:  # an unknown dataset name is the user's to fix
        raise CompetitionError(f"{path}: 'dataset' {dataset!r} cannot be used: {exc}") from None


def _markdown(folder: Path, name: str) -> str:
    path = folder / name
    return path.read_text(encoding="utf-8") if path.is_file() else ""
