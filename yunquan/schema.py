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
    import talent.models  # noqa: F401
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
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
