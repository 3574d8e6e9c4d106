"""The course directory: where it is, what ``grader.toml`` says, how to make one.

A course keeps nbgrader's layout (``source/``, ``release/``, ``submitted/``,
``autograded/``, ``feedback/``, ``nbgrader_config.py``, ``gradebook.db``) and adds
``grader.toml`` (this module), ``cnnkit.db`` (the store) and ``files/`` (submitted
files, content-addressed).
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from grader.errors import ConfigError, CourseNotFound

CONFIG_NAME = "grader.toml"
KIT_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS_DIR = KIT_ROOT / "assignments"
STARTER_KITS_DIR = KIT_ROOT / "starter_kits"

# The schema of grader.toml: section -> key -> (type, default, comment).
# The template written by `grader init` is generated from this table, so the
# comments, the defaults and the validation cannot disagree.
SCHEMA: dict[str, dict[str, tuple[type | tuple[type, ...], Any, str]]] = {
    "course": {
        "id": (str, "cnn-course", "Short identifier of the course (letters, digits, '-')."),
        "title": (str, "Convolutional Neural Networks", "Title shown on the leaderboard site."),
        "timezone": (str, "Asia/Seoul", "IANA time zone for deadlines and daily submission limits."),
    },
    "database": {
        "url": (str, "", "SQLAlchemy URL of the store; empty means sqlite:///<course>/cnnkit.db.\n"
                "# For a department server: postgresql+psycopg2://user:password@host/dbname"),
    },
    "sandbox": {
        "enabled": (bool, True, "Run student code under bubblewrap. Never turn off for real submissions."),
        "memory_mb": (int, 4096, "Memory limit of one grading job (cgroups), in MiB."),
        "max_processes": (int, 256, "Process/thread limit of one grading job (cgroups pids)."),
        "tmp_mb": (int, 512, "Size of the private /tmp of one grading job, in MiB."),
        "max_output_mb": (int, 64, "Largest array or file a job may return to the judge, in MiB."),
        "wall_seconds": (int, 900, "Wall-clock limit of one whole grading job, in seconds."),
        "gpu": (str, "auto", "'auto' (use GPUs when present), 'on' or 'off'."),
    },
    "executor": {
        "workers": (int, 0, "Parallel grading jobs; 0 means one per core, or one per GPU when there are GPUs."),
        "cluster": (str, "", "Dask scheduler address (tcp://host:8786); empty means the local process pool."),
    },
    "data": {
        "split_seed": (int, 2026, "Seed of the train / public_test / private_test splits."),
        "mnist": (str, "", "Folder with mnist.npz or the four MNIST IDX files; empty searches the defaults."),
        "fashion_mnist": (str, "/usr/share/datasets/fashion-mnist", "Folder with the four Fashion-MNIST IDX files."),
        "cifar10": (str, "", "The cifar-10-batches-py folder (python pickle batches)."),
        "dogs_vs_cats": (str, "", "Folder with Kaggle's train/ (cat.0.jpg ...) and test1/ folders."),
        "shapes": (str, "", "Folder of the generated shapes set; empty means <course>/data/shapes."),
    },
    "server": {
        "url": (str, "", "Address of the class server students hand in to (https://...), shown in the READMEs\n"
                "# of assignments and starter kits; empty: they hand in as their instructor says."),
    },
}

LAYOUT = ("source", "release", "submitted", "autograded", "feedback", "files", "data")
# Also made by init: assignments/ (judge and mutants, kept out of source/) and competitions/.


@dataclass
class Course:
    """A course directory and its validated configuration."""

    root: Path
    config: dict[str, dict[str, Any]] = field(default_factory=dict)

    def get(self, section: str, key: str) -> Any:
        return self.config[section][key]

    @property
    def database_url(self) -> str:
        url = self.get("database", "url")
        return url or f"sqlite:///{self.root / 'cnnkit.db'}"

    @property
    def gradebook_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)


def defaults() -> dict[str, dict[str, Any]]:
    return {section: {key: spec[1] for key, spec in keys.items()} for section, keys in SCHEMA.items()}


def validate_config(raw: dict[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    """Check ``raw`` against :data:`SCHEMA`; return it completed with defaults."""
    config = defaults()
    for section, values in raw.items():
        if section not in SCHEMA:
            known = ", ".join(f"[{s}]" for s in SCHEMA)
            raise ConfigError(f"{path}: unknown section [{section}]. Known sections: {known}.")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: '{section}' must be a table ([{section}]), not a value.")
        for key, value in values.items():
            if key not in SCHEMA[section]:
                known = ", ".join(SCHEMA[section])
                raise ConfigError(f"{path}: unknown key '{key}' in [{section}]. Known keys: {known}.")
            expected = SCHEMA[section][key][0]
            # bool is a subclass of int: refuse `memory_mb = true`.
            wrong_bool = isinstance(value, bool) and expected is not bool
            if wrong_bool or not isinstance(value, expected):
                raise ConfigError(
                    f"{path}: [{section}] {key} must be {_type_name(expected)}, got {type(value).__name__} {value!r}."
                )
            config[section][key] = value
    _check_values(config, path)
    return config


def _check_values(config: dict[str, dict[str, Any]], path: Path) -> None:
    for key in ("memory_mb", "max_processes", "tmp_mb", "max_output_mb", "wall_seconds"):
        if config["sandbox"][key] <= 0:
            raise ConfigError(f"{path}: [sandbox] {key} must be a positive integer, got {config['sandbox'][key]}.")
    if config["sandbox"]["gpu"] not in ("auto", "on", "off"):
        raise ConfigError(f"{path}: [sandbox] gpu must be 'auto', 'on' or 'off', got {config['sandbox']['gpu']!r}.")
    url = config["server"]["url"]
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc or url.split() != [url]):
        raise ConfigError(f"{path}: [server] url must be the server's address, like 'https://cnn.example.edu', "
                          f"got {url!r}.")
    if config["executor"]["workers"] < 0:
        raise ConfigError(f"{path}: [executor] workers must be 0 (automatic) or more, got {config['executor']['workers']}.")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(config["course"]["timezone"])
    except Exception:
        raise ConfigError(
            f"{path}: [course] timezone {config['course']['timezone']!r} is not an IANA time zone (e.g. 'Asia/Seoul', 'UTC')."
        ) from None


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}
    if isinstance(expected, tuple):
        return " or ".join(names.get(t, t.__name__) for t in expected)
    return names.get(expected, expected.__name__)


def load_config(path: Path) -> dict[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist. Run 'grader init DIR' to make a course.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
    return validate_config(raw, path)


def find_course(course_dir: str | os.PathLike | None = None, start: Path | None = None) -> Course:
    """The course at ``course_dir``, or the nearest one from ``start`` (the cwd) upwards."""
    if course_dir is not None:
        root = Path(course_dir).resolve()
        config = root / CONFIG_NAME
        if not config.is_file():
            raise CourseNotFound(f"{root} is not a course directory (no {CONFIG_NAME}). Run 'grader init {course_dir}' first.")
        return Course(root=root, config=load_config(config))
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / CONFIG_NAME).is_file():
            return Course(root=candidate, config=load_config(candidate / CONFIG_NAME))
    raise CourseNotFound(
        f"No course found in {here} or its parents (no {CONFIG_NAME}). "
        "Run 'grader init DIR' to make one, or pass --course DIR."
    )


def render_config(values: dict[str, dict[str, Any]] | None = None) -> str:
    """grader.toml text with every key commented, generated from :data:`SCHEMA`."""
    values = values or defaults()
    lines = ["# cnnkit course configuration. Every key is optional; shown are the defaults.", ""]
    for section, keys in SCHEMA.items():
        lines.append(f"[{section}]")
        for key, (_type, _default, comment) in keys.items():
            lines.append(f"# {comment}")
            lines.append(f"{key} = {_toml_value(values[section][key])}")
        lines.append("")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


NBGRADER_CONFIG = '''\
# nbgrader configuration written by `grader init`. cnnkit drives nbgrader's own
# converters, so `nbgrader formgrader` and `nbgrader export` work on this course.
c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_url = {db_url!r}
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"
c.ClearSolutions.code_stub = {{"python": {code_stub!r}}}
c.Exchange.assignment_dir = {root!r}
'''


def init_course(directory: str | os.PathLike, *, course_id: str | None = None, title: str | None = None) -> Course:
    """Create a course directory with the shipped assignments and competitions.

    Refuses a directory that already holds a course, so nothing is overwritten.
    Work happens in a temporary sibling that is renamed into place at the end,
    so an error leaves nothing half-written.
    """
    root = Path(directory).resolve()
    if (root / CONFIG_NAME).exists():
        raise ConfigError(f"{root} is already a course ({CONFIG_NAME} exists). Choose another directory.")
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} exists and is not empty. Choose a new or empty directory.")
    values = defaults()
    values["course"]["id"] = course_id or _slug(root.name)
    if title:
        values["course"]["title"] = title
    from grader.release import CODE_STUB  # the stub nbgrader puts in place of a solution

    staging = root.with_name(f".{root.name}.grader-init")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        for name in LAYOUT:
            (staging / name).mkdir()
        (staging / CONFIG_NAME).write_text(render_config(values), encoding="utf-8")
        (staging / "nbgrader_config.py").write_text(
            NBGRADER_CONFIG.format(root=str(root), course_id=values["course"]["id"],
                                   db_url=f"sqlite:///{root / 'gradebook.db'}", code_stub=CODE_STUB),
            encoding="utf-8",
        )
        from grader import assignments_source  # local: pulls in nbformat/jupytext

        if ASSIGNMENTS_DIR.is_dir():
            shutil.copytree(ASSIGNMENTS_DIR, staging / "assignments", ignore=shutil.ignore_patterns("__pycache__"))
        for assignment in assignments_source.shipped_assignments(staging / "assignments"):
            assignments_source.write_source(assignment, staging / "source")
        if STARTER_KITS_DIR.is_dir():
            shutil.copytree(STARTER_KITS_DIR, staging / "competitions", ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (staging / "competitions").mkdir()
        if root.exists():
            root.rmdir()
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    course = Course(root=root, config=validate_config({}, root / CONFIG_NAME))
    course.config = load_config(root / CONFIG_NAME)
    from grader.store import Store

    Store.open(course).create()
    return course


def _slug(name: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
    return slug or "cnn-course"
