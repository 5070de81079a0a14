// Package oracle holds tests that check the dumpimport tool and the import
// pipeline against the real database programs. It has no code of its own.
//
//   - TestOracle: for every dump of the corpus (testdata/corpus), the rows per table
//     that `dumpimport parse -json` reports equal the rows that the real
//     client (mariadb, psql or sqlite3) loads from that file into a real
//     server (internal/testdb), counted with COUNT(*) before and after.
//   - TestLoadSQLite: `dumpimport load` of chinook's sqlite3 .dump into an
//     SQLite file gives every table the row count that the sqlite3 shell
//     gives it.
//   - TestDifferential: dumps written by the real mariadb-dump, pg_dump and
//     sqlite3 .dump, in many of their styles, of the corpus loaded into the
//     servers: the tool counts, table by table, what COUNT(*) finds in the
//     source.
//   - BenchmarkParseSakilaDump: the pipeline on a dump of at least 200 MB
//     written by the real mariadb-dump (testdb.CachedSakilaDump).
//
// The tests build examples/dumpimport once per run with the go command. The
// corpus is the repository's testdata/corpus, or $DUMPLINE_CORPUS if set
// (testdb.CorpusDir). Without the servers or the clients, the tests skip
// (and fail when CI=true).
package oracle
