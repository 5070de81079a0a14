package sink

import "github.com/dumpline/importer/sqlparse"

// appendCopyText appends v as one field of PostgreSQL's COPY text format:
// \N for NULL, backslash, tab, newline and carriage return escaped, every
// other byte as it is (the server reads them in the session's
// client_encoding). It reports false for a value that COPY cannot carry as
// written: DEFAULT, an expression, or a binary literal (a bit string in
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
		start := 0
		for i, c := range v.Raw {
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
			default:
				continue
			}
			dst = append(dst, v.Raw[start:i]...)
			dst = append(dst, '\\', e)
			start = i + 1
		}
		return append(dst, v.Raw[start:]...), true
	}
	return dst, false
}

// copyRowFits reports whether every value of row can go through COPY text.
func copyRowFits(row []sqlparse.Value) bool {
	for _, v := range row {
		switch v.Kind {
		case sqlparse.Default, sqlparse.Expr, sqlparse.Binary:
			return false
		}
	}
	return true
}
