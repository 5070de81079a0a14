package archive_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zip"

	"github.com/dumpline/importer/archive"
)

// makeZip writes a ZIP with Go's writer (which does not check names).
func makeZip(t testing.TB, method uint16, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// wantError checks that err is an *Error wrapping sentinel and naming entry.
func wantError(t *testing.T, what string, err, sentinel error, entry string) {
	t.Helper()
	var ae *archive.Error
	switch {
	case !errors.Is(err, sentinel):
		t.Errorf("%s: got %v, want %v", what, err, sentinel)
	case !errors.As(err, &ae):
		t.Errorf("%s: %v is not an *archive.Error", what, err)
	case ae.Entry != entry:
		t.Errorf("%s: error names entry %q, want %q (%v)", what, ae.Entry, entry, err)
	}
}

func TestInsecureNames(t *testing.T) {
	for _, name := range []string{"../evil.sql", "a/../../evil.sql", "/etc/passwd", `a\b.sql`, "C:/x.sql", "c:x.sql", "a\x00b", ".."} {
		b := makeZip(t, zip.Store, "ok.sql", "SELECT 1;", name, "SELECT 2;")
		_, err := extractBytes(&archive.Extractor{}, "slip.zip", b, false)
		wantError(t, fmt.Sprintf("name %q", name), err, archive.ErrInsecurePath, name)
	}
	b := makeZip(t, zip.Deflate, "a.sql", "SELECT 1;", "a.sql", "SELECT 2;")
	_, err := extractBytes(&archive.Extractor{}, "dup.zip", b, false)
	wantError(t, "duplicate", err, archive.ErrInsecurePath, "a.sql")

	// tar, built by the real tool with a leading "./" (accepted) and an
	// absolute name (refused).
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql")
	run(t, dir, nil, "tar", "-cf", "dot.tar", "./regions.sql")
	g, err := extractFile(t, &archive.Extractor{}, filepath.Join(dir, "dot.tar"), true)
	if err != nil || len(g.entries) != 1 || g.entries[0].Name != "regions.sql" {
		t.Fatalf("./ in tar: %v %v", g.names(), err)
	}
	abs := filepath.Join(dir, "regions.sql")
	run(t, dir, nil, "tar", "-P", "-cf", "abs.tar", abs)
	_, err = extractFile(t, &archive.Extractor{}, filepath.Join(dir, "abs.tar"), true)
	wantError(t, "absolute tar name", err, archive.ErrInsecurePath, abs)
}

// TestZipBombRatio: 20 MB of zeros zipped by Info-ZIP is refused by the
// ratio limit, before (declared sizes) and while (lying sizes) streaming.
func TestZipBombRatio(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "zeros.sql"), make([]byte, 20<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, nil, "zip", "-q", "-9", "bomb.zip", "zeros.sql")
	x := &archive.Extractor{Limits: archive.Limits{MaxRatio: 100}}
	_, err := extractFile(t, x, filepath.Join(dir, "bomb.zip"), false)
	wantError(t, "ratio, declared", err, archive.ErrLimit, "zeros.sql")

	// The same bomb declaring 1 MB: refused while streaming (the entry
	// outgrows its declared size or the ratio, whichever comes first).
	b, _ := os.ReadFile(filepath.Join(dir, "bomb.zip"))
	for _, off := range cdRecords(b) {
		binary.LittleEndian.PutUint32(b[off+24:], 1<<20)
	}
	_, err = extractBytes(x, "bomb.zip", b, false)
	wantError(t, "ratio, lying size", err, archive.ErrLimit, "zeros.sql")

	// gzip bomb, no declared size at all.
	run(t, dir, nil, "gzip", "-k", "-9", "zeros.sql")
	_, err = extractFile(t, x, filepath.Join(dir, "zeros.sql.gz"), true)
	wantError(t, "gzip ratio", err, archive.ErrLimit, "zeros.sql")
}

// TestOverlappingEntries builds the overlapping-file zip bomb: two central
// directory records pointing at the same data.
func TestOverlappingEntries(t *testing.T) {
	b := makeZip(t, zip.Deflate, "a.sql", string(readCorpus(t, "regions.sql")), "b.sql", "SELECT 1;")
	cd := cdRecords(b)
	copy(b[cd[1]+16:cd[1]+28], b[cd[0]+16:cd[0]+28]) // CRC and sizes
	copy(b[cd[1]+42:cd[1]+46], b[cd[0]+42:cd[0]+46]) // local header offset
	_, err := extractBytes(&archive.Extractor{}, "overlap.zip", b, false)
	wantError(t, "overlap", err, archive.ErrLimit, "b.sql")
}

func TestLimits(t *testing.T) {
	data := string(readCorpus(t, "regions.sql"))
	b := makeZip(t, zip.Deflate, "a.sql", data, "b.sql", data, "c.sql", data)
	for _, c := range []struct {
		lim   archive.Limits
		entry string
	}{
		{archive.Limits{MaxEntries: 2}, "c.sql"},
		{archive.Limits{MaxEntrySize: 5000}, "a.sql"},
		{archive.Limits{MaxTotalSize: 12000}, "c.sql"},
	} {
		_, err := extractBytes(&archive.Extractor{Limits: c.lim}, "l.zip", b, false)
		wantError(t, fmt.Sprintf("%+v", c.lim), err, archive.ErrLimit, c.entry)
	}
	// The same limits on a tar, where sizes are only known while streaming.
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql", "employees-schema.sql", "countries.sql")
	run(t, dir, nil, "tar", "-czf", "a.tgz", "regions.sql", "employees-schema.sql", "countries.sql")
	for _, c := range []struct {
		lim   archive.Limits
		entry string
	}{
		{archive.Limits{MaxEntries: 2}, "countries.sql"},
		{archive.Limits{MaxEntrySize: 100000}, "countries.sql"},
		{archive.Limits{MaxTotalSize: 100000}, "countries.sql"},
	} {
		_, err := extractFile(t, &archive.Extractor{Limits: c.lim}, filepath.Join(dir, "a.tgz"), true)
		wantError(t, fmt.Sprintf("tar %+v", c.lim), err, archive.ErrLimit, c.entry)
	}
}

// TestDeclaredSize: an entry longer or shorter than declared fails.
func TestDeclaredSize(t *testing.T) {
	data := string(readCorpus(t, "regions.sql"))
	for _, delta := range []int{-100, +100} {
		b := makeZip(t, zip.Deflate, "a.sql", data)
		off := cdRecords(b)[0]
		binary.LittleEndian.PutUint32(b[off+24:], uint32(len(data)+delta))
		_, err := extractBytes(&archive.Extractor{}, "d.zip", b, false)
		wantError(t, fmt.Sprintf("declared %+d", delta), err, archive.ErrFormat, "a.sql")
		if delta < 0 && !errors.Is(err, archive.ErrLimit) {
			t.Errorf("longer than declared: %v does not wrap ErrLimit", err)
		}
	}
}

func TestUnsupported(t *testing.T) {
	data := string(readCorpus(t, "regions.sql"))
	b := makeZip(t, zip.Deflate, "a.sql", data)
	off := cdRecords(b)[0]
	binary.LittleEndian.PutUint16(b[off+10:], 12) // bzip2
	_, err := extractBytes(&archive.Extractor{}, "m.zip", b, false)
	wantError(t, "bzip2 method", err, archive.ErrUnsupported, "a.sql")

	b = makeZip(t, zip.Deflate, "a.sql", data)
	binary.LittleEndian.PutUint16(b[off+8:], 0x41) // strong encryption
	_, err = extractBytes(&archive.Extractor{}, "s.zip", b, false)
	wantError(t, "strong encryption", err, archive.ErrUnsupported, "a.sql")
}

// TestCorrupt flips bits at many offsets and truncates at many lengths:
// never a panic; errors are *Error; a flip in an entry's data fails naming
// that entry.
func TestCorrupt(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql", "employees-schema.sql")
	files := []string{"regions.sql", "employees-schema.sql"}
	run(t, dir, nil, "zip", append([]string{"-q", "plain.zip"}, files...)...)
	run(t, dir, nil, "zip", append([]string{"-q", "-P", testPassword, "zipcrypto.zip"}, files...)...)
	run(t, dir, nil, "7z", append([]string{"a", "-tzip", "-p" + testPassword, "-mem=AES256", "aes.zip"}, files...)...)
	run(t, dir, nil, "tar", "-czf", "a.tar.gz", "regions.sql", "employees-schema.sql")
	run(t, dir, nil, "zstd", "-q", "regions.sql")
	x := &archive.Extractor{Password: archive.StaticPassword(testPassword)}
	for _, f := range []string{"plain.zip", "zipcrypto.zip", "aes.zip", "a.tar.gz", "regions.sql.zst"} {
		orig, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		// Data ranges of the ZIP entries.
		type span struct {
			name       string
			start, end int64
		}
		var spans []span
		if zr, err := zip.NewReader(bytes.NewReader(orig), int64(len(orig))); err == nil {
			for _, zf := range zr.File {
				o, _ := zf.DataOffset()
				spans = append(spans, span{zf.Name, o, o + int64(zf.CompressedSize64)})
			}
		}
		step := max(1, len(orig)/150)
		for off := 0; off < len(orig); off += step {
			b := bytes.Clone(orig)
			b[off] ^= 1 << (off % 8)
			for _, streaming := range []bool{false, true} {
				_, err := extractBytes(x, f, b, streaming)
				what := fmt.Sprintf("%s: bit flip at %d (streaming %v)", f, off, streaming)
				var ae *archive.Error
				if err != nil && (!errors.As(err, &ae) || ae.Archive != f) {
					t.Fatalf("%s: %v is not an *archive.Error", what, err)
				}
				if err != nil && strings.Contains(err.Error(), testPassword) {
					t.Fatalf("%s: the error %q holds the password", what, err)
				}
				for _, s := range spans {
					if int64(off) >= s.start && int64(off) < s.end {
						if err == nil || ae.Entry != s.name {
							t.Fatalf("%s in %s's data: got %v", what, s.name, err)
						}
					}
				}
			}
		}
		for n := 4; n < len(orig); n += step {
			_, err := extractBytes(x, f, orig[:n], true)
			var ae *archive.Error
			if !errors.As(err, &ae) {
				t.Fatalf("%s truncated to %d: got %v, want an *archive.Error", f, n, err)
			}
		}
	}
}

// TestManyRecords: a central directory far over MaxEntries is refused
// while it is parsed.
func TestManyRecords(t *testing.T) {
	var files []string
	for i := range 100 {
		files = append(files, fmt.Sprintf("%03d.sql", i), "SELECT 1;")
	}
	b := makeZip(t, zip.Store, files...)
	_, err := extractBytes(&archive.Extractor{Limits: archive.Limits{MaxEntries: 10}}, "many.zip", b, false)
	wantError(t, "100 records", err, archive.ErrLimit, "")
	_, err = extractBytes(&archive.Extractor{Limits: archive.Limits{MaxEntries: 60}}, "many.zip", b, false)
	wantError(t, "100 entries", err, archive.ErrLimit, "060.sql")
}

// TestUnsupportedByTool: 7-Zip's Deflate64 and BZip2 ZIP methods are
// refused, naming the entry, before anything is delivered.
func TestUnsupportedByTool(t *testing.T) {
	dir := t.TempDir()
	copyCorpus(t, dir, "regions.sql")
	for _, m := range []string{"Deflate64", "BZip2"} {
		run(t, dir, nil, "7z", "a", "-tzip", "-mm="+m, m+".zip", "regions.sql")
		g, err := extractFile(t, &archive.Extractor{}, filepath.Join(dir, m+".zip"), false)
		wantError(t, m, err, archive.ErrUnsupported, "regions.sql")
		if len(g.entries) != 0 {
			t.Errorf("%s: %d entries delivered before the error", m, len(g.entries))
		}
	}
}
