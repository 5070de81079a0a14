package archive_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.uber.org/goleak"

	"github.com/dumpline/importer/archive"
)

func zipOf(t *testing.T, n int, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := range n {
		w, err := zw.Create(fmt.Sprintf("e%d.sql", i))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ExtractWith reads ahead where it pays (ZIP members, gzip), not elsewhere,
// and delivers the same bytes.
func TestExtractWithReadAhead(t *testing.T) {
	defer goleak.VerifyNone(t)
	var data []byte // 1.4 MB, compressible but within the ratio limit
	for i := range 40_000 {
		data = fmt.Appendf(data, "INSERT INTO t VALUES (%d,'%x');\n", i, uint32(i*2654435761))
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	zs, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		file  []byte
		ahead bool
	}{
		{"a.zip", zipOf(t, 2, data), true},
		{"a.sql.gz", gz.Bytes(), true},
		{"a.sql.zst", zs.EncodeAll(data, nil), false},
		{"a.sql", data, false},
	} {
		for _, opt := range []archive.Options{{}, {ReadAhead: true}} {
			err := new(archive.Extractor).ExtractWith(context.Background(), c.name, bytes.NewReader(c.file), int64(len(c.file)), opt,
				func(e archive.Entry, r io.Reader) error {
					got, err := io.ReadAll(r)
					if err != nil || !bytes.Equal(got, data) {
						t.Errorf("%s %+v: %s: %d bytes, %v", c.name, opt, e.Name, len(got), err)
					}
					if ahead := fmt.Sprintf("%T", r) == "*readahead.Reader"; ahead != (c.ahead && opt.ReadAhead) {
						t.Errorf("%s %+v: %s read through %T", c.name, opt, e.Name, r)
					}
					return nil
				})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}

// ExtractWith extracts as many ZIP entries at once as the consumer takes,
// capped by Extractor.Parallel when it is set.
func TestExtractWithParallel(t *testing.T) {
	file := zipOf(t, 6, []byte("SELECT 1;\n"))
	for _, c := range []struct {
		parallel, consumer, want int
	}{
		{0, 3, 3}, {2, 3, 2}, {4, 1, 1}, {0, 0, 1},
	} {
		var now, most atomic.Int32
		var mu sync.Mutex
		n := 0
		// With more than one at once allowed, the first entry waits for a
		// second (a few seconds at most: an extraction that never overlaps
		// fails the test rather than hang it).
		overlap := make(chan struct{})
		overlapped := sync.OnceFunc(func() { close(overlap) })
		err := (&archive.Extractor{Parallel: c.parallel}).ExtractWith(context.Background(), "a.zip", bytes.NewReader(file), int64(len(file)),
			archive.Options{Parallel: c.consumer}, func(e archive.Entry, r io.Reader) error {
				k := now.Add(1)
				defer now.Add(-1)
				for m := most.Load(); k > m && !most.CompareAndSwap(m, k); m = most.Load() {
				}
				if c.want > 1 {
					if k >= 2 {
						overlapped()
					}
					select {
					case <-overlap:
					case <-time.After(5 * time.Second):
						overlapped() // wait once only
					}
				}
				mu.Lock()
				n++
				mu.Unlock()
				return nil
			})
		if err != nil || n != 6 {
			t.Fatalf("%+v: %d entries, %v", c, n, err)
		}
		if got := int(most.Load()); got > c.want || c.want > 1 && got < 2 {
			t.Errorf("Parallel %d, consumer %d: %d entries at once, want up to %d", c.parallel, c.consumer, got, c.want)
		}
	}
}

func TestPlainEntry(t *testing.T) {
	plain := []byte("SELECT 1;\n")
	for _, c := range []struct {
		x    *archive.Extractor
		name string
		file []byte
		ok   bool
		want string
	}{
		{nil, "dir/x.sql", plain, true, "x.sql"},
		{&archive.Extractor{}, `C:\drop\y.sql.gz`, plain, true, "y.sql"},
		{&archive.Extractor{}, "a.zip", zipOf(t, 1, plain), false, ""},
		{&archive.Extractor{Limits: archive.Limits{MaxEntrySize: 4}}, "x.sql", plain, false, ""},
		{&archive.Extractor{Limits: archive.Limits{MaxTotalSize: 4}}, "x.sql", plain, false, ""},
	} {
		e, ok := c.x.PlainEntry(c.name, bytes.NewReader(c.file), int64(len(c.file)))
		if ok != c.ok || e.Name != c.want || ok && (e.Format != archive.Plain || e.Size != int64(len(c.file))) {
			t.Errorf("%s: %+v %v, want %q %v", c.name, e, ok, c.want, c.ok)
		}
	}
}
