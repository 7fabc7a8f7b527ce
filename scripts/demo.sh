#!/usr/bin/env bash
# Install, create the embedded SQLite database, load the demo data and start the service.
# Environment: YUNQUAN_DATABASE_URL (default ./yunquan.db), HOST (127.0.0.1), PORT (8000),
# RESET=1 (start from an empty database: yunquan demo --reset).
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=${HOST:-127.0.0.1}; PORT=${PORT:-8000}
# Before anything touches the database: a server already on the port would keep answering with
# its own data (and this one could not start), so say so and stop.
if (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; then
  echo "something is already listening on $HOST:$PORT (a yunquan server started earlier?)." >&2
  echo "Stop it, or choose another port: PORT=8001 bash scripts/demo.sh. Nothing was changed." >&2
  exit 1
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/yunquan init-db
if [ "${RESET:-0}" = "1" ]; then .venv/bin/yunquan demo --reset; else .venv/bin/yunquan demo; fi
echo
echo "Portal: http://$HOST:$PORT/ (log in as a demo user above with the password printed above)."
echo "Open http://$HOST:$PORT/api/docs (OpenAPI: http://$HOST:$PORT/api/openapi.json)."
echo "Try, in another terminal: source var/demo-tokens.env; curl -H \"Authorization: Bearer \$AUDITOR\" http://$HOST:$PORT/api/v1/ledger/verify"
exec .venv/bin/yunquan serve --host "$HOST" --port "$PORT"
