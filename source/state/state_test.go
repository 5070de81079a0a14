package state_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/state"
)

var _ importer.State = (*state.JSON)(nil)

func TestJSON(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	mt := time.Date(2026, 11, 27, 3, 0, 0, 0, time.FixedZone("CET", 3600))
	f := source.File{Name: "mvdsb_1.zip", Size: 123, ModTime: mt}

	st := &state.JSON{Path: path, Source: "sftp://drop/a"}
	if same, err := st.Unchanged(ctx, f); err != nil || same {
		t.Fatalf("new state: %v, %v", same, err)
	}
	if err := st.Record(ctx, f); err != nil {
		t.Fatal(err)
	}
	// A fresh JSON reads what the first one wrote.
	st2 := &state.JSON{Path: path, Source: "sftp://drop/a"}
	for _, tc := range []struct {
		f    source.File
		same bool
	}{
		{f, true},
		{source.File{Name: f.Name, Size: 123, ModTime: mt.UTC()}, true},
		{source.File{Name: f.Name, Size: 124, ModTime: mt}, false},
		{source.File{Name: f.Name, Size: 123, ModTime: mt.Add(time.Second)}, false},
		{source.File{Name: "other.zip", Size: 123, ModTime: mt}, false},
	} {
		if same, err := st2.Unchanged(ctx, tc.f); err != nil || same != tc.same {
			t.Errorf("Unchanged(%+v) = %v, %v; want %v", tc.f, same, err, tc.same)
		}
	}
	other := &state.JSON{Path: path, Source: "sftp://drop/b"}
	if same, _ := other.Unchanged(ctx, f); same {
		t.Error("another source's record counted")
	}
	// Checksums are compared when both sides have one.
	fc := f
	fc.Checksum = "sha256:aa"
	if err := st2.Record(ctx, fc); err != nil {
		t.Fatal(err)
	}
	fd := fc
	fd.Checksum = "sha256:bb"
	if same, _ := st2.Unchanged(ctx, fd); same {
		t.Error("different checksum counted as unchanged")
	}
	if same, _ := st2.Unchanged(ctx, f); !same {
		t.Error("no checksum on one side should compare size and mtime only")
	}
	// Only the state file is left behind: no temporary files.
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries", len(entries))
	}

	os.WriteFile(path, []byte("{not json"), 0o600)
	bad := &state.JSON{Path: path}
	if _, err := bad.Unchanged(ctx, f); !errors.Is(err, state.ErrBadFile) {
		t.Errorf("corrupt state: %v, want ErrBadFile", err)
	}
}
