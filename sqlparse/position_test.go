package sqlparse

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestCorpusPositions checks every statement's Offset, Line and Text against
// the input itself.
func TestCorpusPositions(t *testing.T) {
	for name, data := range corpus(t) {
		t.Run(name, func(t *testing.T) {
			rd := &Reader{}
			rd.resetSize(bytes.NewReader(data), Auto, minBufferSize, 0)
			var num int64
			for st, err := range statementsOf(rd) {
				if err != nil {
					t.Fatal(err)
				}
				num++
				if st.Num != num {
					t.Fatalf("statement %d numbered %d", num, st.Num)
				}
				if line := int64(bytes.Count(data[:st.Offset], []byte("\n"))) + 1; st.Line != line {
					t.Fatalf("statement %d at byte %d: line %d, want %d", num, st.Offset, st.Line, line)
				}
				if !bytes.HasPrefix(data[st.Offset:], st.Text) {
					t.Fatalf("statement %d at byte %d: text %.60q is not at its offset (%.60q)", num, st.Offset, st.Text, data[st.Offset:])
				}
			}
		})
	}
}

// rowsReader writes "INSERT INTO t VALUES (0,'...'),(1,'...'),...;" of
// about size bytes without holding it in memory.
type rowsReader struct {
	size, n int64
	row     int
	pending []byte
	done    bool
}

func (g *rowsReader) Read(p []byte) (int, error) {
	if len(g.pending) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.n == 0:
			g.pending = []byte("INSERT INTO t VALUES ")
		case g.n >= g.size:
			g.pending, g.done = []byte(";\nSELECT 1;\n"), true
		default:
			sep := ","
			if g.row == 0 {
				sep = ""
			}
			g.pending = fmt.Appendf(nil, "%s(%d,'%s\\'s',NULL)", sep, g.row, strings.Repeat("x", g.row%1000))
			g.row++
		}
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	g.n += int64(n)
	return n, nil
}

// TestHugeInsertBoundedMemory reads one INSERT much larger than the buffer
// and checks that the buffers never grow: memory is bounded by the largest
// row, not by the statement.
func TestHugeInsertBoundedMemory(t *testing.T) {
	size := int64(20 << 20)
	if testing.Short() {
		size = 4 << 20
	}
	g := &rowsReader{size: size}
	rd := NewReader(g, MySQL)
	st, err := rd.Next()
	if err != nil || st.Kind != Insert {
		t.Fatalf("first statement: %v %v", st, err)
	}
	rows := 0
	for row, err := range Rows(st.Rows) {
		if err != nil {
			t.Fatal(err)
		}
		if len(row) != 3 || len(row[1].Raw) != rows%1000+2 {
			t.Fatalf("row %d: %q", rows, row)
		}
		rows++
	}
	if rows != g.row {
		t.Errorf("read %d rows, wrote %d", rows, g.row)
	}
	if len(rd.buf) != defaultBufferSize || cap(rd.scratch) > defaultBufferSize {
		t.Errorf("buffers grew to %d and %d bytes", len(rd.buf), cap(rd.scratch))
	}
	if st, err := rd.Next(); err != nil || string(st.Text) != "SELECT 1" {
		t.Errorf("statement after the INSERT: %v %v", st, err)
	}
}
