#!/bin/sh
# Times the MariaDB sink against its peers, whole processes, on one server:
#
#   sh sink/testdata/bench/mysql-vs-peers.sh BIG.sql [rounds] [jobs]
#
# BIG.sql is a large mariadb-dump (sqlparse/testdata/gen/mariadb-big.sh
# writes one). The script builds dumpimport, starts a throw-away mariadbd
# in a temporary folder with internal/testdb's flags (128 MB buffer pool,
# not durable), loads BIG.sql once with the client into `src` and exports
# `src` with mydumper (myloader's own format). Then, in each round and in
# turn, it loads
#
#   client:     mariadb dst_client < BIG.sql
#   myloader:   myloader -t 2 -d EXPORT -B dst_myloader
#   dumpimport: dumpimport load -quiet -jobs JOBS BIG.sql mysql:root@unix(SOCK)/dst_sink
#
# each a whole process under /usr/bin/time -v, prints the wall seconds, the
# peak RSS and the ratios of the round, and checks that CHECKSUM TABLE of
# every table of the three databases equals that of src. The sink runs in
# replace mode, into a database that holds the previous round's tables.
# DUMPIMPORT=path times that binary (another build) instead of building one.
set -eu
dump=${1:?usage: mysql-vs-peers.sh BIG.sql [rounds] [jobs]}
rounds=${2:-5}
jobs=${3:-2}
repo=$(cd "$(dirname "$0")/../../.." && pwd)
dir=$(mktemp -d)
trap 'kill $(cat "$dir/pid" 2>/dev/null) 2>/dev/null; sleep 2; rm -rf "$dir"' EXIT
user=""
[ "$(id -u)" = 0 ] && user=--user=root
flags="--skip-name-resolve --skip-log-bin --innodb-buffer-pool-size=128M --innodb-log-file-size=64M
--innodb-doublewrite=0 --innodb-flush-log-at-trx-commit=0 --innodb-flush-method=nosync --sync-binlog=0
--character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci --max-allowed-packet=1G
--skip-performance-schema --log-bin-trust-function-creators=1"
# shellcheck disable=SC2086
mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=socket $user \
	--skip-test-db --tmpdir="$dir" $flags >"$dir/install.log" 2>&1
# shellcheck disable=SC2086
mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/sock" --skip-networking --pid-file="$dir/pid" \
	--log-error="$dir/server.log" --tmpdir="$dir" $user $flags &
sock=$dir/sock
M="mariadb --socket=$sock -uroot"
i=0
until $M -e 'SELECT 1' >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 60 ] || { cat "$dir/server.log"; exit 1; }; sleep 1
done
if [ -n "${DUMPIMPORT:-}" ]; then cp "$DUMPIMPORT" "$dir/dumpimport"; else (cd "$repo" && go build -o "$dir/dumpimport" ./examples/dumpimport); fi
$M -e 'SELECT VERSION()' -N
grep -m1 'model name' /proc/cpuinfo
$M -e 'CREATE DATABASE src'
$M src <"$dump"
mydumper -S "$sock" -u root -B src -o "$dir/export" >/dev/null

# timed NAME CMD...: runs CMD under /usr/bin/time -v, sets $secs and $rss (MB).
timed() {
	name=$1; shift
	/usr/bin/time -v -o "$dir/time.$name" "$@" >"$dir/out.$name" 2>&1 || { cat "$dir/out.$name"; exit 1; }
	secs=$(awk -F': ' '/Elapsed/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$dir/time.$name")
	rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$dir/time.$name")
}
sums() { $M -N -e "SELECT table_name FROM information_schema.tables WHERE table_schema = '$1' ORDER BY 1" |
	sed "s/.*/CHECKSUM TABLE \`$1\`.\`&\`;/" | $M -N | sed 's/^[^.]*\.//'; }
sums src >"$dir/sums.src"
echo "round client_s myloader_s dumpimport_s client/dumpimport myloader/dumpimport dumpimport_rss_MB"
r=1
while [ $r -le "$rounds" ]; do
	$M -e 'DROP DATABASE IF EXISTS dst_client; CREATE DATABASE dst_client; DROP DATABASE IF EXISTS dst_myloader'
	timed client sh -c "exec $M dst_client <'$dump'"; c=$secs
	timed myloader myloader -S "$sock" -u root -t 2 -d "$dir/export" -B dst_myloader; m=$secs
	timed sink "$dir/dumpimport" load -quiet -jobs "$jobs" "$dump" "mysql:root@unix($sock)/dst_sink"; s=$secs; srss=$rss
	echo "$r $c $m $s $(echo "$c / $s" | bc -l | cut -c1-4) $(echo "$m / $s" | bc -l | cut -c1-4) $srss"
	for db in dst_client dst_myloader dst_sink; do
		sums $db | cmp -s - "$dir/sums.src" || { echo "CHECKSUM TABLE of $db differs from src:"; sums $db | diff - "$dir/sums.src"; exit 1; }
	done
	r=$((r + 1))
done
echo "checksums of every table equal to src's in every round"
