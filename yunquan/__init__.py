"""yunquan (云券): the shell around the domains: app factory, config, database, auth, CLI."""
from yunquan.app import create_app

__all__ = ["create_app"]
