#!/usr/bin/env bash
# Install everything and run the whole test suite on SQLite and PostgreSQL.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k ledger`).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
bash scripts/ensure-browser.sh  # Chromium and a CJK font for the portal's browser tests
export YUNQUAN_TEST_PG_URL
YUNQUAN_TEST_PG_URL=$(PY=.venv/bin/python bash scripts/ensure-postgres.sh | tail -n 1)
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
