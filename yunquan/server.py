"""``yunquan serve``: gunicorn in-process, so one command runs the production server.

More capacity means more stateless workers (and machines) in front of PostgreSQL; the app keeps
no state between requests."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from yunquan.app import create_app
        return create_app()


def run(*, host: str, port: int, workers: int) -> None:
    print(f"yunquan listening on http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs)", flush=True)
    _Gunicorn({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-", "timeout": 120}).run()
