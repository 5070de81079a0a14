#!/bin/sh
# Writes a large dump with the real mariadb-dump, for the sqlparse benchmarks:
#
#   sh sqlparse/testdata/gen/mariadb-big.sh /tmp/big.sql [copies]
#   SQLPARSE_BENCH_FILE=/tmp/big.sql go test -run '^$' -bench . ./sqlparse
#
# It starts a throw-away MariaDB server in a temporary directory, loads the
# sakila and countries samples of the repository's testdata/corpus (or of
# $CORPUS), copies every table `copies` times (default 70, about 270 MB of
# dump) into a database `big`, dumps it with mariadb-dump and stops the
# server. The rows are real sample data repeated; the producer is the real
# mariadb-dump.
set -eu
out=${1:?usage: mariadb-big.sh OUT.sql [copies]}
copies=${2:-70}
corpus=${CORPUS:-$(cd "$(dirname "$0")/../../.." && pwd)/testdata/corpus}
dir=$(mktemp -d)
trap 'kill $(cat "$dir/pid" 2>/dev/null) 2>/dev/null; sleep 2; rm -rf "$dir"' EXIT
mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=normal --user="$(id -un)" >"$dir/install.log" 2>&1
mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/sock" --skip-networking --skip-grant-tables \
	--user="$(id -un)" --pid-file="$dir/pid" >"$dir/server.log" 2>&1 &
M="mariadb --socket=$dir/sock"
i=0
until $M -e 'SELECT 1' >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 60 ] || { cat "$dir/server.log"; exit 1; }; sleep 1
done
$M <"$corpus/mysql/sakila-schema.sql"
$M <"$corpus/mysql/sakila-data.sql"
$M -e 'CREATE DATABASE world'
$M world <"$corpus/mysql/countries.sql"
$M -e 'CREATE DATABASE big'
for t in sakila.actor sakila.address sakila.category sakila.city sakila.country sakila.customer sakila.film \
	sakila.film_actor sakila.film_category sakila.inventory sakila.language sakila.payment sakila.rental \
	sakila.staff sakila.store world.countries; do
	name=${t#*.}
	$M -e "CREATE TABLE big.$name AS SELECT * FROM $t WHERE 0"
	n=$copies
	[ "$name" = countries ] && n=$((copies * 2))
	seq 1 "$n" | sed "s/.*/INSERT INTO big.$name SELECT * FROM $t;/" | $M
done
mariadb-dump --socket="$dir/sock" big >"$out"
ls -l "$out"
