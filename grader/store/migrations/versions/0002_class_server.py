"""class server: sign-in tokens, instructors, display names, team invite codes, the grading queue

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instructors",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "access_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("principal", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_tokens_principal"), ["principal"], unique=False)
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("lms_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_index(batch_op.f("ix_students_lms_id"), ["lms_id"], unique=False)
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invite_code", sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint("uq_teams_invite_code", ["invite_code"])
    with op.batch_alter_table("grading_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), server_default="assignment", nullable=False))
        batch_op.add_column(sa.Column("submission_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("infra_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("phases", sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f("ix_grading_jobs_status"), ["status"], unique=False)
        batch_op.create_foreign_key("fk_grading_jobs_submission_id", "submissions", ["submission_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("grading_jobs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_grading_jobs_submission_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_grading_jobs_status"))
        for column in ("phases", "error", "infra_failures", "lease_expires_at", "lease_owner", "submission_id", "kind"):
            batch_op.drop_column(column)
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_constraint("uq_teams_invite_code", type_="unique")
        batch_op.drop_column("invite_code")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_students_lms_id"))
        for column in ("session_version", "lms_id", "display_name"):
            batch_op.drop_column(column)
    with op.batch_alter_table("access_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_tokens_principal"))
    op.drop_table("access_tokens")
    op.drop_table("instructors")
