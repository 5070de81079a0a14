package sink

import (
	"bytes"

	"github.com/dumpline/importer/sqlparse"
)

// appendCopyText appends v as one field of PostgreSQL's COPY text format:
// \N for NULL, backslash, tab, newline and carriage return escaped, every
// other byte as it is (the server reads them in the session's
// client_encoding). It reports false for a value that COPY cannot carry as
// written: DEFAULT, an expression (but N'…'), or a binary literal (a bit string in
// PostgreSQL), which the caller inserts with SQL instead.
func appendCopyText(dst []byte, v sqlparse.Value) ([]byte, bool) {
	switch v.Kind {
	case sqlparse.Null:
		return append(dst, '\\', 'N'), true
	case sqlparse.Int, sqlparse.Number:
		return append(dst, v.Raw...), true
	case sqlparse.Bool:
		if len(v.Raw) == 1 && v.Raw[0] == '1' {
			return append(dst, 't'), true
		}
		return append(dst, 'f'), true
	case sqlparse.String:
		return appendEscaped(dst, v.Raw, false), true
	case sqlparse.Expr:
		if s, ok := nationalLiteral(v.Raw); ok {
			return appendCopyText(dst, sqlparse.Value{Kind: sqlparse.String, Raw: s})
		}
	}
	return dst, false
}

// appendEscaped appends raw with the backslash, tab, newline and carriage
// return escaped as PostgreSQL's COPY text and MySQL's LOAD DATA both read
// them, and NUL as \0 when nul is set (LOAD DATA: PostgreSQL's text holds no
// NUL, and its COPY reads no \0).
func appendEscaped(dst, raw []byte, nul bool) []byte {
	start := 0
	for i, c := range raw {
		var e byte
		switch c {
		case '\\':
			e = '\\'
		case '\t':
			e = 't'
		case '\n':
			e = 'n'
		case '\r':
			e = 'r'
		case 0:
			if !nul {
				continue
			}
			e = '0'
		default:
			continue
		}
		dst = append(dst, raw[start:i]...)
		dst = append(dst, '\\', e)
		start = i + 1
	}
	return append(dst, raw[start:]...)
}

// nationalLiteral decodes N'…', a literal of type char in PostgreSQL,
// without the trailing spaces that its cast to the column's type (varchar,
// text) drops, or that char(n) pads again.
func nationalLiteral(raw []byte) ([]byte, bool) {
	if len(raw) < 3 || raw[0]|0x20 != 'n' || raw[1] != '\'' || raw[len(raw)-1] != '\'' {
		return nil, false
	}
	body := raw[2 : len(raw)-1]
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		if body[i] == '\'' {
			if i+1 >= len(body) || body[i+1] != '\'' {
				return nil, false // not one literal
			}
			i++
		}
		out = append(out, body[i])
	}
	return bytes.TrimRight(out, " "), true
}

// copyRowFits reports whether every value of row can go through COPY text.
func copyRowFits(row []sqlparse.Value) bool {
	for _, v := range row {
		switch v.Kind {
		case sqlparse.Default, sqlparse.Binary:
			return false
		case sqlparse.Expr:
			if _, ok := nationalLiteral(v.Raw); !ok {
				return false
			}
		}
	}
	return true
}
