package remote_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpline/importer/internal/sshd"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
)

// Rename and Remove on OpenSSH's sftp-server: RENAME into a new folder
// (MKDIR), no RENAME over an existing file, REMOVE.
func TestSSHDRenameRemove(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{})
	ctx := context.Background()
	for _, n := range []string{"a.sql", "b.sql", "taken.sql"} {
		if err := os.WriteFile(filepath.Join(srv.Dir, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src := sshdSource(srv, srv.Dir)
	defer src.Close()
	if _, err := src.List(ctx); err != nil {
		t.Fatal(err)
	}
	if err := src.Rename(ctx, source.File{Name: "a.sql"}, "imported/2026/a.sql"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(srv.Dir, "imported", "2026", "a.sql")); err != nil || string(b) != "a.sql" {
		t.Errorf("moved: %q, %v", b, err)
	}
	if err := src.Rename(ctx, source.File{Name: "b.sql"}, "taken.sql"); err == nil {
		t.Error("renamed over an existing file")
	}
	if b, _ := os.ReadFile(filepath.Join(srv.Dir, "taken.sql")); string(b) != "taken.sql" {
		t.Errorf("taken.sql now holds %q", b)
	}
	if err := src.Remove(ctx, source.File{Name: "b.sql"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, "b.sql")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed: %v", err)
	}
	// Names the server sent are checked as for Open.
	if err := src.Remove(ctx, source.File{Name: "../x"}); !errors.Is(err, remote.ErrBadName) {
		t.Errorf("Remove ../x: %v", err)
	}
}

// Over SCP, with a file name that a shell would run: refused without any
// command being sent.
func TestSSHDRenameOverSCPRefused(t *testing.T) {
	srv := sshd.Start(t, sshd.Options{NoSFTP: true})
	ctx := context.Background()
	name := "x;touch pwned.sql"
	if err := os.WriteFile(filepath.Join(srv.Dir, name), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	src := sshdSource(srv, srv.Dir)
	defer src.Close()
	if err := src.Rename(ctx, source.File{Name: name}, "done/"+name); !errors.Is(err, remote.ErrSCPReadOnly) {
		t.Errorf("Rename: %v", err)
	}
	if err := src.Remove(ctx, source.File{Name: name}); !errors.Is(err, remote.ErrSCPReadOnly) {
		t.Errorf("Remove: %v", err)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, name)); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, "pwned.sql")); err == nil {
		t.Error("a command ran")
	}
}
