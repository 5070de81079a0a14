package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// TestRatioCountsReadAhead compresses a legitimate, repetitive dump (ratio
// about 100) as zstd and gzip streams: the compressed bytes the decoder reads
// before the first output must count, or the ratio limit fires on a sane file.
func TestRatioCountsReadAhead(t *testing.T) {
	// Like a dump of sample data scaled up by INSERT ... SELECT: a block of
	// varied rows, repeated.
	var block, plain bytes.Buffer
	for i := 0; block.Len() < 200<<10; i++ {
		fmt.Fprintf(&block, "INSERT INTO `t` VALUES (%d,'customer %d','2026-11-%02d',%d.%02d);\n", i, i*7919%100003, i%28+1, i%997, i%100)
	}
	for plain.Len() < 16<<20 {
		plain.Write(block.Bytes())
	}
	var zs, gz bytes.Buffer
	zw, _ := zstd.NewWriter(&zs, zstd.WithEncoderLevel(zstd.SpeedBetterCompression))
	zw.Write(plain.Bytes())
	zw.Close()
	gw := gzip.NewWriter(&gz)
	gw.Write(plain.Bytes())
	gw.Close()
	for name, data := range map[string][]byte{"d.sql.zst": zs.Bytes(), "d.sql.gz": gz.Bytes()} {
		ratio := plain.Len() / len(data)
		if ratio > 900 || ratio < 5 {
			t.Fatalf("%s: test input ratio %d, want 5..900", name, ratio)
		}
		// A file, as the pipeline gives it: the decoder reads it in blocks.
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var got int64
		err = (&Extractor{}).Extract(context.Background(), name, f, int64(len(data)), func(e Entry, r io.Reader) error {
			n, err := io.Copy(io.Discard, r)
			got = n
			return err
		})
		if err != nil || got != int64(plain.Len()) {
			t.Errorf("%s (ratio %d): %d bytes, %v", name, ratio, got, err)
		}
	}
	// A stream past the ratio is still refused.
	var bomb bytes.Buffer
	zw, _ = zstd.NewWriter(&bomb)
	zw.Write(bytes.Repeat([]byte{'x'}, 64<<20))
	zw.Close()
	err := (&Extractor{}).Extract(context.Background(), "bomb.zst", bytes.NewReader(bomb.Bytes()), int64(bomb.Len()), func(e Entry, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ratio") {
		t.Errorf("bomb: %v", err)
	}
}
