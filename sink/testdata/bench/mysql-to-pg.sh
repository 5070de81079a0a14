#!/bin/sh
# MySQL dump into PostgreSQL: dumpimport (the PostgreSQL sink's MySQL path)
# against pgloader from the live MariaDB server holding the same data, as
# whole processes, alternating, with the peak RSS of each run:
#
#   sh sink/testdata/bench/mysql-to-pg.sh /work/big/big.sql [rounds]
#
# It starts a throw-away MariaDB 10.11 (loaded with the dump by the mariadb
# client; the dump's own database, see its USE or the one it was taken of)
# and a throw-away PostgreSQL with the settings of internal/testdb, builds
# examples/dumpimport, then for each round loads the dump with
#   dumpimport load -quiet -dialect mysql DUMP postgres://…/dl
# and the live database with
#   pgloader mysql://root@127.0.0.1:PORT/DB pgsql://postgres@127.0.0.1:PORT/pl
# into fresh databases, and prints the wall time and peak RSS of each run
# and the rows of every table on both sides once. pgloader 3.6.9 writes
# MariaDB's DEFAULT current_timestamp() as the string 'current_timestamp()'
# and fails to create the schema (the issue's anchor): the script gives it
# a CAST rule that drops that default (its only change to pgloader's
# defaults), so that both load every table.
set -eu
dump=${1:?usage: mysql-to-pg.sh DUMP.sql [rounds]}
rounds=${2:-3}
db=${DB:-big}
root=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$(mktemp -d)
cleanup() {
	[ -f "$dir/m.pid" ] && kill "$(cat "$dir/m.pid")" 2>/dev/null || true
	[ -d "$dir/pgd/data" ] && $as "$pgbin/pg_ctl" -D "$dir/pgd/data" -m immediate stop >/dev/null 2>&1 || true
	sleep 2
	rm -rf "$dir"
}
as=""
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mp=$(free_port)
pp=$(free_port)

mariadb-install-db --no-defaults --datadir="$dir/m" --auth-root-authentication-method=normal --user="$(id -un)" >"$dir/install.log" 2>&1
mariadbd --no-defaults --datadir="$dir/m" --socket="$dir/m.sock" --port="$mp" --bind-address=127.0.0.1 \
	--skip-grant-tables --innodb-buffer-pool-size=128M --user="$(id -un)" --pid-file="$dir/m.pid" >"$dir/m.log" 2>&1 &
M="mariadb --no-defaults --socket=$dir/m.sock"
i=0
until $M -e 'SELECT 1' >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 60 ] || { cat "$dir/m.log"; exit 1; }; sleep 1
done
$M -e "CREATE DATABASE $db"
$M "$db" <"$dump"

# PostgreSQL refuses to run as root: as root, it runs as the user postgres.
as=""
mkdir "$dir/pgd"
if [ "$(id -u)" = 0 ]; then
	as="runuser -u postgres --"
	chmod 755 "$dir"
	chown postgres "$dir/pgd"
fi
$as "$pgbin/initdb" -D "$dir/pgd/data" -U postgres -A trust >"$dir/initdb.log"
$as "$pgbin/pg_ctl" -D "$dir/pgd/data" -l "$dir/pgd/pg.log" -w -o "-p $pp -k $dir/pgd -c listen_addresses=127.0.0.1 -c fsync=off \
 -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB -c max_wal_size=1GB -c checkpoint_timeout=30min" start >/dev/null
P="psql -X -q -h 127.0.0.1 -p $pp -U postgres"

(cd "$root" && go build -o "$dir/dumpimport" ./examples/dumpimport)
cat >"$dir/pgloader.load" <<LOAD
LOAD DATABASE FROM mysql://root@127.0.0.1:$mp/$db INTO pgsql://postgres@127.0.0.1:$pp/pl
 CAST type timestamp when default "current_timestamp()" to timestamptz drop default using zero-dates-to-null;
LOAD

lscpu | grep 'Model name' || true
fresh() { $P -d postgres -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"; }
measure() { # name command…
	name=$1; shift
	/usr/bin/time -f "%e %M" -o "$dir/time" "$@" >"$dir/$name.out" 2>&1 || { head -30 "$dir/$name.out"; exit 1; }
	read -r secs kb <"$dir/time"
	echo "$name $secs s, peak RSS $((kb / 1024)) MiB"
}
r=1
while [ $r -le "$rounds" ]; do
	fresh dl
	measure dumpimport "$dir/dumpimport" load -quiet -dialect mysql "$dump" "postgres://postgres@127.0.0.1:$pp/dl"
	fresh pl
	measure pgloader pgloader "$dir/pgloader.load"
	r=$((r + 1))
done
echo "rows per table (dumpimport | pgloader | mariadb):"
for t in $($M -N -e "SELECT table_name FROM information_schema.tables WHERE table_schema='$db' AND table_type='BASE TABLE' ORDER BY 1"); do
	a=$($P -d dl -tAc "SELECT count(*) FROM \"$t\"")
	b=$($P -d pl -tAc "SELECT count(*) FROM $db.\"$t\"" 2>/dev/null || echo -)
	c=$($M -N -e "SELECT count(*) FROM $db.\`$t\`")
	echo "  $t $a | $b | $c"
done
