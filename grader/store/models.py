"""The store's tables (SQLAlchemy 2).

Rows that a user would want back are never updated in place: a re-score adds a
``scores`` row, a re-grade adds a ``grades`` row. The few columns that do change
(a job's status, a submission's status) describe progress, not results.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Student(Base):
    __tablename__ = "students"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    display_name: Mapped[str | None] = mapped_column(String(256))  # what public pages show (never the id)
    lms_id: Mapped[str | None] = mapped_column(String(128), index=True)  # the LMS's user id (Canvas, Moodle)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # +1 signs out everywhere


class Instructor(Base):
    __tablename__ = "instructors"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AccessToken(Base):
    """A sign-in link's token or an API token, stored as its sha256 only (the token itself is never kept)."""

    __tablename__ = "access_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "signin" (single use, expires) | "api"
    role: Mapped[str] = mapped_column(String(16))  # "student" | "instructor"
    principal: Mapped[str] = mapped_column(String(128), index=True)  # student or instructor id
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("competition", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    competition: Mapped[str] = mapped_column(String(128), ForeignKey("competitions.name"))
    name: Mapped[str] = mapped_column(String(256))
    is_benchmark: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    invite_code: Mapped[str | None] = mapped_column(String(32), unique=True)  # students join with it

    members: Mapped[list["Membership"]] = relationship(back_populates="team", cascade="all, delete-orphan")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("team_id", "student_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    student_id: Mapped[str] = mapped_column(ForeignKey("students.id"))
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")


class Assignment(Base):
    __tablename__ = "assignments"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    points: Mapped[float] = mapped_column(Float, default=100.0)


class Competition(Base):
    __tablename__ = "competitions"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    metric: Mapped[str] = mapped_column(String(64))
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revealed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Submission(Base):
    """One file a student or team handed in, stored content-addressed by sha256."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "assignment" | "competition"
    target: Mapped[str] = mapped_column(String(128), index=True)  # assignment or competition name
    student_id: Mapped[str | None] = mapped_column(ForeignKey("students.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    original_name: Mapped[str] = mapped_column(String(512))
    message: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(32), default="pending")  # pending|valid|invalid|scored|graded|...
    error: Mapped[str | None] = mapped_column(Text)
    is_late: Mapped[bool] = mapped_column(Boolean, default=False)
    selected: Mapped[bool] = mapped_column(Boolean, default=False)

    scores: Mapped[list["Score"]] = relationship(back_populates="submission", order_by="Score.id")


class Score(Base):
    """A competition submission's public and private score; a re-score adds a row."""

    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    metric: Mapped[str] = mapped_column(String(64))
    public_score: Mapped[float | None] = mapped_column(Float)
    private_score: Mapped[float | None] = mapped_column(Float)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="scores")


class GradingJob(Base):
    """One unit of grading work, keyed by (target, owner, sha256): idempotent by construction.

    The rows are the grading queue (:mod:`grader.queue`): a dispatcher claims a queued job with a
    lease it keeps alive while the job runs; a job whose lease expired (its dispatcher died) is
    queued again, and one that failed for reasons of the infrastructure is retried a few times and
    then ends ``failed``, never counted against the student.
    """

    __tablename__ = "grading_jobs"
    __table_args__ = (UniqueConstraint("target", "owner", "sha256", "attempt"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(128))
    owner: Mapped[str] = mapped_column(String(256))  # student id, or team id for a competition's notebook
    sha256: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer, default=1)  # --rescore adds an attempt
    # queued | running | done | failed (infrastructure) | cancelled | superseded (a newer hand-in)
    status: Mapped[str] = mapped_column(String(32), default="queued", index=True)
    verdict: Mapped[str | None] = mapped_column(String(32))  # graded|timeout|memory_limit|crashed|tampered|...
    worker: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16), default="assignment", server_default="assignment")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    lease_owner: Mapped[str | None] = mapped_column(String(256))
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    infra_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    error: Mapped[str | None] = mapped_column(Text)  # why it failed or was cancelled
    phases: Mapped[dict | None] = mapped_column(JSON)  # seconds per phase: queued, notebook, judge, saved ...


class Grade(Base):
    """The result of one grading job: totals plus per-check details as JSON."""

    __tablename__ = "grades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("grading_jobs.id"), unique=True)
    assignment: Mapped[str] = mapped_column(String(128), index=True)
    student_id: Mapped[str] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(32))
    notebook_points: Mapped[float] = mapped_column(Float, default=0.0)
    judge_points: Mapped[float] = mapped_column(Float, default=0.0)
    max_points: Mapped[float] = mapped_column(Float, default=100.0)
    late_penalty: Mapped[float] = mapped_column(Float, default=0.0)
    sandboxed: Mapped[bool] = mapped_column(Boolean, default=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    graded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def total(self) -> float:
        return max(0.0, self.notebook_points + self.judge_points - self.late_penalty)
