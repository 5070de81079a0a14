package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The row counts of the Sakila sample, as the real mariadb client loads it
// into MariaDB 10.11 (see sqlparse's corpus counts), with film_text empty:
// MySQL fills it by triggers, which SQLite does not get.
var sakilaRows = map[string]int64{
	"actor": 200, "address": 603, "category": 16, "city": 600, "country": 109, "customer": 599,
	"film": 1000, "film_actor": 5462, "film_category": 1000, "film_text": 0, "inventory": 4581, "language": 6,
	"payment": 16049, "rental": 16044, "staff": 2, "store": 2,
}

func TestQuickstart(t *testing.T) {
	var out bytes.Buffer
	got, err := run(context.Background(), t.TempDir(), &out)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	if diff := cmp.Diff(sakilaRows, got); diff != "" {
		t.Errorf("rows per table (-want +got):\n%s", diff)
	}
}
