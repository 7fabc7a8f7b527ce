#!/usr/bin/env bash
# Install, create the embedded SQLite database, load the demo data and start the service.
# Environment: YUNQUAN_DATABASE_URL (default ./yunquan.db), HOST (127.0.0.1), PORT (8000).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e .
.venv/bin/yunquan init-db
.venv/bin/yunquan demo
HOST=${HOST:-127.0.0.1}; PORT=${PORT:-8000}
echo
echo "Portal: http://$HOST:$PORT/ (log in as a demo user above with the password printed above)."
echo "Open http://$HOST:$PORT/api/docs (OpenAPI: http://$HOST:$PORT/api/openapi.json)."
echo "Try: curl -H 'Authorization: Bearer <auditor token above>' http://$HOST:$PORT/api/v1/ledger/verify"
exec .venv/bin/yunquan serve --host "$HOST" --port "$PORT"
