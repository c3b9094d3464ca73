#!/usr/bin/env bash
# `make down`: stops what `make up` started (services, broker, and Redis if
# it was started here). The system PostgreSQL keeps running.
source "$(dirname "$0")/common.sh"
for pidfile in "$RUN_DIR"/*.pid; do
  [ -e "$pidfile" ] || continue
  say "stopping $(basename "$pidfile" .pid)"
  stop_pidfile "$pidfile"
done
