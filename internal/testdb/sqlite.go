package testdb

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// SQLiteDB is an SQLite database file in the test's temporary folder, used
// through the real sqlite3 shell.
type SQLiteDB struct {
	// Path is the database file's path. The file does not exist until
	// something writes to it.
	Path string

	bin string
}

// SQLite returns a new SQLite database path in a temporary folder that the
// test's cleanup removes. It skips the test (fails it when CI=true) when the
// sqlite3 shell is not installed.
func SQLite(tb testing.TB) *SQLiteDB {
	tb.Helper()
	bin, err := findBinary("sqlite3", "sqlite3")
	if err != nil {
		fail(tb, err)
	}
	return &SQLiteDB{Path: filepath.Join(tb.TempDir(), "test.db"), bin: bin}
}

// Command returns the sqlite3 shell on the database file, with args
// appended after the options -batch -bail.
func (d *SQLiteDB) Command(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, d.bin, append([]string{"-batch", "-bail", d.Path}, args...)...)
}

// LoadFile feeds the SQL file at path to the sqlite3 shell, as in
// `sqlite3 -bail DB < FILE`, with synchronous=OFF and journal_mode=MEMORY
// for speed; it stops at the first error and returns it with the tail of
// the shell's output.
func (d *SQLiteDB) LoadFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("testdb: %w", err)
	}
	defer f.Close()
	// Durability settings only (no fsync, journal in memory): they change
	// how fast the rows land, never which rows.
	cmd := d.Command(ctx, "-cmd", "PRAGMA synchronous=OFF", "-cmd", "PRAGMA journal_mode=MEMORY")
	cmd.Stdin = f
	if _, err := run(cmd); err != nil {
		return fmt.Errorf("load %s into sqlite %s: %w", path, d.Path, err)
	}
	return nil
}

// Query runs one SQL text with the sqlite3 shell and returns its output:
// one line per row, columns separated by tabs, no header.
func (d *SQLiteDB) Query(ctx context.Context, query string) (string, error) {
	cmd := d.Command(ctx, "-noheader", "-separator", "\t", query)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", &outputError{cmd: "sqlite3", err: err, output: tail(stderr.Bytes(), 4096)}
	}
	return stdout.String(), nil
}

// Dump runs the shell's .dump command with options (such as
// "--preserve-rowids", "--newlines", "--data-only", "--nosys") and returns
// its output.
func (d *SQLiteDB) Dump(ctx context.Context, options ...string) ([]byte, error) {
	cmd := d.Command(ctx, strings.Join(append([]string{".dump"}, options...), " "))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, &outputError{cmd: "sqlite3 .dump", err: err, output: tail(stderr.Bytes(), 4096)}
	}
	return stdout.Bytes(), nil
}
