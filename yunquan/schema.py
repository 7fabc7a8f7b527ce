"""The database schema: every domain's tables, and Alembic migrations to reach them."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from sqlmodel import SQLModel

from alembic import command

MIGRATIONS = Path(__file__).resolve().parent.parent / "alembic"


def metadata() -> sa.MetaData:
    import catalog.models  # noqa: F401
    import claims.models  # noqa: F401
    import clusters.models  # noqa: F401
    import ledger.models  # noqa: F401
    import parties.models  # noqa: F401
    import payouts.models  # noqa: F401
    import schemes.models  # noqa: F401
    import vouchers.models  # noqa: F401
    import yunquan.models  # noqa: F401
    return SQLModel.metadata


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """``alembic upgrade head`` on this engine."""
    _migrate(engine, lambda cfg: command.upgrade(cfg, revision))


def downgrade(engine: sa.Engine, revision: str) -> None:
    """``alembic downgrade REVISION`` on this engine."""
    _migrate(engine, lambda cfg: command.downgrade(cfg, revision))


def _migrate(engine: sa.Engine, run) -> None:
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            run(cfg)
        return
    # SQLite alters a table by rebuilding it, and dropping the old copy of a table that others refer
    # to fails while foreign keys are enforced. SQLite's documented procedure: turn enforcement off
    # outside the transaction, migrate, check every foreign key before committing, turn it back on.
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                run(cfg)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows pointing at nothing: {broken[:5]}")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
