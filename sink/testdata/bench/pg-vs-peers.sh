#!/bin/sh
# Whole-process figures of the PostgreSQL sink against psql -f and
# pg_restore -j 2, on one throwaway PostgreSQL cluster:
#
#   sh sink/testdata/bench/pg-vs-peers.sh [WORKDIR]
#
# It starts a cluster (initdb, trust, loopback, the flags of internal/testdb),
# generates a database of ROWS rows (default 1.6 M: bytea, text[], jsonb,
# timestamptz, a secondary index) and ROWS/4 rows in a table with a foreign
# key and a plpgsql trigger, dumps it with pg_dump three times (plain with
# COPY, --inserts --rows-per-insert=100, -Fc) into WORKDIR (default
# /work/big/pg-bench; dumps already there are reused), builds dumpimport
# with go build, checks that every table loaded by dumpimport, psql -f and
# pg_restore has the same md5(string_agg(row::text ORDER BY id)), then runs
# ROUNDS rounds (default 5) of hyperfine, one run of each command a round,
# each after a new database and a CHECKPOINT, so that the commands alternate, and prints min/median/max seconds of each
# and the peak RSS of dumpimport (/usr/bin/time -v). KINDS=copy times the
# COPY dump and pg_restore only (KINDS=inserts the --inserts dump only);
# CHECK=0 skips the checksums. Needs root (the
# cluster runs as the postgres user), PostgreSQL's server binaries,
# hyperfine and GNU time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=${1:-/work/big/pg-bench}
rows=${ROWS:-1600000}
rounds=${ROUNDS:-5}
jobs=${JOBS:-}
kinds=${KINDS:-copy inserts}
bin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)}
mkdir -p "$work"

dir=$(mktemp -d /tmp/pg-vs-peers-XXXXXX)
chown postgres "$dir"
port=$(( 20000 + $$ % 20000 ))
as_pg() { runuser -u postgres -- "$@"; }
stop() { as_pg "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap stop EXIT INT TERM
as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync --no-instructions >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
 -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=64MB -c max_wal_size=1GB -c checkpoint_timeout=30min" start >/dev/null
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
psql="$bin/psql -X -q -v ON_ERROR_STOP=1"
dsn="postgres://postgres@127.0.0.1:$port"

if [ ! -f "$work/copy.sql" ] || [ ! -f "$work/inserts.sql" ] || [ ! -f "$work/custom.dump" ]; then
	$psql -d postgres -c 'CREATE DATABASE src'
	$psql -d src <<SQL
CREATE TABLE public.big (id bigint PRIMARY KEY, name text NOT NULL, payload bytea, tags text[], doc jsonb, created timestamptz);
CREATE TABLE public.audit (id bigint PRIMARY KEY, big_id bigint REFERENCES public.big, note text, at timestamptz);
CREATE FUNCTION public.touch() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN NEW.at := now(); RETURN NEW; END \$\$;
CREATE TRIGGER touch BEFORE UPDATE ON public.audit FOR EACH ROW EXECUTE FUNCTION public.touch();
INSERT INTO public.big SELECT i, 'name ' || md5(i::text) || E' with \\\\ and \t tab', decode(md5(i::text), 'hex'),
  ARRAY['a' || i % 10, 'b' || i % 7], jsonb_build_object('i', i, 's', md5(i::text)), '2020-01-01'::timestamptz + i * interval '1 second'
  FROM generate_series(1, $rows) i;
INSERT INTO public.audit SELECT i, i, repeat(md5(i::text), 2), '2021-01-01'::timestamptz + i * interval '1 minute' FROM generate_series(1, $rows / 4) i;
CREATE INDEX big_name ON public.big (name);
CREATE INDEX audit_big ON public.audit (big_id);
SQL
	"$bin/pg_dump" -d src -f "$work/copy.sql.tmp" && mv "$work/copy.sql.tmp" "$work/copy.sql"
	"$bin/pg_dump" -d src --inserts --rows-per-insert=100 -f "$work/inserts.sql.tmp" && mv "$work/inserts.sql.tmp" "$work/inserts.sql"
	"$bin/pg_dump" -d src -Fc -f "$work/custom.dump.tmp" && mv "$work/custom.dump.tmp" "$work/custom.dump"
	$psql -d postgres -c 'DROP DATABASE src'
fi
ls -l "$work/copy.sql" "$work/inserts.sql" "$work/custom.dump"

(cd "$repo" && go build -o "$work/dumpimport" ./examples/dumpimport)
di="$work/dumpimport load -quiet ${jobs:+-jobs $jobs}"

if [ "${CHECK:-1}" != 0 ]; then
# Same rows everywhere: one load of each kind, then the tables' checksums.
sums() {
	for t in big audit; do
		$psql -d "$1" -A -t -c "SELECT '$t', count(*), md5(string_agg(t::text, '|' ORDER BY id)) FROM public.$t t"
	done
}
for db in ref_psql ref_restore ref_copy ref_inserts; do $psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
$psql -d ref_psql -f "$work/copy.sql"
"$bin/pg_restore" -j 2 -d ref_restore "$work/custom.dump"
$di "$work/copy.sql" "$dsn/ref_copy" >/dev/null
$di "$work/inserts.sql" "$dsn/ref_inserts" >/dev/null
want=$(sums ref_psql)
echo "$want"
for db in ref_restore ref_copy ref_inserts; do
	got=$(sums $db)
	[ "$got" = "$want" ] || { echo "pg-vs-peers: $db differs from psql -f:"; echo "$got"; exit 1; }
done
echo "checksums equal: psql -f, pg_restore -j 2, dumpimport (COPY dump), dumpimport (--inserts dump)"
for db in ref_psql ref_restore ref_copy ref_inserts; do $psql -d postgres -c "DROP DATABASE $db"; done
fi

# Peak RSS of dumpimport on each dump.
for f in copy inserts; do
	$psql -d postgres -c 'DROP DATABASE IF EXISTS dst' -c 'CREATE DATABASE dst'
	/usr/bin/time -v $di "$work/$f.sql" "$dsn/dst" 2>&1 | sed -n "s/^.*Maximum resident set size (kbytes): /$f: dumpimport peak RSS (KiB): /p"
done

# A checkpoint before each run, so that no run pays for writing out the
# pages of the one before it.
prep="$psql -d postgres -c 'DROP DATABASE IF EXISTS dst' -c 'CREATE DATABASE dst' -c CHECKPOINT"
: >"$work/times.csv"
i=1
while [ $i -le "$rounds" ]; do
	set --
	case " $kinds " in *" copy "*)
		set -- "$@" -n psql-copy "$psql -d dst -f $work/copy.sql" -n dumpimport-copy "$di $work/copy.sql $dsn/dst" \
			-n pg_restore-j2 "$bin/pg_restore -j 2 -d dst $work/custom.dump" ;;
	esac
	case " $kinds " in *" inserts "*)
		set -- "$@" -n psql-inserts "$psql -d dst -f $work/inserts.sql" -n dumpimport-inserts "$di $work/inserts.sql $dsn/dst" ;;
	esac
	hyperfine -r 1 -S none --style basic --prepare "$prep" --export-csv "$work/round.csv" "$@" >/dev/null
	tail -n +2 "$work/round.csv" | cut -d, -f1,2 >>"$work/times.csv"
	i=$((i + 1))
done
echo "seconds over $rounds alternating rounds (min median max), $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $("$bin/postgres" --version)"
for n in psql-copy dumpimport-copy pg_restore-j2 psql-inserts dumpimport-inserts; do
	grep -q "^$n," "$work/times.csv" || continue
	grep "^$n," "$work/times.csv" | cut -d, -f2 | sort -n | awk -v n="$n" '{ v[NR] = $1 } END { printf "%-20s %.2f %.2f %.2f\n", n, v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
done
# The ratios round by round: the peer's time over dumpimport's.
awk -F, '{ r[$1] = ++k[$1]; t[$1, r[$1]] = $2 } END {
	for (i = 1; i <= k["dumpimport-copy"] + 0 || i <= k["dumpimport-inserts"] + 0; i++) {
		line = "round " i ":"
		if (t["dumpimport-copy", i] > 0) line = line sprintf(" psql -f / dumpimport (COPY dump) %.2fx, pg_restore -j 2 / dumpimport %.2fx;", t["psql-copy", i] / t["dumpimport-copy", i], t["pg_restore-j2", i] / t["dumpimport-copy", i])
		if (t["dumpimport-inserts", i] > 0) line = line sprintf(" psql -f / dumpimport (--inserts dump) %.2fx", t["psql-inserts", i] / t["dumpimport-inserts", i])
		print line
	}
}' "$work/times.csv"
