#!/usr/bin/env bash
# Set up breachdesk and run the demo desk on the embedded SQLite database (demo.db).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/breachdesk --db demo.db demo "$@"
