package sqlparse

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzSplit checks that the reader never panics, that it fails only with
// *Error, and that what it reads does not depend on how the input is cut
// into reads and buffers.
func FuzzSplit(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		for d := range uint8(8) {
			f.Add(s, d)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, d uint8) {
		dialect := Dialect(d % 4)
		allow := fuzzAllow(d)
		rd0 := NewReader(bytes.NewReader(data), dialect)
		rd0.SetAllow(allow)
		want, err1 := render(rd0)
		if err1 != nil {
			var e *Error
			if !errors.As(err1, &e) {
				t.Fatalf("error %T %v is not a *Error", err1, err1)
			}
			if e.Offset < 0 || e.Offset > int64(len(data)) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("error position out of range: %v", e)
			}
			if strings.Contains(e.Msg, "internal error") {
				t.Fatalf("scanner asked for input after the end: %v", e)
			}
		}
		rd := &Reader{}
		rd.SetAllow(allow)
		rd.resetSize(&oneByte{bytes.NewReader(data)}, dialect, minBufferSize, 0)
		got, err2 := render(rd)
		if got != want || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("one-byte reads differ:\n%s%v\nvs\n%s%v", want, err1, got, err2)
		}
		// Skipping rows (Next only) checks less than decoding them, but
		// must accept what decoding accepts and see the same statements.
		if err1 == nil {
			rd.resetSize(bytes.NewReader(data), dialect, minBufferSize, 0)
			skipped, err := statements(rd)
			if err != nil {
				t.Fatalf("decoding succeeds but skipping rows fails: %v", err)
			}
			rd2 := NewReader(bytes.NewReader(data), dialect)
			rd2.SetAllow(allow)
			if all, _ := statements(rd2); skipped != all {
				t.Fatalf("statements differ when rows are skipped:\n%s\nvs\n%s", all, skipped)
			}
		}
	})
}

// fuzzAllow returns, for half the values of a fuzzer's byte d, an Allow
// that turns the whole-dump checks off, so that the fuzzer also reaches the
// statements after one that no dump begins with.
func fuzzAllow(d uint8) Allow {
	if d&4 == 0 {
		return Allow{}
	}
	return Allow{Empty: true, Unterminated: true, MissingTrailer: true, AnyStatement: true}
}

// FuzzRows checks the row decoder: no panic, only *Error, and rows made of
// literals survive being written back as SQL and read again.
func FuzzRows(f *testing.F) {
	f.Add([]byte(`(1,'a\'b',"c",NULL,0x41,X'42',b'1',_binary 'x',-1.5e3,TRUE,DEFAULT,NOW())`), uint8(MySQL))
	f.Add([]byte(`(1,E'a\nb','c''d',NULL,true),(2,'x',NULL,NULL,false) ON CONFLICT DO NOTHING`), uint8(Postgres))
	f.Add([]byte(`(1,'it''s',X'00ff',replace('a\nb','\n',char(10)))`), uint8(SQLite))
	for _, s := range fuzzSeeds(f) {
		if k := bytes.Index(s, []byte("VALUES")); k >= 0 {
			f.Add(s[k+6:], uint8(MySQL))
		}
	}
	f.Fuzz(func(t *testing.T, tuples []byte, d uint8) {
		dialect := Dialect(d%3 + 1)
		in := append(append([]byte("INSERT INTO t VALUES "), tuples...), ";\n"...)
		rows, err := readRows(in, dialect)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v is not a *Error", err, err)
			}
			if strings.Contains(e.Msg, "internal error") {
				t.Fatalf("scanner asked for input after the end: %v", e)
			}
			return
		}
		// Write literal rows back and read them again.
		var buf bytes.Buffer
		buf.WriteString("INSERT INTO t VALUES ")
		n := 0
		for _, row := range rows {
			if !literalRow(row) || len(row) == 0 {
				continue
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			n++
			buf.WriteByte('(')
			for k, v := range row {
				if k > 0 {
					buf.WriteByte(',')
				}
				encodeValue(&buf, v, dialect)
			}
			buf.WriteByte(')')
		}
		if n == 0 {
			return
		}
		buf.WriteByte(';')
		again, err := readRows(buf.Bytes(), dialect)
		if err != nil {
			t.Fatalf("re-encoded rows do not read: %v\n%s", err, buf.Bytes())
		}
		k := 0
		for _, row := range rows {
			if !literalRow(row) || len(row) == 0 {
				continue
			}
			if fmt.Sprint(row) != fmt.Sprint(again[k]) {
				t.Fatalf("row %d: %v read back as %v\n%s", k, row, again[k], buf.Bytes())
			}
			k++
		}
	})
}

// readRows reads every row of every statement of in, copied.
func readRows(in []byte, d Dialect) ([][]Value, error) {
	rd := NewReader(bytes.NewReader(in), d)
	var rows [][]Value
	for st, err := range statementsOf(rd) {
		if err != nil {
			return rows, err
		}
		for row, err := range Rows(st.Rows) {
			if err != nil {
				return rows, err
			}
			c := make([]Value, len(row))
			for i, v := range row {
				c[i] = Value{Kind: v.Kind, Raw: bytes.Clone(v.Raw)}
			}
			rows = append(rows, c)
		}
	}
	return rows, nil
}

func literalRow(row []Value) bool {
	for _, v := range row {
		if v.Kind == Expr {
			return false
		}
	}
	return true
}

func encodeValue(buf *bytes.Buffer, v Value, d Dialect) {
	switch v.Kind {
	case Null:
		buf.WriteString("NULL")
	case Int, Number:
		buf.Write(v.Raw)
	case Bool:
		if string(v.Raw) == "1" {
			buf.WriteString("TRUE")
		} else {
			buf.WriteString("FALSE")
		}
	case Default:
		buf.WriteString("DEFAULT")
	case String:
		buf.WriteByte('\'')
		s := strings.ReplaceAll(string(v.Raw), "'", "''")
		if d == MySQL {
			s = strings.ReplaceAll(string(v.Raw), `\`, `\\`)
			s = strings.ReplaceAll(s, "'", `\'`)
			// \% and \_ keep their backslash: \\% reads back as \%.
		}
		buf.WriteString(s)
		buf.WriteByte('\'')
	case Binary:
		fmt.Fprintf(buf, "X'%X'", v.Raw)
	}
}
