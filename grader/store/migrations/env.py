"""Alembic environment: migrations run on the engine the Store already made."""

from alembic import context

from grader.store.models import Base

target_metadata = Base.metadata
config = context.config
engine = config.attributes.get("engine")

if engine is None:  # `alembic` run by hand with sqlalchemy.url set
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
