package state_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/state"
)

// A JSON state remembers an imported file; the same version is unchanged,
// a new one is not.
func ExampleJSON() {
	dir, err := os.MkdirTemp("", "state")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st := &state.JSON{Path: filepath.Join(dir, "state.json"), Source: "sftp://importer@drop.example.com:22/exports"}
	f := source.File{Name: "mvdsb_1.zip", Size: 1234, ModTime: time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)}
	if err := st.Record(ctx, f); err != nil {
		panic(err)
	}
	same, _ := st.Unchanged(ctx, f)
	f.Size++
	changed, _ := st.Unchanged(ctx, f)
	fmt.Println(same, changed)
	// Output: true false
}
