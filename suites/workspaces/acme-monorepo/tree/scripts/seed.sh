#!/usr/bin/env bash
# Load the sample data into the database in $DATABASE_URL.
set -euo pipefail

psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -f db/seed.sql
