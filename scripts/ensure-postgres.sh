#!/usr/bin/env bash
# Make sure a PostgreSQL server answers at $YUNQUAN_TEST_PG_URL (default: local, trust auth).
# Starts the local cluster if it is installed but stopped; installs it from Debian's packages when
# missing and we are root. Prints the URL to use on its last line.
set -euo pipefail
PY=${PY:-.venv/bin/python}
URL=${YUNQUAN_TEST_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}

answers() {
  "$PY" - "$1" <<'PYEOF' >/dev/null 2>&1
import sys, sqlalchemy as sa
e = sa.create_engine(sys.argv[1]); c = e.connect(); c.close()
PYEOF
}

if answers "$URL"; then echo "$URL"; exit 0; fi

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "PostgreSQL is not installed: installing it from Debian's packages" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    echo "PostgreSQL is not reachable at $URL and cannot be installed here (needs root and apt-get)." >&2
    exit 1
  fi
fi

ver=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || true
for _ in $(seq 1 30); do answers "$URL" && { echo "$URL"; exit 0; }; sleep 1; done

# A freshly installed cluster asks for a password on TCP: give the postgres user one and a test DB.
if [ "$(id -u)" = 0 ]; then
  su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
  su postgres -c "psql -q -tc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test" >&2
  URL=postgresql+psycopg://postgres:postgres@127.0.0.1:5432/test
  answers "$URL" && { echo "$URL"; exit 0; }
fi
echo "PostgreSQL did not come up at $URL" >&2
exit 1
