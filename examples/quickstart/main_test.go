package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The row counts of the Chinook sample, as the sqlite3 shell loads
// chinook-dot-dump.sql (sqlite3 chk.db < chinook-dot-dump.sql).
var chinookRows = map[string]int64{
	"Album": 347, "Artist": 275, "Customer": 59, "Employee": 8, "Genre": 25, "Invoice": 412,
	"InvoiceLine": 2240, "MediaType": 5, "Playlist": 18, "PlaylistTrack": 8715, "Track": 3503,
}

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	got, err := run(context.Background(), t.TempDir(), &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if diff := cmp.Diff(chinookRows, got); diff != "" {
		t.Errorf("rows per table (-want +got):\n%s", diff)
	}
}
