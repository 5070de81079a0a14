package readahead_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"testing"
	"testing/iotest"

	"go.uber.org/goleak"

	"github.com/dumpline/importer/internal/readahead"
)

// TestMain fails the package when a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// data is 1.6 MB: several buffers.
var data = bytes.Repeat([]byte("0123456789abcdef"), 100_000)

// produceData writes data in writes of n bytes.
func produceData(n int) readahead.Producer {
	return func(ctx context.Context, w io.Writer) error {
		for b := data; len(b) > 0; {
			m := min(n, len(b))
			if _, err := w.Write(b[:m]); err != nil {
				return err
			}
			b = b[m:]
		}
		return nil
	}
}

func TestReader(t *testing.T) {
	for _, tc := range []struct {
		name  string
		src   io.Reader
		depth int
		want  []byte
	}{
		{"whole", bytes.NewReader(data), 4, data},
		{"onebyte", iotest.OneByteReader(bytes.NewReader(data[:5000])), 4, data[:5000]},
		{"half", iotest.HalfReader(bytes.NewReader(data)), 4, data},
		{"depth1", bytes.NewReader(data), 1, data},
		{"depth0", bytes.NewReader(data), 0, data},
		{"empty", bytes.NewReader(nil), 4, nil},
		{"dataEOF", iotest.DataErrReader(bytes.NewReader(data)), 4, data},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ra := readahead.NewReader(tc.src, tc.depth)
			defer ra.Close()
			got, err := io.ReadAll(iotest.HalfReader(ra))
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("%d bytes, %v; want %d bytes", len(got), err, len(tc.want))
			}
		})
	}
}

func TestReaderIOTest(t *testing.T) {
	ra := readahead.NewReader(bytes.NewReader(data), 4)
	defer ra.Close()
	if err := iotest.TestReader(ra, data); err != nil {
		t.Fatal(err)
	}
}

func TestReaderError(t *testing.T) {
	boom := errors.New("boom")
	ra := readahead.NewReader(io.MultiReader(bytes.NewReader(data[:700_000]), iotest.ErrReader(boom)), 4)
	defer ra.Close()
	got, err := io.ReadAll(ra)
	if !bytes.Equal(got, data[:700_000]) || !errors.Is(err, boom) {
		t.Fatalf("read %d bytes, %v; want 700000, boom", len(got), err)
	}
	// The error stays.
	if n, err := ra.Read(make([]byte, 10)); n != 0 || !errors.Is(err, boom) {
		t.Fatalf("read again: %d, %v", n, err)
	}
}

func TestReaderCloseEarly(t *testing.T) {
	ra := readahead.NewReader(bytes.NewReader(make([]byte, 10<<20)), 4)
	if _, err := io.ReadFull(ra, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	// The filling goroutine waits for a free buffer; Close stops it
	// (goleak in TestMain checks).
	if err := ra.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ra.Read(make([]byte, 10)); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Read after Close: %v", err)
	}
	if err := ra.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestReaderCloseUnread(t *testing.T) {
	ra := readahead.NewReader(bytes.NewReader(make([]byte, 10<<20)), 4)
	ra.Close()
}

func TestStart(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write int
		depth int
	}{
		{"small", 1000, 16},
		{"buffer", readahead.BufferSize, 16},
		{"large", 3*readahead.BufferSize + 7, 2},
		{"depth0", 32 << 10, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ra := readahead.Start(t.Context(), tc.depth, produceData(tc.write))
			defer ra.Close()
			got, err := io.ReadAll(iotest.HalfReader(ra))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes, %v; want %d bytes", len(got), err, len(data))
			}
		})
	}
}

func TestStartEmpty(t *testing.T) {
	ra := readahead.Start(t.Context(), 4, func(context.Context, io.Writer) error { return nil })
	defer ra.Close()
	if n, err := ra.Read(make([]byte, 10)); n != 0 || err != io.EOF {
		t.Fatalf("%d, %v; want 0, EOF", n, err)
	}
}

func TestStartError(t *testing.T) {
	boom := errors.New("boom")
	for _, n := range []int{0, 10, readahead.BufferSize, 700_000} {
		ra := readahead.Start(t.Context(), 4, func(ctx context.Context, w io.Writer) error {
			if _, err := w.Write(data[:n]); err != nil {
				return err
			}
			return boom
		})
		got, err := io.ReadAll(ra)
		ra.Close()
		if !bytes.Equal(got, data[:n]) || !errors.Is(err, boom) {
			t.Errorf("wrote %d: read %d bytes, %v; want boom after all", n, len(got), err)
		}
	}
}

// TestStartCancel: cancelling the parent context stops a producer that
// waits for room in the queue, and the consumer learns why.
func TestStartCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ra := readahead.Start(ctx, 2, func(ctx context.Context, w io.Writer) error {
		for {
			if _, err := w.Write(data); err != nil {
				return err
			}
		}
	})
	defer ra.Close()
	if _, err := io.ReadFull(ra, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err := io.Copy(io.Discard, ra)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v, want context.Canceled", err)
	}
}

// TestStartClose: Close cancels the producer's context and waits for it.
func TestStartClose(t *testing.T) {
	stopped := make(chan error, 1)
	ra := readahead.Start(t.Context(), 2, func(ctx context.Context, w io.Writer) error {
		for {
			if _, err := w.Write(data); err != nil {
				stopped <- err
				return err
			}
		}
	})
	if _, err := io.ReadFull(ra, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	ra.Close()
	select {
	case err := <-stopped:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the producer's Write failed with %v, want context.Canceled", err)
		}
	default:
		t.Fatal("Close returned before the producer did")
	}
}

// TestStartCloseUnread closes before the first Read, with a producer
// that does not write at all but waits for its context.
func TestStartCloseUnread(t *testing.T) {
	ra := readahead.Start(t.Context(), 4, func(ctx context.Context, w io.Writer) error {
		<-ctx.Done()
		return ctx.Err()
	})
	ra.Close()
}

// benchSize is what one benchmark operation moves through the queue.
const benchSize = 64 << 20

// zeros is an endless reader of zero bytes that costs no more than a copy.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func BenchmarkReader(b *testing.B) {
	buf := make([]byte, 32<<10)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		ra := readahead.NewReader(io.LimitReader(zeros{}, benchSize), 4)
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{ra}, buf); err != nil {
			b.Fatal(err)
		}
		ra.Close()
	}
}

func BenchmarkStart(b *testing.B) {
	buf := make([]byte, 32<<10)
	src := make([]byte, 32<<10) // the size of an SFTP read
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		ra := readahead.Start(b.Context(), 16, func(ctx context.Context, w io.Writer) error {
			for n := 0; n < benchSize; n += len(src) {
				if _, err := w.Write(src); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{ra}, buf); err != nil {
			b.Fatal(err)
		}
		ra.Close()
	}
}
