# A throwaway PostgreSQL cluster: Debian's initdb and pg_ctl on a temporary directory and a
# loopback port. Prints READY once it serves, then runs until its stdin closes (the process
# that started it holds that pipe, so the cluster stops when that process ends, however it
# ends), stops the cluster and deletes the directory.
#
# Environment: BIN (the PostgreSQL binaries, /usr/lib/postgresql/N/bin), PORT, AS_PG (empty,
# or `runuser -u postgres --` as root: initdb refuses root).
# Used by crates/drill/tests/common/pg.rs (the store stories, the benches) and xtask's e2e
# step (the browser tests on PostgreSQL).
set -e
exec 2>&1
DIR=$(mktemp -d /tmp/qd-pg.XXXXXX)
if [ -n "$AS_PG" ]; then chown postgres "$DIR"; fi
trap 'rm -rf "$DIR"' EXIT
$AS_PG "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$DIR/initdb.log" || { cat "$DIR/initdb.log"; exit 1; }
$AS_PG "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 \
  -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off" \
  start >/dev/null || { cat "$DIR/log"; exit 1; }
echo READY
exec >/dev/null
set +e
cat >/dev/null
$AS_PG "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop
