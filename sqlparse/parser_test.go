package sqlparse

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseReturnsCallbackErrorUnchanged(t *testing.T) {
	sentinel := errors.New("stop here")
	var p Parser
	n := 0
	err := p.Parse(context.Background(), strings.NewReader("SELECT 1; SELECT 2; SELECT 3;"), MySQL, func(st *Statement) error {
		n++
		if n == 2 {
			return sentinel
		}
		return nil
	})
	if err != sentinel {
		t.Fatalf("Parse returned %v, want the callback's error unchanged", err)
	}
}

func TestParseChecksUnreadRows(t *testing.T) {
	var p Parser
	var seen []string
	err := p.Parse(context.Background(), strings.NewReader("INSERT INTO t VALUES (1),(2),(3 4;\nSELECT 1;"), MySQL, func(st *Statement) error {
		seen = append(seen, string(st.Text))
		return nil // rows not read
	})
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrSyntax) {
		t.Fatalf("Parse returned %v, want a *Error wrapping ErrSyntax", err)
	}
	if e.Line != 1 || e.Statement != 1 {
		t.Errorf("error at line %d statement %d, want line 1 statement 1: %v", e.Line, e.Statement, e)
	}
	if len(seen) != 1 {
		t.Errorf("callback saw %q, want only the INSERT", seen)
	}
}

func TestParseCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var p Parser
	err := p.Parse(ctx, strings.NewReader("SELECT 1; SELECT 2; SELECT 3;"), MySQL, func(st *Statement) error {
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Parse returned %v, want context.Canceled", err)
	}
}

func TestParseReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	var p Parser
	err := p.Parse(context.Background(), io.MultiReader(strings.NewReader("SELECT 1; SELECT"), errReader{boom}), MySQL, func(st *Statement) error { return nil })
	if !errors.Is(err, boom) {
		t.Fatalf("Parse returned %v, want the read error", err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Parse returned %T, want *Error", err)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestPartlyReadRows(t *testing.T) {
	for _, d := range []Dialect{MySQL, Postgres} {
		in := "INSERT INTO t VALUES (1),(2),(3);\nSELECT 'after';"
		if d == Postgres {
			in = "COPY t (a) FROM stdin;\n1\n2\n3\n\\.\nSELECT 'after';"
		}
		rd := NewReader(strings.NewReader(in), d)
		st, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		rows := st.Rows
		if row, err := rows.NextRow(); err != nil || string(row[0].Raw) != "1" {
			t.Fatalf("%v: first row %v %v", d, row, err)
		}
		st, err = rd.Next()
		if err != nil || string(st.Text) != "SELECT 'after'" {
			t.Fatalf("%v: statement after a partly read one: %v %v", d, st, err)
		}
		if _, err := rows.NextRow(); err != io.EOF {
			t.Errorf("%v: NextRow on a finished statement: %v, want io.EOF", d, err)
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Errorf("%v: Next at the end: %v", d, err)
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Errorf("%v: Next again at the end: %v", d, err)
		}
	}
}

func TestTrailerKnownEarly(t *testing.T) {
	in := "INSERT INTO t (a) VALUES (1), (2) ON CONFLICT DO NOTHING;\nINSERT INTO t (a) VALUES (3);\n"
	rd := NewReader(strings.NewReader(in), Postgres)
	st, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	if string(st.Trailer) != "ON CONFLICT DO NOTHING" {
		t.Errorf("trailer before the rows: %q", st.Trailer)
	}
	n := 0
	for _, err := range Rows(st.Rows) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || string(st.Trailer) != "ON CONFLICT DO NOTHING" {
		t.Errorf("%d rows, trailer after the rows %q", n, st.Trailer)
	}
	if st, err = rd.Next(); err != nil || len(st.Trailer) != 0 {
		t.Errorf("second statement: %v, trailer %q", err, st.Trailer)
	}
}

func TestZeroReader(t *testing.T) {
	var rd Reader
	if _, err := rd.Next(); !errors.Is(err, ErrEmpty) {
		t.Errorf("zero Reader: Next returned %v, want ErrEmpty", err)
	}
	rd = Reader{}
	rd.SetAllow(Allow{Empty: true})
	if _, err := rd.Next(); err != io.EOF {
		t.Errorf("zero Reader allowing empty input: Next returned %v, want io.EOF", err)
	}
}
