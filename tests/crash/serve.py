"""The service as a real process for the crash tests, which dies on purpose: before a random SQL
statement, just before a commit, or after a commit before the answer leaves (SIGKILL to itself:
no handler, no cleanup, as the OOM killer or a pulled plug would). Test harness only.

    python -m tests.crash.serve URL PORT EVIDENCE_DIR SEED RATE

This process imports the application, binds the port and then forks the server that answers; when
that server is killed the next one is forked at once (a fork, not a fresh interpreter that imports
everything again: the restarts were most of the test's time). The server that dies is a real
process killed by SIGKILL, with its request half done and its database connections dropped by the
kernel; requests queued on the port wait for the next server instead of being refused.
"""
from __future__ import annotations

import os
import random
import signal
import sys
import threading
import time

import sqlalchemy as sa
from werkzeug.serving import make_server

from yunquan.app import create_app
from yunquan.db import make_engine


def main() -> None:
    url, port, evidence_dir, seed, rate = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
    rng = random.Random(f"{seed}:{os.getpid()}")
    engine = make_engine(url, connect_args={"application_name": "yq-crash"})

    def maybe_die(where: str) -> None:
        if rng.random() < rate:
            sys.stderr.write(f"KILLED {where}\n")
            sys.stderr.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def before_statement(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "SELECT")):
            maybe_die(statement.split()[0] + " " + " ".join(statement.split()[1:4]))

    @sa.event.listens_for(engine, "commit")
    def before_commit(conn):
        maybe_die("before commit")

    app = create_app({"ENGINE": engine, "DATABASE_URL": url, "EVIDENCE_DIR": evidence_dir,
                      "PUBLICITY_DAYS_OVERRIDE": 0})

    @app.teardown_request
    def after_commit(_exc=None):
        maybe_die("after commit, before the answer")

    server = make_server("127.0.0.1", port, app, threaded=True)  # bound and listening: no connects refused
    parent = os.getpid()
    while True:
        child = os.fork()
        if child == 0:  # the server: its own random sequence, its own connections (none yet: create_app opens none)
            rng.seed(f"{seed}:{os.getpid()}")
            engine.dispose(close=False)
            threading.Thread(target=_die_with, args=(parent,), daemon=True).start()
            server.serve_forever()
            os._exit(0)
        os.waitpid(child, 0)  # killed (or gone): fork the next one


def _die_with(parent: int) -> None:
    """The test kills this process group when it is done; should only the parent go, go too."""
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(1)


if __name__ == "__main__":
    main()
