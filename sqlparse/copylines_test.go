package sqlparse

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// TestNextCopyLines reads a COPY block larger than the reader's buffer as
// lines, mixed with NextRow, and checks that every line comes out as written
// and the statement after the block is read.
func TestNextCopyLines(t *testing.T) {
	var data strings.Builder
	var want strings.Builder
	for i := range 20000 {
		line := fmt.Sprintf("%d\tv\\t%d\t\\N\n", i, i)
		if i%7 == 0 {
			line = strings.Replace(line, "\n", "\r\n", 1)
		}
		data.WriteString(line)
		want.WriteString(line)
	}
	in := "COPY public.t (a, b, c) FROM stdin;\n" + data.String() + "\\.\nSELECT 1;\n"
	r := NewReader(strings.NewReader(in), Postgres)
	st, err := r.Next()
	if err != nil || st.Kind != Copy {
		t.Fatalf("first statement: %v %v", st, err)
	}
	cl := st.Rows.(CopyLineReader)
	var got strings.Builder
	rows := 0
	// The first row decoded, the rest as lines.
	row, err := st.Rows.NextRow()
	if err != nil || string(row[0].Raw) != "0" {
		t.Fatalf("NextRow: %v %v", row, err)
	}
	got.WriteString(strings.SplitN(want.String(), "\n", 2)[0] + "\n")
	rows++
	for {
		b, n, err := cl.NextCopyLines()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got.Write(b)
		rows += n
	}
	if rows != 20000 || got.String() != want.String() {
		t.Fatalf("%d rows; lines equal: %v", rows, got.String() == want.String())
	}
	if st, err := r.Next(); err != nil || st.Kind != Other || string(st.Text) != "SELECT 1" {
		t.Fatalf("after the block: %v %v", st, err)
	}
	// An INSERT's rows are not lines.
	r = NewReader(strings.NewReader("INSERT INTO t VALUES (1);\n"), Postgres)
	st, _ = r.Next()
	if _, _, err := st.Rows.(CopyLineReader).NextCopyLines(); err == nil {
		t.Error("NextCopyLines on an INSERT: no error")
	}
}
