"""Alembic environment: runs against the Flask app's engine."""

from alembic import context

from core.db import db, include_name

app = context.config.attributes["flask_app"]


def run_migrations() -> None:
    with app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=db.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
                include_name=include_name,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()


run_migrations()
