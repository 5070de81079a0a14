#!/bin/sh
# Writes a large SQLite database and its .dump, for the SQLite sink's
# benchmarks and the comparison with the sqlite3 shell:
#
#   sh sink/testdata/gen/sqlite-big.sh /tmp/big.db /tmp/big-dot-dump.sql [copies]
#
# It loads the corpus's Chinook .dump (testdata/corpus, or $CORPUS) with the
# real sqlite3 shell, copies the rows of InvoiceLine, Invoice, Track and
# Customer `copies` times (default 200, about 1 M rows and 100 MB of dump)
# with INSERT … SELECT under new keys, and dumps it with the shell's .dump:
# the producer is real, the volume synthetic.
set -eu
db=${1:?usage: sqlite-big.sh OUT.db OUT.sql [copies]}
out=${2:?usage: sqlite-big.sh OUT.db OUT.sql [copies]}
copies=${3:-200}
here=$(cd "$(dirname "$0")" && pwd)
corpus=${CORPUS:-$here/../../../testdata/corpus}
[ -f "$corpus/sqlite/chinook-dot-dump.sql" ] || corpus=$here/../../../sqlparse/testdata/corpus
rm -f "$db"
if [ -f "$corpus/sqlite/chinook-dot-dump.sql" ]; then
	sqlite3 "$db" <"$corpus/sqlite/chinook-dot-dump.sql"
else
	gzip -dc "$corpus/sqlite-chinook-dot-dump.sql.gz" | sqlite3 "$db"
fi
{
	echo "BEGIN;"
	i=1
	while [ $i -le "$copies" ]; do
		echo "INSERT INTO Customer SELECT CustomerId + $i*100000, FirstName, LastName, Company, Address, City, State, Country, PostalCode, Phone, Fax, Email, SupportRepId FROM Customer WHERE CustomerId < 100000;"
		echo "INSERT INTO Track SELECT TrackId + $i*100000, Name || ' #$i', AlbumId, MediaTypeId, GenreId, Composer, Milliseconds, Bytes, UnitPrice FROM Track WHERE TrackId < 100000;"
		echo "INSERT INTO Invoice SELECT InvoiceId + $i*100000, CustomerId, InvoiceDate, BillingAddress, BillingCity, BillingState, BillingCountry, BillingPostalCode, Total FROM Invoice WHERE InvoiceId < 100000;"
		echo "INSERT INTO InvoiceLine SELECT InvoiceLineId + $i*100000, InvoiceId + $i*100000, TrackId, UnitPrice, Quantity FROM InvoiceLine WHERE InvoiceLineId < 100000;"
		i=$((i + 1))
	done
	echo "COMMIT;"
} | sqlite3 "$db"
sqlite3 "$db" .dump >"$out"
sqlite3 "$db" "SELECT 'rows', (SELECT count(*) FROM Customer)+(SELECT count(*) FROM Track)+(SELECT count(*) FROM Invoice)+(SELECT count(*) FROM InvoiceLine)"
ls -l "$db" "$out"
