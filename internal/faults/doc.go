// Package faults is the fault-injection suite of the importer: tests, and
// nothing else, that break the parts of a real import on purpose and check
// that nothing is lost and nothing is seen half-done. Every test drives the
// public API (importer.Pipeline with the source, archive and sink packages)
// against real servers started on loopback by internal/testdb (MariaDB,
// PostgreSQL, SQLite files) and internal/sshd (OpenSSH, and Proxy, a TCP
// proxy that cuts or black-holes connections).
//
// What the suite proves, and how to run each part:
//
//   - Network (network_test.go): the connection to the SSH server is cut at
//     seeded random offsets while a dump is loaded into SQLite and MariaDB,
//     and every import resumes and ends with the same tables; a black-holed
//     connection (no RST, nothing forwarded) fails within the source's
//     timeouts and leaves the target as it was.
//     go test ./internal/faults -run 'TestSFTP' -v
//   - Database (database_test.go): the MariaDB and PostgreSQL servers are
//     killed with SIGKILL in the middle of a load and restarted, and the
//     connection to them is cut by the proxy: the import fails with an error
//     naming the server and the file, a reader polling the target meanwhile
//     sees the previous tables, whole, whenever the server is up, and the
//     next run succeeds; a commit survives a crash right after it. A
//     black-holed connection to them ends the import after its context's
//     deadline.
//     go test ./internal/faults -run 'TestServer' -v
//   - Process (process_test.go): the importer itself, a child process (the
//     test binary run again), is killed with SIGKILL at seeded random
//     offsets of its dump, in replace mode into SQLite, MariaDB and
//     PostgreSQL: the target keeps its old tables, the rerun succeeds, and
//     no staging database, schema or file is left after it.
//     go test ./internal/faults -run 'TestImporterKilled' -v
//   - Input (input_test.go): dumps, gzip and ZIP files cut and bit-flipped
//     at many offsets, wrong passwords, unsupported methods, bombs,
//     overlapping entries, zip-slip names, a 1 GiB one-line statement, a
//     UTF-16 dump, invalid UTF-8 and a dump failing at its last statement,
//     into every sink: an *importer.Error naming the file and the place, no
//     panic, the target as it was.
//     go test ./internal/faults -run 'TestInput' -v
//   - Security (secrets_test.go): host key mismatches refused, file names
//     that would be shell syntax imported as data over SCP and SFTP, and
//     SSH, ZIP and database passwords never in logs, status, /status,
//     /logs, errors, reports or panics.
//     go test ./internal/faults -run 'TestSecrets|TestHostKey|TestNoRemote' -v
//   - Resources (resources_test.go): a run cancelled at seeded moments leaves
//     no goroutine, descriptor or build file; a full disk while building a
//     SQLite file or spooling an entry fails clearly and leaves the old
//     target whole.
//     go test ./internal/faults -run 'TestCancel|TestDiskFull' -v
//
// FAULTS_SEEDS sets how many seeded faults the network and process tests
// inject (default 20), FAULTS_CUTS how many loads into each server get a
// connection cut (default 10) and FAULTS_KILLS how many times each server
// is killed (default 3). Each test
// logs a summary line ("faults: ...") with its runs, faults injected, data
// lost and half-visible states, the figures of the README's table.
//
// TestMain (main_test.go) shares one server per engine between the tests
// (testdb.Main); the tests that kill a server start a private one. Without
// a server the tests skip, saying what is missing; with CI=true they fail.
package faults
