#!/usr/bin/env bash
# cargo deny check: advisories, licences, bans and sources (deny.toml).
#
# cargo-deny is installed when missing (a pinned version, from crates.io).
# The RustSec advisory database is fetched where it can be; where it cannot
# (CI reaches only the package registries) the snapshot checked in under
# supply-chain/ is laid out where cargo-deny looks and used without fetching.
# A snapshot older than deny.toml's maximum-db-staleness fails the check:
# refresh it as supply-chain/README.md says.
set -euo pipefail
cd "$(dirname "$0")/.."

# Base images pinned by digest: a re-pushed tag cannot change what we build.
if grep -nE '^FROM ' Dockerfile | grep -vE '@sha256:[0-9a-f]{64}'; then
  echo "supply-chain: the Dockerfile's FROM lines above are not pinned by digest" >&2
  exit 1
fi

DENY_VERSION=0.20.2
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$DENY_VERSION" ]; then
  echo "supply-chain: installing cargo-deny $DENY_VERSION"
  cargo install --locked --quiet cargo-deny --version "$DENY_VERSION"
fi

CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export CARGO_HOME
# Where cargo-deny $DENY_VERSION keeps the database of deny.toml's db-urls.
DB="$CARGO_HOME/advisory-dbs/advisory-db-3157b0e258782691"
SNAPSHOT=supply-chain/advisory-db.tar.gz
SNAPSHOT_COMMIT=$(sed -n 's/^commit: //p' supply-chain/README.md)
SNAPSHOT_DATE=$(sed -n 's/^date: //p' supply-chain/README.md)

if cargo deny fetch db >/dev/null 2>&1; then
  exec cargo deny check
fi

# Offline: the snapshot, as a repository whose HEAD is the snapshot's commit date
# (what cargo-deny measures staleness by).
if [ "$(cat "$DB/.snapshot" 2>/dev/null)" != "$SNAPSHOT_COMMIT" ]; then
  rm -rf "$DB"
  mkdir -p "$DB"
  tar -xzf "$SNAPSHOT" -C "$DB"
  git -C "$DB" init --quiet
  git -C "$DB" add --all
  GIT_AUTHOR_DATE="$SNAPSHOT_DATE" GIT_COMMITTER_DATE="$SNAPSHOT_DATE" \
    git -C "$DB" -c user.name=qiancheng -c user.email=ci@qiancheng.invalid \
    commit --quiet -m "rustsec/advisory-db $SNAPSHOT_COMMIT"
  echo "$SNAPSHOT_COMMIT" >"$DB/.snapshot"
fi
# cargo-deny reads the crate graph with `cargo metadata --offline`: have every
# crate of Cargo.lock downloaded first (crates.io is reachable).
cargo fetch --locked --quiet
echo "supply-chain: advisory database offline, snapshot $SNAPSHOT_COMMIT of $SNAPSHOT_DATE"
exec cargo deny --offline check
