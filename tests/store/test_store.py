"""The store: schema by migration, round trips, transactions, files, PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from grader.errors import StoreError
from grader.store import Grade, GradingJob, Membership, Score, Store, Student, Submission, Team, Competition

TABLES = ["access_tokens", "alembic_version", "assignments", "competitions", "grades", "grading_jobs", "instructors",
          "memberships", "scores", "students", "submissions", "teams"]


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'cnnkit.db'}", tmp_path / "files")
    s.create()
    return s


def _populate(store: Store) -> int:
    with store.transaction() as session:
        session.add(Competition(name="digits", title="Digits", metric="accuracy_score"))
        session.add_all([Student(id="alice", name="Alice"), Student(id="bob")])
        team = Team(competition="digits", name="convnets")
        team.members = [Membership(student_id="alice"), Membership(student_id="bob")]
        session.add(team)
        session.flush()
        digest = store.put_file(b"ImageId,Label\n1,7\n")
        sub = Submission(kind="competition", target="digits", team_id=team.id, sha256=digest, size=18,
                         original_name="submission.csv", status="scored")
        session.add(sub)
        session.flush()
        session.add(Score(submission_id=sub.id, metric="accuracy_score", public_score=0.9, private_score=0.8))
        return sub.id


def test_create_makes_every_table_at_the_newest_migration(store):
    assert store.tables() == TABLES
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(store.alembic_config()).get_current_head()
    with store.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head


def test_models_and_migrations_agree(store):
    """A model changed without a migration would show up as a difference here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from grader.store.models import Base

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_downgrade_to_base_and_upgrade_again_keeps_the_schema(store):
    from alembic import command

    command.downgrade(store.alembic_config(), "base")
    assert store.tables() == ["alembic_version"]
    store.upgrade()
    assert store.tables() == TABLES


def test_round_trip_of_a_team_submission_and_score(store):
    sub_id = _populate(store)
    with store.read() as session:
        sub = session.get(Submission, sub_id)
        team = session.get(Team, sub.team_id)
        assert sorted(m.student_id for m in team.members) == ["alice", "bob"]
        assert sub.scores[0].public_score == 0.9 and sub.scores[0].private_score == 0.8
        assert sub.submitted_at.tzinfo is not None or store.url.startswith("sqlite")
        assert store.get_file(sub.sha256) == b"ImageId,Label\n1,7\n"


def test_a_failed_transaction_writes_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as session:
            session.add(Student(id="carol"))
            session.flush()
            raise RuntimeError("boom")
    with store.read() as session:
        assert session.get(Student, "carol") is None


def test_foreign_keys_are_enforced_on_sqlite(store):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with store.transaction() as session:
            session.add(Membership(team_id=999, student_id="nobody"))


def test_files_are_content_addressed_and_written_once(store):
    data = b"x" * 1000
    digest = store.put_file(data)
    assert digest == hashlib.sha256(data).hexdigest()
    path = store.file_path(digest)
    mtime = path.stat().st_mtime_ns
    assert store.put_file(data) == digest
    assert path.stat().st_mtime_ns == mtime
    assert not list(path.parent.glob(".incoming-*"))


def test_a_rescore_adds_a_row_and_keeps_the_old_one(store):
    sub_id = _populate(store)
    with store.transaction() as session:
        session.add(Score(submission_id=sub_id, metric="accuracy_score", public_score=0.95, private_score=0.85))
    with store.read() as session:
        scores = session.get(Submission, sub_id).scores
        assert [s.public_score for s in scores] == [0.9, 0.95]


def test_job_keys_are_unique(store):
    from sqlalchemy.exc import IntegrityError

    with store.transaction() as session:
        session.add(GradingJob(target="01", owner="alice", sha256="a" * 64, attempt=1))
    with pytest.raises(IntegrityError):
        with store.transaction() as session:
            session.add(GradingJob(target="01", owner="alice", sha256="a" * 64, attempt=1))


def test_a_bad_url_is_one_line_error(tmp_path):
    with pytest.raises(StoreError, match="Cannot use database URL nosuchdb://x"):
        Store("nosuchdb://x", tmp_path)


def test_an_unwritable_database_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="Cannot open the database"):
        Store(f"sqlite:///{tmp_path}/missing-dir/x.db", tmp_path).create()


@pytest.mark.postgres
def test_the_same_store_works_on_postgresql(postgres_url, tmp_path):
    store = Store(postgres_url, tmp_path / "files")
    store.create()
    assert store.tables() == TABLES
    sub_id = _populate(store)
    with store.read() as session:
        assert session.scalars(select(Score.public_score).where(Score.submission_id == sub_id)).all() == [0.9]
        grade_count = session.query(Grade).count()
    assert grade_count == 0
    from alembic import command

    command.downgrade(store.alembic_config(), "base")
    assert store.tables() == ["alembic_version"]
