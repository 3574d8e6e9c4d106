"""competition.toml: every key checked, errors in one line naming the file and the key."""

from __future__ import annotations

import pytest

from grader.competitions.config import list_competitions, load_competition
from grader.errors import CompetitionError

from .conftest import TOY_TOML


def write(course, text, name="toy"):
    folder = course.path("competitions", name)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "competition.toml").write_text(text)
    return folder / "competition.toml"


def test_defaults_and_aware_datetimes(course):
    write(course, TOY_TOML.format(daily_limit=3))
    cfg = load_competition(course, "toy")
    assert (cfg.public_fraction, cfg.final_selections, cfg.kind, cfg.split_seed) == (0.3, 2, "predictions", 2026)
    assert cfg.deadline.utcoffset().total_seconds() == 9 * 3600 and cfg.timezone == "Asia/Seoul"
    assert cfg.columns == ["ImageId", "Label"] and cfg.prediction_kind == "label"
    assert list_competitions(course) == ["toy"]


def test_local_deadline_is_read_in_the_competition_timezone(course):
    write(course, TOY_TOML.format(daily_limit=3).replace("2026-12-18T23:59:00+09:00", "2026-12-18T23:59:00"))
    assert load_competition(course, "toy").deadline.utcoffset().total_seconds() == 9 * 3600


@pytest.mark.parametrize("change, message", [
    (("daily_limit = 3", "daily_limit = 0"), "'daily_limit' must be at least 1, got 0."),
    (("daily_limit = 3", 'daily_limit = "3"'), "'daily_limit' must be an integer, got str '3'."),
    (('metric = "accuracy_score"', 'metric = "accuracy"'),
     "'metric' 'accuracy' is not a known metric. Known: accuracy_score, balanced_accuracy_score, f1_macro_score, "
     "log_loss, roc_auc_score, top_k_accuracy_score."),
    (("daily_limit = 3", "daily_limit = 3\ncolour = 1"), "unknown key 'colour'. Known keys: title, subtitle, "),
    (('title = "Toy digits"', ""), "the key 'title' is missing (Title shown on the kit and the leaderboard.)."),
    (('timezone = "Asia/Seoul"', 'timezone = "Mars/Olympus"'), "'timezone' 'Mars/Olympus' is not an IANA time zone"),
    (("daily_limit = 3", "daily_limit = 3\npublic_fraction = 1.0"),
     "'public_fraction' must be between 0 and 1 (exclusive), got 1.0."),
    (("start = 2026-09-01T00:00:00+09:00", "start = 2027-01-01T00:00:00+09:00"), "'start' must be before 'deadline'."),
    (('metric = "accuracy_score"', 'metric = "log_loss"'),
     "'log_loss' with one target column needs two classes (P(positive) = P('9')); for more classes list one target "
     "column per class."),
    (("daily_limit = 3", 'daily_limit = 3\nkind = "code"'),
     "a code competition needs 'budget_seconds' (training and prediction time of one notebook)."),
    (("daily_limit = 3", 'daily_limit = 3\ndiscussion_url = "javascript:alert(1)"'),
     "'discussion_url' must be an http:// or https:// address, got 'javascript:alert(1)'."),
    (("daily_limit = 3", 'daily_limit = 3\ndiscussion_url = "forum.example.edu/t/12"'),
     "'discussion_url' must be an http:// or https:// address, got 'forum.example.edu/t/12'."),
    (("daily_limit = 3", 'daily_limit = 3\ndiscussion_url = "https://"'),
     "'discussion_url' must be an http:// or https:// address, got 'https://'."),
    (("daily_limit = 3", 'daily_limit = 3\ndiscussion_url = "https://forum.example.edu/t/a b"'),
     "'discussion_url' must be an http:// or https:// address, got 'https://forum.example.edu/t/a b'."),
])
def test_one_line_errors(course, change, message):
    path = write(course, TOY_TOML.format(daily_limit=3).replace(*change))
    with pytest.raises(CompetitionError) as err:
        load_competition(course, "toy")
    assert str(err.value).startswith(f"{path}: {message}")
    assert "\n" not in str(err.value)


def test_discussion_url_is_optional_and_kept(course):
    write(course, TOY_TOML.format(daily_limit=3))
    assert load_competition(course, "toy").discussion_url == ""
    write(course, TOY_TOML.format(daily_limit=3) + 'discussion_url = "https://forum.example.edu/c/cnn/12"\n')
    assert load_competition(course, "toy").discussion_url == "https://forum.example.edu/c/cnn/12"


def test_unknown_competition(course):
    write(course, TOY_TOML.format(daily_limit=3))
    with pytest.raises(CompetitionError, match=r"^No competition 'mnist' in .*competitions \(known: toy\)\. Add a folder "
                                               r"with a competition.toml to make one\.$"):
        load_competition(course, "mnist")
