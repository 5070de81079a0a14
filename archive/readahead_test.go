package archive

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestReadAhead(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 100_000) // 1.6 MB: several buffers
	for name, src := range map[string]io.Reader{
		"whole":   bytes.NewReader(data),
		"onebyte": iotest.OneByteReader(bytes.NewReader(data[:5000])),
		"half":    iotest.HalfReader(bytes.NewReader(data)),
	} {
		ra := newReadAhead(src)
		got, err := io.ReadAll(iotest.HalfReader(ra))
		ra.Close()
		want := data
		if name == "onebyte" {
			want = data[:5000]
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", name, len(got), err)
		}
	}
}

func TestReadAheadError(t *testing.T) {
	boom := errors.New("boom")
	ra := newReadAhead(io.MultiReader(bytes.NewReader(make([]byte, 700_000)), iotest.ErrReader(boom)))
	n, err := io.Copy(io.Discard, ra)
	ra.Close()
	if n != 700_000 || !errors.Is(err, boom) {
		t.Fatalf("read %d, %v", n, err)
	}
}

func TestReadAheadCloseEarly(t *testing.T) {
	ra := newReadAhead(bytes.NewReader(make([]byte, 10<<20)))
	buf := make([]byte, 10)
	if _, err := ra.Read(buf); err != nil {
		t.Fatal(err)
	}
	ra.Close() // the filling goroutine exits (goleak checks in TestMain)
}
