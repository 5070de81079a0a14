package archive_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zip"
	"github.com/klauspost/compress/zstd"

	"github.com/dumpline/importer/archive"
)

// FuzzExtract feeds the ZIP reader and the decryptors (ZipCrypto, WinZip
// AES) arbitrary bytes, in place and streamed: an error must be an
// *archive.Error, and nothing may panic. The seeds are small archives made
// by Info-ZIP and 7-Zip (testdata/zips) and by klauspost's writer.
//
//	go test -run XXX -fuzz FuzzExtract -fuzztime 5m -fuzzminimizetime 2s ./archive
//
// (minimizing an input that reaches the AES decryptor runs PBKDF2 for each
// try: with the default minimize time the progress line seems stuck).
func FuzzExtract(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "zips", "*.zip"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(93, func(w io.Writer) (io.WriteCloser, error) { return zstd.NewWriter(w) })
	for i, m := range []uint16{zip.Store, zip.Deflate, 93} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: string(rune('a'+i)) + ".sql", Method: m})
		_, _ = w.Write([]byte("INSERT INTO t VALUES (1),(2),(3);\n"))
	}
	_ = zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))

	x := &archive.Extractor{
		Password: archive.StaticPassword(testPassword),
		Limits:   archive.Limits{MaxTotalSize: 16 << 20, MaxBuffer: 1 << 20, MaxSpool: -1},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, streaming := range []bool{false, true} {
			var r io.Reader = bytes.NewReader(data)
			size := int64(len(data))
			if streaming {
				r, size = onlyReader{r}, -1
			}
			err := x.Extract(context.Background(), "f.zip", r, size, func(e archive.Entry, r io.Reader) error {
				_, err := io.Copy(io.Discard, r)
				return err
			})
			var ae *archive.Error
			if err != nil && !errors.As(err, &ae) {
				t.Fatalf("streaming %v: %v is not an *archive.Error", streaming, err)
			}
		}
	})
}
