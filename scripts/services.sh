#!/usr/bin/env bash
# Make sure the local PostgreSQL the tests use is running (127.0.0.1:5432, database `test`).
set -uo pipefail
if command -v pg_isready >/dev/null 2>&1 && pg_isready -h 127.0.0.1 -p 5432 -q; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  version=$(ls /etc/postgresql | head -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do
    pg_isready -h 127.0.0.1 -p 5432 -q && exit 0
    sleep 1
  done
fi
echo "warning: PostgreSQL is not running on 127.0.0.1:5432; its tests will skip (or fail under BREACHDESK_REQUIRE_POSTGRES=1)" >&2
