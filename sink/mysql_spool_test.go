package sink

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"
)

// TestSpoolOrder writes more chunks than fit in memory while the reader
// reads slowly, then quickly, and reads every byte back in order.
func TestSpoolOrder(t *testing.T) {
	q := newSpool(make(chan []byte, 4))
	defer q.release()
	var want bytes.Buffer
	done := make(chan []byte)
	go func() {
		got, err := io.ReadAll(&slowReader{q, 100})
		if err != nil {
			t.Error(err)
		}
		done <- got
	}()
	for i := range 10 * chunksAhead {
		b := fmt.Appendf(nil, "chunk %d\n", i)
		want.Write(b)
		if _, err := q.put(b); err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			time.Sleep(time.Millisecond) // let the reader catch up now and then
		}
	}
	q.close()
	if got := <-done; !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("read %d bytes, not the %d written in order", len(got), want.Len())
	}
	if q.file == nil {
		t.Error("nothing went to the file")
	}
}

// slowReader reads through r, sleeping for the first n reads.
type slowReader struct {
	r io.Reader
	n int
}

func (s *slowReader) Read(p []byte) (int, error) {
	if s.n > 0 {
		s.n--
		time.Sleep(time.Millisecond)
	}
	return s.r.Read(p[:min(len(p), 5)])
}

// TestSpoolAbort: after abort the reader fails with the error given and put
// refuses chunks.
func TestSpoolAbort(t *testing.T) {
	q := newSpool(nil)
	defer q.release()
	if _, err := q.put([]byte("a\n")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	q.abort(boom)
	if _, err := q.Read(make([]byte, 10)); !errors.Is(err, boom) {
		t.Errorf("Read after abort: %v, want boom", err)
	}
	if _, err := q.put([]byte("b\n")); !errors.Is(err, errStreamAborted) {
		t.Errorf("put after abort: %v", err)
	}
}
