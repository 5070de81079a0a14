package archive_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"

	"github.com/dumpline/importer/archive"
)

// extractor is importer.Extractor's method set (importing the importer
// package here would make these tests depend on every package it uses).
type extractor interface {
	Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(archive.Entry, io.Reader) error) error
}

var _ extractor = (*archive.Extractor)(nil)

func TestDetect(t *testing.T) {
	tar := make([]byte, 512)
	copy(tar[257:], "ustar")
	for _, c := range []struct {
		head []byte
		want archive.Format
	}{
		{[]byte("PK\x03\x04rest"), archive.Zip},
		{[]byte("PK\x05\x06rest"), archive.Zip},
		{[]byte{0x1f, 0x8b, 8}, archive.Gzip},
		{[]byte{0x28, 0xb5, 0x2f, 0xfd}, archive.Zstd},
		{tar, archive.Tar},
		{[]byte("-- MySQL dump"), archive.Plain},
		{nil, archive.Plain},
		{[]byte("PK"), archive.Plain},
	} {
		if got := archive.Detect(c.head); got != c.want {
			t.Errorf("Detect(%q) = %v, want %v", c.head, got, c.want)
		}
	}
}

// TestFormats builds archives with the real tools and checks every entry
// against the original file, reading in place and streaming.
func TestFormats(t *testing.T) {
	two := []string{"regions.sql", "sub/countries.sql"}
	cases := []struct {
		name   string
		file   string
		tool   []string // tool and args, run in the folder of the corpus files
		stdin  string   // corpus file piped in
		want   []string // entry names; nil means two
		format archive.Format
	}{
		{name: "zip deflate", file: "a.zip", tool: []string{"zip", "-q", "-r", "a.zip", "regions.sql", "sub"}, format: archive.Zip},
		{name: "zip store", file: "a.zip", tool: []string{"zip", "-q", "-0", "-r", "a.zip", "regions.sql", "sub"}, format: archive.Zip},
		{name: "zip stdin descriptor", file: "a.zip", tool: []string{"zip", "-q", "a.zip", "-"}, stdin: "countries.sql", want: []string{"-"}, format: archive.Zip},
		{name: "7z zip", file: "a.zip", tool: []string{"7z", "a", "-tzip", "a.zip", "regions.sql", "sub"}, format: archive.Zip},
		{name: "7z zip store", file: "a.zip", tool: []string{"7z", "a", "-tzip", "-mx=0", "a.zip", "regions.sql", "sub"}, format: archive.Zip},
		{name: "gzip", file: "countries.sql.gz", tool: []string{"gzip", "-k", "countries.sql"}, want: []string{"countries.sql"}, format: archive.Gzip},
		{name: "zstd", file: "countries.sql.zst", tool: []string{"zstd", "-q", "-19", "countries.sql"}, want: []string{"countries.sql"}, format: archive.Zstd},
		{name: "plain", file: "countries.sql", want: []string{"countries.sql"}, format: archive.Plain},
		{name: "tar", file: "a.tar", tool: []string{"tar", "-cf", "a.tar", "regions.sql", "sub"}, format: archive.Tar},
		{name: "tar.gz", file: "a.tar.gz", tool: []string{"tar", "-czf", "a.tar.gz", "regions.sql", "sub"}, format: archive.Tar},
		{name: "tar.zst", file: "a.tar.zst", tool: []string{"tar", "--zstd", "-cf", "a.tar.zst", "regions.sql", "sub"}, format: archive.Tar},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyCorpus(t, dir, "regions.sql", "countries.sql", "sub/countries.sql")
			if c.tool != nil {
				var stdin io.Reader
				if c.stdin != "" {
					stdin = bytes.NewReader(readCorpus(t, c.stdin))
				}
				run(t, dir, stdin, c.tool[0], c.tool[1:]...)
			}
			want := c.want
			if want == nil {
				want = two
			}
			for _, streaming := range []bool{false, true} {
				g, err := extractFile(t, &archive.Extractor{}, filepath.Join(dir, c.file), streaming)
				if err != nil {
					t.Fatalf("streaming=%v: %v", streaming, err)
				}
				if !slices.Equal(g.names(), want) {
					t.Fatalf("streaming=%v: entries %q, want %q", streaming, g.names(), want)
				}
				for _, e := range g.entries {
					orig := filepath.Base(e.Name)
					if e.Name == "-" {
						orig = c.stdin
					}
					if !bytes.Equal(g.data[e.Name], readCorpus(t, orig)) {
						t.Errorf("entry %s: content differs from %s", e.Name, orig)
					}
					if e.Format != c.format {
						t.Errorf("entry %s: format %v, want %v", e.Name, e.Format, c.format)
					}
				}
			}
		})
	}
}

// TestGzipMultiMember reads concatenated gzip members as one stream.
func TestGzipMultiMember(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql", "employees-schema.sql")
	run(t, dir, nil, "gzip", "regions.sql", "employees-schema.sql")
	a, _ := os.ReadFile(filepath.Join(dir, "regions.sql.gz"))
	b, _ := os.ReadFile(filepath.Join(dir, "employees-schema.sql.gz"))
	g, err := extractBytes(&archive.Extractor{}, "both.sql.gz", append(a, b...), true)
	if err != nil {
		t.Fatal(err)
	}
	want := append(readCorpus(t, "regions.sql"), readCorpus(t, "employees-schema.sql")...)
	if !bytes.Equal(g.data["both.sql"], want) {
		t.Fatalf("multi-member gzip: got %d bytes, want %d", len(g.data["both.sql"]), len(want))
	}
}

// TestZipZstdMethod reads ZIP entries compressed with zstd (method 93),
// written with klauspost's encoder (Info-ZIP cannot write them).
func TestZipZstdMethod(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(93, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	want := map[string][]byte{}
	for _, n := range []string{"regions.sql", "chinook.sql"} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: 93})
		if err != nil {
			t.Fatal(err)
		}
		want[n] = readCorpus(t, n)
		if _, err := w.Write(want[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	for _, streaming := range []bool{false, true} {
		g, err := extractBytes(&archive.Extractor{}, "z.zip", buf.Bytes(), streaming)
		if err != nil {
			t.Fatal(err)
		}
		for n, w := range want {
			if !bytes.Equal(g.data[n], w) {
				t.Errorf("%s differs", n)
			}
		}
	}
}

// TestSpool reads a streamed ZIP larger than MaxBuffer through a temporary
// file, and refuses it when spooling is disabled.
func TestSpool(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "chinook.sql")
	run(t, dir, nil, "zip", "-q", "a.zip", "chinook.sql")
	tmp := t.TempDir()
	x := &archive.Extractor{Limits: archive.Limits{MaxBuffer: 1000}, TempDir: tmp}
	g, err := extractFile(t, x, filepath.Join(dir, "a.zip"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(g.data["chinook.sql"], readCorpus(t, "chinook.sql")) {
		t.Fatal("content differs")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	x.Limits.MaxSpool = -1
	_, err = extractFile(t, x, filepath.Join(dir, "a.zip"), true)
	if !errors.Is(err, archive.ErrLimit) {
		t.Fatalf("no spooling: %v, want ErrLimit", err)
	}
}

// TestNested unpacks archives inside a ZIP, and leaves them alone with
// MaxDepth 1.
func TestNested(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql", "countries.sql", "in/employees-schema.sql")
	run(t, dir, nil, "gzip", "countries.sql")
	run(t, dir, nil, "tar", "-czf", "in.tar.gz", "in")
	run(t, dir, nil, "zip", "-q", "inner.zip", "regions.sql")
	run(t, dir, nil, "zip", "-q", "outer.zip", "countries.sql.gz", "in.tar.gz", "inner.zip")
	g, err := extractFile(t, &archive.Extractor{}, filepath.Join(dir, "outer.zip"), false)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"countries.sql", "in.tar.gz/in/employees-schema.sql", "inner.zip/regions.sql"}
	if !slices.Equal(g.names(), want) {
		t.Fatalf("entries %q, want %q", g.names(), want)
	}
	if !bytes.Equal(g.data["countries.sql"], readCorpus(t, "countries.sql")) ||
		!bytes.Equal(g.data["inner.zip/regions.sql"], readCorpus(t, "regions.sql")) ||
		!bytes.Equal(g.data["in.tar.gz/in/employees-schema.sql"], readCorpus(t, "employees-schema.sql")) {
		t.Fatal("nested content differs")
	}
	g, err = extractFile(t, &archive.Extractor{MaxDepth: 1}, filepath.Join(dir, "outer.zip"), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"countries.sql.gz", "in.tar.gz", "inner.zip"}; !slices.Equal(g.names(), want) {
		t.Fatalf("MaxDepth 1: entries %q, want %q", g.names(), want)
	}
}

// TestFnErrorUnchanged checks that fn's error comes back as it is.
func TestFnErrorUnchanged(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql", "countries.sql")
	run(t, dir, nil, "zip", "-q", "a.zip", "regions.sql", "countries.sql")
	run(t, dir, nil, "gzip", "-k", "countries.sql")
	mine := errors.New("mine")
	for _, f := range []string{"a.zip", "countries.sql.gz", "countries.sql"} {
		for _, par := range []int{0, 2} {
			fh, err := os.Open(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			x := &archive.Extractor{Parallel: par}
			err = x.Extract(context.Background(), f, fh, -1, func(e archive.Entry, r io.Reader) error {
				_, _ = io.CopyN(io.Discard, r, 100)
				return mine
			})
			fh.Close()
			if err != mine {
				t.Errorf("%s: got %v, want fn's error unchanged", f, err)
			}
		}
	}
}

// TestEarlyReturnStillChecked checks that an entry fn did not read to the
// end is still checked (here, its CRC-32).
func TestEarlyReturnStillChecked(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "a.sql", Method: zip.Store})
	data := readCorpus(t, "countries.sql")
	_, _ = w.Write(data)
	_ = zw.Close()
	b := buf.Bytes()
	i := bytes.Index(b, data)
	b[i+len(data)-10] ^= 1 // corrupt near the end
	err := (&archive.Extractor{}).Extract(context.Background(), "a.zip", bytes.NewReader(b), int64(len(b)), func(e archive.Entry, r io.Reader) error {
		_, err := io.CopyN(io.Discard, r, 100)
		return err
	})
	var ae *archive.Error
	if !errors.Is(err, archive.ErrChecksum) || !errors.As(err, &ae) || ae.Entry != "a.sql" || ae.Archive != "a.zip" {
		t.Fatalf("got %v, want ErrChecksum naming a.sql", err)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	data := bytes.Repeat([]byte("INSERT INTO t VALUES (1);\n"), 1<<16)
	err := (&archive.Extractor{}).Extract(ctx, "a.sql", bytes.NewReader(data), -1, func(e archive.Entry, r io.Reader) error {
		cancel()
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// TestParallel extracts the entries of a ZIP with two goroutines.
func TestParallel(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, corpusFiles...)
	run(t, dir, nil, "zip", append([]string{"-q", "a.zip"}, corpusFiles...)...)
	g, err := extractFile(t, &archive.Extractor{Parallel: 2}, filepath.Join(dir, "a.zip"), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.names(), slices.Sorted(slices.Values(corpusFiles))) {
		t.Fatalf("entries %q", g.names())
	}
	for _, n := range corpusFiles {
		if !bytes.Equal(g.data[n], readCorpus(t, n)) {
			t.Errorf("%s differs", n)
		}
	}
}

func TestPlainName(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"dir/x.sql", "x.sql"},
		{`C:\drop\y.sql`, "y.sql"},
	} {
		g, err := extractBytes(&archive.Extractor{}, c.file, []byte("SELECT 1;\n"), false)
		if err != nil {
			t.Fatal(err)
		}
		if n := g.names(); len(n) != 1 || n[0] != c.want {
			t.Errorf("%s: entries %q, want %q", c.file, n, c.want)
		}
	}
	g, err := extractBytes(&archive.Extractor{}, "empty.sql", nil, true)
	if err != nil || len(g.entries) != 1 || len(g.data["empty.sql"]) != 0 {
		t.Fatalf("empty file: %v %v", g.names(), err)
	}
	if !strings.HasPrefix(archive.Zip.String(), "zip") {
		t.Fatal(archive.Zip.String())
	}
}

// TestNestedTiny unpacks a nested gzip shorter than the detection window.
func TestNestedTiny(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "t.sql"), []byte("SELECT 1;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, "gzip", "t.sql")
	run(t, dir, nil, "zip", "-q", "o.zip", "t.sql.gz")
	g, err := extractFile(t, &archive.Extractor{}, filepath.Join(dir, "o.zip"), true)
	if err != nil {
		t.Fatal(err)
	}
	if string(g.data["t.sql"]) != "SELECT 1;\n" {
		t.Fatalf("entries %q, t.sql = %q", g.names(), g.data["t.sql"])
	}
}

// TestParallelFailure: with Parallel, a failing entry stops the others, the
// error is typed, and no goroutine is left behind.
func TestParallelFailure(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, corpusFiles...)
	run(t, dir, nil, "zip", append([]string{"-q", "-0", "a.zip"}, corpusFiles...)...)
	b, err := os.ReadFile(filepath.Join(dir, "a.zip"))
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(b, readCorpus(t, "countries.sql"))
	b[i+1000] ^= 0x20 // stored: only the CRC-32 notices
	before := runtime.NumGoroutine()
	_, err = extractBytes(&archive.Extractor{Parallel: 3}, "a.zip", b, false)
	wantError(t, "parallel", err, archive.ErrChecksum, "countries.sql")
	time.Sleep(10 * time.Millisecond)
	if after := runtime.NumGoroutine(); after > before {
		t.Fatalf("%d goroutines before, %d after", before, after)
	}
}
