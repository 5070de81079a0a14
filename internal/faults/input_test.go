package faults_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/klauspost/compress/zip"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// The input faults run end to end, from a source through the extractor and
// the parser into every sink, and check one promise: a typed error
// (*importer.Error) naming the file and the place, no panic, and the
// target exactly as it was. The archive and sqlparse packages test the
// same inputs stage by stage; these tests are about the sinks.

// whole wraps body in the header and trailer of the dialect's dump tool,
// so that a cut at a statement boundary is noticed as a missing trailer;
// it returns the dump and where its trailer starts.
func whole(d sqlparse.Dialect, body string) ([]byte, int) {
	var head, tail string
	switch d {
	case sqlparse.SQLite:
		head, tail = "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n", "COMMIT;\n"
	case sqlparse.MySQL:
		head, tail = "-- MySQL dump 10.13  Distrib 10.11.6-MariaDB\n", "-- Dump completed on 2026-12-02  3:00:00\n"
	case sqlparse.Postgres:
		head, tail = "--\n-- PostgreSQL database dump\n--\n\n", "--\n-- PostgreSQL database dump complete\n--\n"
	}
	return []byte(head + body + tail), len(head) + len(body)
}

func TestInputTruncated(t *testing.T) {
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		dump, trailer := whole(tg.dialect, faultDump(300))
		gz := gzipped(dump)
		zipped := zipOf(t, zip.Deflate, "d.sql", string(dump))
		for _, off := range spread(trailer, 12) {
			wantFailed(t, tg, inputFault{name: fmt.Sprintf("cut-%d.sql", off), data: dump[:off]})
		}
		for _, off := range spread(len(gz), 8) {
			wantFailed(t, tg, inputFault{name: fmt.Sprintf("cut-%d.sql.gz", off), data: gz[:off]})
		}
		for _, off := range spread(len(zipped), 8) {
			wantFailed(t, tg, inputFault{name: fmt.Sprintf("cut-%d.zip", off), data: zipped[:off]})
		}
	})
}

func TestInputBitFlips(t *testing.T) {
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		dump, _ := whole(tg.dialect, faultDump(300))
		gz := gzipped(dump)
		// In the deflate stream and the CRC (the header's time and flags
		// fields may change without harm).
		for _, off := range spread(len(gz)-10, 8) {
			b := bytes.Clone(gz)
			b[10+off] ^= 0x10
			wantFailed(t, tg, inputFault{name: fmt.Sprintf("flip-%d.sql.gz", 10+off), data: b})
		}
		zipped := zipOf(t, zip.Deflate, "d.sql", string(dump))
		cd := centralRecords(zipped)[0]
		start := 30 + len("d.sql")
		size := int(binary.LittleEndian.Uint32(zipped[cd+20:]))
		for _, off := range spread(size, 8) {
			b := bytes.Clone(zipped)
			b[start+off] ^= 0x01
			wantFailed(t, tg, inputFault{name: fmt.Sprintf("flip-%d.zip", start+off), data: b})
		}
	})
}

func TestInputArchives(t *testing.T) {
	aes, err := os.ReadFile(filepath.Join("..", "..", "archive", "testdata", "zips", "aes256.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zipcrypto, err := os.ReadFile(filepath.Join("..", "..", "archive", "testdata", "zips", "zipcrypto.zip"))
	if err != nil {
		t.Fatal(err)
	}
	password := func(pw string) func(*importer.Pipeline) {
		return func(p *importer.Pipeline) {
			p.Extractor = &archive.Extractor{Password: archive.StaticPassword(pw)}
		}
	}
	ratio := func(p *importer.Pipeline) {
		p.Extractor = &archive.Extractor{Limits: archive.Limits{MaxRatio: 50}}
	}
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		dump, _ := whole(tg.dialect, faultDump(300))
		// Rows that compress about 150:1, loaded until the ratio limit
		// stops them: the rows already sent must not be committed.
		rows := faultDump(0) + strings.Repeat("INSERT INTO t VALUES (1,'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');\n", 200000)
		bomb := zipOf(t, zip.Deflate, "bomb.sql", rows)
		nested := zipOf(t, zip.Store, "inner.zip", string(zipOf(t, zip.Store, "bomb.zip", string(bomb))))

		method := zipOf(t, zip.Deflate, "d.sql", string(dump))
		binary.LittleEndian.PutUint16(method[8:], 12) // bzip2, in the local header
		binary.LittleEndian.PutUint16(method[centralRecords(method)[0]+10:], 12)

		overlap := zipOf(t, zip.Deflate, "a.sql", string(dump), "b.sql", "SELECT 1;\n")
		cd := centralRecords(overlap)
		copy(overlap[cd[1]+16:cd[1]+28], overlap[cd[0]+16:cd[0]+28]) // CRC and sizes
		copy(overlap[cd[1]+42:cd[1]+46], overlap[cd[0]+42:cd[0]+46]) // local header offset

		for _, f := range []inputFault{
			{name: "aes-nopassword.zip", data: aes, is: archive.ErrPassword},
			{name: "aes-wrong.zip", data: aes, is: archive.ErrPassword, edit: password("wrong password")},
			{name: "zipcrypto-wrong.zip", data: zipcrypto, is: archive.ErrPassword, edit: password("wrong password")},
			{name: "bzip2.zip", data: method, is: archive.ErrUnsupported},
			{name: "ratio.zip", data: bomb, is: archive.ErrLimit, edit: ratio},
			{name: "nested.zip", data: nested, is: archive.ErrLimit, edit: ratio},
			{name: "overlap.zip", data: overlap, is: archive.ErrLimit},
			{name: "slip.zip", data: zipOf(t, zip.Deflate, "ok.sql", string(dump), "../../evil.sql", string(dump)), is: archive.ErrInsecurePath},
			{name: "abs.zip", data: zipOf(t, zip.Deflate, "/etc/evil.sql", string(dump)), is: archive.ErrInsecurePath},
		} {
			wantFailed(t, tg, f)
		}
	})
}

func TestInputText(t *testing.T) {
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		last, _ := whole(tg.dialect, faultDump(120)+"INSERT INTO nosuch VALUES (1,'x');\n")
		before := tg.state(t)
		_, err := tg.run(t.Context(), "last.sql", last, nil)
		var ie *importer.Error
		if !errors.As(err, &ie) || ie.Table != "nosuch" || ie.Statement < 4 || ie.Line < 4 {
			t.Errorf("last statement failing: %v (%+v), want an *importer.Error naming table nosuch, its statement and line", err, ie)
		}
		if after := tg.state(t); after != before {
			t.Errorf("failing last statement changed the target:\n before %s\n after  %s", before, after)
		}

		dump, _ := whole(tg.dialect, faultDump(50))
		wantFailed(t, tg, inputFault{name: "utf16.sql", data: utf16LE(dump, false), is: sqlparse.ErrUTF16})
		wantFailed(t, tg, inputFault{name: "binary.sql", data: append([]byte("\x00\x01\x02PK\x03\x04"), dump...)})
	})
}

// TestInputInvalidUTF8 loads text that is not UTF-8: PostgreSQL refuses it
// (a typed error, nothing committed), MariaDB and SQLite store it; either
// way nothing is half-loaded.
func TestInputInvalidUTF8(t *testing.T) {
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		dump, _ := whole(tg.dialect, faultDump(10)+"INSERT INTO t VALUES (99,'caf\xe9 \xff\xfe');\n")
		if tg.name == "postgres" {
			wantFailed(t, tg, inputFault{name: "latin1.sql", data: dump})
			return
		}
		_, err := tg.run(t.Context(), "latin1.sql", dump, nil)
		var ie *importer.Error
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("%v is not an *importer.Error", err)
		}
		got := tg.state(t)
		if err == nil && !strings.Contains(got, "t=11") || err != nil && !strings.Contains(got, "keep=3") {
			t.Errorf("invalid UTF-8: err %v, target %s", err, got)
		}
	})
}

// TestInputUTF16 loads a UTF-16 dump with a byte order mark: it is
// converted and loads like the UTF-8 one (without a mark it fails, see
// TestInputText).
func TestInputUTF16(t *testing.T) {
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		dump, _ := whole(tg.dialect, faultDump(50))
		if _, err := tg.run(t.Context(), "utf16bom.sql", utf16LE(dump, true), nil); err != nil {
			t.Fatal(err)
		}
		if got := tg.state(t); !strings.Contains(got, "t=50") {
			t.Errorf("UTF-16 dump loaded as %s", got)
		}
	})
}

func utf16LE(b []byte, bom bool) []byte {
	var out []byte
	if bom {
		out = append(out, 0xFF, 0xFE)
	}
	for _, u := range utf16.Encode([]rune(string(b))) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// TestInputHugeLine streams a 1 GiB statement on one line (generated, never
// stored): the parser refuses it once it outgrows its MaxBuffer, having read
// only that much, and nothing is committed.
func TestInputHugeLine(t *testing.T) {
	eachSink(t, func(t *testing.T, tg *faultTarget) {
		huge := &hugeFS{size: 1 << 30}
		before := tg.state(t)
		p := &importer.Pipeline{
			Source:  &source.FS{FS: huge},
			Sink:    tg.sink,
			Dialect: tg.dialect,
			Parser:  &sqlparse.Parser{MaxBuffer: 16 << 20},
		}
		_, err := p.Run(t.Context())
		var ie *importer.Error
		if !errors.As(err, &ie) || !errors.Is(err, sqlparse.ErrTooLarge) || ie.File != "huge.sql" || ie.Line != 1 || ie.Statement < 2 {
			t.Errorf("1 GiB line: %v (%+v), want an *importer.Error wrapping ErrTooLarge on line 1 of huge.sql, after the CREATE TABLE", err, ie)
		}
		if n := huge.read.Load(); n > 64<<20 {
			t.Errorf("read %d bytes of the 1 GiB line before failing", n)
		}
		if after := tg.state(t); after != before {
			t.Errorf("target changed:\n before %s\n after  %s", before, after)
		}
	})
}

// hugeFS holds one file, huge.sql: "CREATE TABLE t (…); INSERT INTO t
// VALUES (1,'aaaa…" of size bytes, generated as it is read, on one line
// after the CREATE TABLE.
type hugeFS struct {
	size int64
	read atomic.Int64
}

func (h *hugeFS) Open(name string) (fs.File, error) {
	switch name {
	case ".":
		return &hugeDir{h: h}, nil
	case "huge.sql":
		head := "CREATE TABLE t (a INT, b VARCHAR(40)); INSERT INTO t VALUES (1,'"
		return &hugeFile{h: h, r: io.MultiReader(strings.NewReader(head), io.LimitReader(repeatA{}, h.size-int64(len(head))))}, nil
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

type repeatA struct{}

func (repeatA) Read(b []byte) (int, error) {
	for i := range b {
		b[i] = 'a'
	}
	return len(b), nil
}

type hugeInfo struct{ h *hugeFS }

func (i hugeInfo) Name() string       { return "huge.sql" }
func (i hugeInfo) Size() int64        { return i.h.size }
func (i hugeInfo) Mode() fs.FileMode  { return 0o644 }
func (i hugeInfo) ModTime() time.Time { return time.Unix(1700000000, 0) }
func (i hugeInfo) IsDir() bool        { return false }
func (i hugeInfo) Sys() any           { return nil }

type hugeFile struct {
	h *hugeFS
	r io.Reader
}

func (f *hugeFile) Stat() (fs.FileInfo, error) { return hugeInfo{f.h}, nil }
func (f *hugeFile) Close() error               { return nil }
func (f *hugeFile) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	f.h.read.Add(int64(n))
	return n, err
}

type hugeDir struct {
	h    *hugeFS
	done bool
}

func (d *hugeDir) Stat() (fs.FileInfo, error) { return dirInfo{}, nil }
func (d *hugeDir) Close() error               { return nil }
func (d *hugeDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *hugeDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.done {
		if n > 0 {
			return nil, io.EOF
		}
		return nil, nil
	}
	d.done = true
	return []fs.DirEntry{fs.FileInfoToDirEntry(hugeInfo{d.h})}, nil
}

type dirInfo struct{}

func (dirInfo) Name() string       { return "." }
func (dirInfo) Size() int64        { return 0 }
func (dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (dirInfo) ModTime() time.Time { return time.Unix(1700000000, 0) }
func (dirInfo) IsDir() bool        { return true }
func (dirInfo) Sys() any           { return nil }
