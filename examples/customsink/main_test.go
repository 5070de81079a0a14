package main

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink/importertest"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

func TestCSVSink(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "shop.sql")
	if err := os.WriteFile(dump, []byte("CREATE TABLE `items` (id int, name text);\nINSERT INTO `items` (`id`,`name`) VALUES (1,'a,b'),(2,NULL);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	p := &importer.Pipeline{Source: source.LocalFile(dump), Sink: &CSVSink{Dir: out}}
	rep, err := p.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if rep.SkippedStatements["not a row statement: the CSV sink keeps only rows"] != 1 {
		t.Errorf("skipped: %v", rep.SkippedStatements)
	}
	f, err := os.Open(filepath.Join(out, "shop_sql", "items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0][1] != "name" || recs[1][1] != "a,b" || recs[2][1] != `\N` {
		t.Errorf("csv = %q", recs)
	}

	// A failing import leaves the previous output as it was.
	if err := os.WriteFile(dump, []byte("INSERT INTO `items` VALUES (3,'c'),(4,'unterminated);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(context.Background()); err == nil {
		t.Fatal("a malformed dump was imported")
	}
	again, err := os.ReadFile(filepath.Join(out, "shop_sql", "items.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "id,name\n1,\"a,b\"\n2,\\N\n"; string(again) != want {
		t.Errorf("after a failed import: %q, want %q", again, want)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("staging left behind: %v", entries)
	}
}

// csvHarness reads back the CSV files of a load: Dir/<file>/<table>.csv,
// a header line, then one record per row with \N for NULL.
type csvHarness struct{ s *CSVSink }

func (h csvHarness) Sink() importer.Sink       { return h.s }
func (h csvHarness) Dialect() sqlparse.Dialect { return sqlparse.MySQL }

func (h csvHarness) Rows(ctx context.Context, t importer.Target, table string) ([]importertest.Row, error) {
	dir := t.Name // the suite routes each file to a target of its own name
	if dir == "" {
		dir = strings.NewReplacer("/", "_", ".", "_").Replace(t.File.Name)
	}
	f, err := os.Open(filepath.Join(h.s.Dir, dir, table+".csv"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	var out []importertest.Row
	for _, rec := range recs[1:] {
		row := make(importertest.Row, len(rec))
		for i, v := range rec {
			if v != `\N` {
				row[i] = &v
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func TestCSVSinkConformance(t *testing.T) {
	importertest.RunSinkTests(t, func(t *testing.T) importertest.Harness {
		return csvHarness{&CSVSink{Dir: t.TempDir()}}
	})
}
