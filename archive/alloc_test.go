package archive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/zip"

	"github.com/dumpline/importer/archive"
)

// manyEntries returns a ZIP of n deflated copies of a small dump.
func manyEntries(t testing.TB, n int) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	data := readCorpus(t, "regions.sql")
	for i := range n {
		w, err := zw.Create(fmt.Sprintf("d/%04d.sql", i))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestNoAllocPerEntry checks that extracting an entry allocates nothing in
// steady state: the allocations of Extract, minus those of klauspost's
// central directory parse (which allocates a few objects per entry, once
// per archive), do not grow with the number of entries.
func TestNoAllocPerEntry(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("short mode, or the race detector (under which sync.Pool drops items)")
	}
	extra := func(n int) float64 {
		b := manyEntries(t, n)
		r := bytes.NewReader(b)
		x := &archive.Extractor{}
		buf := make([]byte, 64<<10)
		fn := func(e archive.Entry, r io.Reader) error {
			_, err := io.ReadFull(r, buf[:1])
			return err
		}
		all := testing.AllocsPerRun(5, func() {
			r := bytes.NewReader(b)
			if err := x.Extract(context.Background(), "m.zip", r, r.Size(), fn); err != nil {
				t.Fatal(err)
			}
		})
		dir := testing.AllocsPerRun(5, func() {
			zr, err := zip.NewReader(r, r.Size())
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				if _, err := f.DataOffset(); err != nil {
					t.Fatal(err)
				}
			}
		})
		return all - dir
	}
	a, b := extra(200), extra(800)
	t.Logf("allocations besides the directory parse: %v for 200 entries, %v for 800", a, b)
	if b-a > 30 {
		t.Fatalf("600 more entries cost %v more allocations: some allocation per entry", b-a)
	}
}
