// Package oracle holds tests that check the dumpimport tool against the real
// database clients: for every dump of the shared corpus, the number of rows
// that `dumpimport parse -json` reports per table must equal the number of
// rows that the real client (mariadb, psql or sqlite3) loads from that file
// into a real server (see internal/testdb). The package has no code of its
// own; everything is in its tests.
//
// The corpus is read from $DUMPLINE_CORPUS, or from ../shared/corpus beside
// the repository. Run the tests with
//
//	go test ./internal/oracle
//
// Without the corpus, the servers or the clients, the tests skip (and fail
// when CI=true).
package oracle
