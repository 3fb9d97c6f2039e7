"""Alembic environment: migrates the store's fixed tables (`shopctl.store.tables`).

`shopctl.store.engine.open_store` runs it with a connection in
`config.attributes["connection"]`; the `alembic` command line works too when given
`-x url=…`.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from shopctl.store.tables import metadata


def run_migrations() -> None:
    """Upgrade over the shared connection, or over one made from `-x url=…`."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.get_x_argument(as_dictionary=True).get("url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
