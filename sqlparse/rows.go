package sqlparse

import (
	"bytes"
	"io"
	"strings"
)

// rowReader is the RowReader of the reader's current statement.
type rowReader struct{ r *Reader }

// NextRow implements RowReader.
func (rr *rowReader) NextRow() ([]Value, error) {
	r := rr.r
	if r.err != nil {
		return nil, r.err
	}
	if r.mode == modeStmt {
		return nil, io.EOF
	}
	if err := r.row(true); err != nil {
		if err != io.EOF {
			r.err = err
		}
		return nil, err
	}
	return r.vals, nil
}

// row reads the next row of the current Insert or Copy statement, decoding
// its values into r.vals if decode is set, or only checking it. It returns
// io.EOF after the last row.
func (r *Reader) row(decode bool) error {
	for {
		r.mark = r.pos
		var err error
		if r.mode == modeInsert {
			err = r.tuple(decode)
		} else {
			err = r.copyLine(decode)
		}
		switch err {
		case nil:
			return nil
		case errNeedMore:
			if err := r.fill(); err != nil {
				return err
			}
		case io.EOF:
			r.mode = modeStmt
			return io.EOF
		default:
			return err
		}
	}
}

// insert reads the head of an INSERT or REPLACE statement up to its VALUES
// keyword; the first keyword is b[s:e]. It returns false if the statement
// is not an INSERT ... VALUES (for example INSERT ... SELECT).
func (r *Reader) insert(b []byte, s, e int) (bool, error) {
	i := e
	var w []byte
	for {
		var err error
		if i, err = r.sp(b, i); err != nil {
			return false, err
		}
		j, err := r.wordEnd(b, i)
		if err != nil {
			return false, err
		}
		w = b[i:j]
		if equalFold(w, "into") || equalFold(w, "ignore") || equalFold(w, "low_priority") ||
			equalFold(w, "delayed") || equalFold(w, "high_priority") || equalFold(w, "or") ||
			r.dialect == SQLite && (equalFold(w, "replace") || equalFold(w, "abort") ||
				equalFold(w, "fail") || equalFold(w, "rollback")) {
			i = j
			if equalFold(w, "into") {
				break
			}
			continue
		}
		break
	}
	// Table name, with its schema or database.
	nb := r.nameBuf[:0]
	for {
		var err error
		if i, err = r.sp(b, i); err != nil {
			return false, err
		}
		var ok bool
		nb, i, ok, err = r.ident(nb, b, i)
		if err != nil || !ok {
			return false, err
		}
		if i, err = r.sp(b, i); err != nil {
			return false, err
		}
		if i >= len(b) || b[i] != '.' {
			break
		}
		nb = append(nb, '.')
		i++
	}
	if i >= len(b) {
		return false, nil
	}
	if r.dialect == MySQL && (b[i] == 'p' || b[i] == 'P') {
		// PARTITION (p0, p1)
		j, err := r.wordEnd(b, i)
		if err != nil {
			return false, err
		}
		if !equalFold(b[i:j], "partition") {
			return false, nil
		}
		if i, err = r.sp(b, j); err != nil {
			return false, err
		}
		if i >= len(b) || b[i] != '(' {
			return false, nil
		}
		k := bytes.IndexByte(b[i:], ')')
		if k < 0 {
			if r.eof {
				return false, nil
			}
			return false, errNeedMore
		}
		if i, err = r.sp(b, i+k+1); err != nil {
			return false, err
		}
		if i >= len(b) {
			return false, nil
		}
	}
	r.cols = r.cols[:0]
	tableEnd := len(nb)
	hasCols := false
	if b[i] == '(' {
		hasCols = true
		i++
		for {
			var err error
			if i, err = r.sp(b, i); err != nil {
				return false, err
			}
			if i < len(b) && b[i] == ')' && len(r.cols) == 0 {
				i++
				break
			}
			nb = append(nb, 0)
			start := len(nb)
			var ok bool
			nb, i, ok, err = r.ident(nb, b, i)
			if err != nil || !ok {
				return false, err
			}
			r.cols = append(r.cols, [2]int{start, len(nb)})
			if i, err = r.sp(b, i); err != nil {
				return false, err
			}
			if i >= len(b) {
				return false, nil
			}
			if b[i] == ',' {
				i++
				continue
			}
			if b[i] != ')' {
				return false, nil
			}
			i++
			break
		}
	}
	r.nameBuf = nb
	// OVERRIDING SYSTEM VALUE (PostgreSQL), then VALUES.
	for n := 0; ; n++ {
		var err error
		if i, err = r.sp(b, i); err != nil {
			return false, err
		}
		j, err := r.wordEnd(b, i)
		if err != nil {
			return false, err
		}
		w = b[i:j]
		i = j
		if n == 0 && equalFold(w, "overriding") {
			if i, err = r.sp(b, i); err != nil {
				return false, err
			}
			if i, err = r.wordEnd(b, i); err != nil { // SYSTEM or USER
				return false, err
			}
			if i, err = r.sp(b, i); err != nil {
				return false, err
			}
			j, err := r.wordEnd(b, i)
			if err != nil {
				return false, err
			}
			if !equalFold(b[i:j], "value") {
				return false, nil
			}
			i = j
			continue
		}
		break
	}
	if !equalFold(w, "values") && !equalFold(w, "value") {
		return false, nil
	}
	valuesEnd := i
	cond := 0
	j, err := r.spCond(b, i, &cond)
	if err != nil {
		return false, err
	}
	if j >= len(b) || b[j] != '(' {
		return false, nil // VALUES ROW(...), or not an INSERT at all
	}

	h := r.header(nb, tableEnd, hasCols)
	r.num++
	st := &r.st
	st.Kind = Insert
	r.hdr = append(r.hdr[:0], b[s:valuesEnd]...)
	st.Text = r.hdr
	st.Table = h.table
	st.Columns = h.cols
	st.Rows = &r.rows
	r.pos = valuesEnd
	r.mode = modeInsert
	r.first = true
	r.cond = 0
	r.peekTrailer()
	return true, nil
}

// peekLimit is how far peekTrailer looks for the end of an INSERT.
const peekLimit = 4 << 10

// peekTrailer sets the Trailer of an INSERT (such as ON CONFLICT DO NOTHING)
// before its rows are read when the whole statement is within the next
// peekLimit bytes of the buffer, as the single-row INSERTs of pg_dump
// --inserts are; a sink can then apply it to every row. It changes nothing
// else.
func (r *Reader) peekTrailer() {
	pos, first, cond, eof := r.pos, r.first, r.cond, r.eof
	r.peekEnd = -1
	defer func() { r.pos, r.first, r.cond, r.eof = pos, first, cond, eof }()
	end := r.end
	if end-r.pos > peekLimit {
		end, r.eof = r.pos+peekLimit, false
	}
	b := r.buf[:end]
	c := cond
	for n := 0; n < 64; n++ {
		i, err := r.rowStart(b, &c)
		if err == nil {
			i, err = r.skipRow(b, i, &c)
		}
		if err != nil {
			if err != io.EOF {
				r.st.Trailer = nil
				return
			}
			// skipRows can jump to the end if no row is read.
			r.peekStart, r.peekEnd, r.peekBase = pos, r.pos, r.base
			return
		}
		r.pos, r.first = i, false
	}
}

// header returns the interned table name and columns held in nb.
func (r *Reader) header(nb []byte, tableEnd int, hasCols bool) *header {
	if hasCols {
		nb = append(nb, 1)
		r.nameBuf = nb
	}
	if h, ok := r.names[string(nb)]; ok {
		return h
	}
	if r.names == nil {
		r.names = make(map[string]*header)
	}
	h := &header{table: string(nb[:tableEnd])}
	if hasCols {
		h.cols = make([]string, len(r.cols))
		for k, c := range r.cols {
			h.cols[k] = string(nb[c[0]:c[1]])
		}
	}
	r.names[string(nb)] = h
	return h
}

// ident appends the unquoted identifier at b[i] to nb.
func (r *Reader) ident(nb, b []byte, i int) ([]byte, int, bool, error) {
	if i >= len(b) {
		return nb, i, false, nil
	}
	switch q := b[i]; {
	case q == '"' || q == '`' && r.dialect != Postgres || q == '[' && r.dialect == SQLite:
		j, err := r.skipString(b, i)
		if err != nil {
			return nb, 0, false, err
		}
		inner := b[i+1 : j-1]
		if q == '[' {
			return append(nb, inner...), j, true, nil
		}
		for {
			k := bytes.IndexByte(inner, q)
			if k < 0 || k+1 >= len(inner) {
				nb = append(nb, inner...)
				break
			}
			nb = append(nb, inner[:k+1]...)
			inner = inner[k+2:]
		}
		return nb, j, true, nil
	}
	j, err := r.wordEnd(b, i)
	if err != nil {
		return nb, 0, false, err
	}
	if j == i {
		return nb, i, false, nil
	}
	return append(nb, b[i:j]...), j, true, nil
}

// rowStart skips to the '(' that opens the next row of the current INSERT
// and returns its index. At the end of the statement it sets r.pos after
// it (and the statement's Trailer) and returns io.EOF.
func (r *Reader) rowStart(b []byte, cond *int) (int, error) {
	// Fast path: a comma, white space and '(' between rows.
	if i := r.pos; !r.first && i < len(b) && b[i] == ',' {
		j := i + 1
		for j < len(b) && spaceTab[b[j]] {
			j++
		}
		if j < len(b) && b[j] == '(' {
			return j, nil
		}
	}
	i, err := r.spCond(b, r.pos, cond)
	if err != nil {
		return 0, err
	}
	if !r.first {
		if i >= len(b) {
			// A dump cut after a complete row must not pass for a whole one.
			return 0, r.errAt(i, "input ends inside an INSERT statement: no "+string(r.delim)+" after its last row (truncated dump?)")
		}
		d, err := r.isDelim(b, i)
		if err != nil {
			return 0, err
		}
		if d {
			r.pos = i + len(r.delim)
			return 0, io.EOF
		}
		if b[i] != ',' {
			// ON DUPLICATE KEY UPDATE, ON CONFLICT, RETURNING ...
			if !identTab[b[i]] || '0' <= b[i] && b[i] <= '9' {
				return 0, r.errAt(i, "expected , or the end of the statement after a row")
			}
			end, next, err := r.scanStmt(i, scanPlain)
			if err != nil {
				return 0, err
			}
			r.trailer = append(r.trailer[:0], trimSpace(b[i:end])...)
			r.st.Trailer = r.trailer
			r.pos = next
			return 0, io.EOF
		}
		if i, err = r.spCond(b, i+1, cond); err != nil {
			return 0, err
		}
	}
	if i >= len(b) || b[i] != '(' {
		return 0, r.errAt(i, "expected ( to start a row of VALUES")
	}
	return i, nil
}

// tuple reads one row tuple of an INSERT, or the end of the statement.
func (r *Reader) tuple(decode bool) error {
	b := r.buf[:r.end]
	cond := r.cond
	i, err := r.rowStart(b, &cond)
	if err != nil {
		return err
	}
	open := i
	i++
	r.resetRow()
	if i >= len(b) || spStart[b[i]] {
		if i, err = r.spCond(b, i, &cond); err != nil {
			return err
		}
	}
	if i < len(b) && b[i] == ')' {
		i++
	} else {
		// Plain strings (no E prefix) take backslash escapes in these cases.
		bs := r.dialect == MySQL && !r.noBackslash || r.dialect == Postgres && !r.stdStrings
		dq := r.dialect != Postgres // "..." is a string
		vals := r.vals[:0]
		for {
			if i >= len(b) {
				if !r.eof {
					return errNeedMore
				}
				return r.errAt(open, "unterminated row")
			}
			// Fast paths, inline, for the common values directly followed
			// by ',' or ')'; value handles everything else.
			switch c := b[i]; {
			case c == '\'' || c == '"' && dq:
				e, esc := scanString(b, i, c, bs, r.eof)
				if e > 0 && e < len(b) && (b[e] == ',' || b[e] == ')') {
					if decode {
						raw := b[i+1 : e-1 : e-1]
						if esc {
							raw = r.unquote(raw, c, bs)
						}
						vals = append(vals, Value{Kind: String, Raw: raw})
					}
					i = e
					goto next
				}
			case '0' <= c && c <= '9':
				j := i + 1
				for j < len(b) && '0' <= b[j] && b[j] <= '9' {
					j++
				}
				kind := Int
				if j < len(b) && b[j] == '.' {
					kind = Number
					j++
					for j < len(b) && '0' <= b[j] && b[j] <= '9' {
						j++
					}
				}
				if j < len(b) && (b[j] == ',' || b[j] == ')') {
					if decode {
						vals = append(vals, Value{Kind: kind, Raw: b[i:j:j]})
					}
					i = j
					goto next
				}
			case c == 'N' || c == 'n':
				if len(b)-i > 4 && equalFold(b[i:i+4], "null") && (b[i+4] == ',' || b[i+4] == ')') {
					if decode {
						vals = append(vals, Value{Kind: Null})
					}
					i += 4
					goto next
				}
			}
			r.vals = vals
			if i, err = r.value(b, i, decode, &cond); err != nil {
				return err
			}
			vals = r.vals
		next:
			if i >= len(b) {
				return r.errAt(open, "unterminated row")
			}
			if b[i] == ')' {
				i++
				r.vals = vals
				break
			}
			if b[i] != ',' {
				return r.errAt(i, "expected , or ) in row")
			}
			i++
			if i < len(b) && spStart[b[i]] {
				if i, err = r.spCond(b, i, &cond); err != nil {
					return err
				}
			}
		}
	}
	r.pos = i
	r.first = false
	r.cond = cond
	return nil
}

// spStart marks the bytes that may start white space, a comment or the end
// of a MySQL conditional comment.
var spStart = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '\v': true, '/': true, '-': true, '#': true, '*': true}

// skipRows reads the remaining rows of the current INSERT without decoding
// them, checking that they are well-formed tuples: strings, quoted names and
// comments terminated, parentheses balanced, rows separated by commas.
func (r *Reader) skipRows() error {
	if r.peekEnd >= 0 && r.pos == r.peekStart && r.base == r.peekBase {
		// peekTrailer has checked every row already.
		r.pos, r.peekEnd = r.peekEnd, -1
		r.mode = modeStmt
		return nil
	}
	for {
		b := r.buf[:r.end]
		var err error
		for {
			cond := r.cond
			var i int
			if i, err = r.rowStart(b, &cond); err == nil {
				i, err = r.skipRow(b, i, &cond)
			}
			if err != nil {
				break
			}
			r.pos, r.first, r.cond = i, false, cond
		}
		switch err {
		case errNeedMore:
			r.mark = r.pos
			if err := r.fill(); err != nil {
				return err
			}
		case io.EOF:
			r.mode = modeStmt
			return nil
		default:
			return err
		}
	}
}

// skipRow returns the index after the row whose '(' is at b[open].
func (r *Reader) skipRow(b []byte, open int, cond *int) (int, error) {
	i := open + 1
	depth := 1
	tab := &r.rowSpecial
	bs := r.dialect == MySQL && !r.noBackslash || r.dialect == Postgres && !r.stdStrings
	for {
		i = skipPlain(b, i, tab)
		if i >= len(b) {
			if r.eof {
				return 0, r.errAt(open, "unterminated row")
			}
			return 0, errNeedMore
		}
		switch c := b[i]; c {
		case '(':
			depth++
			i++
		case ')':
			depth--
			i++
			if depth == 0 {
				return i, nil
			}
		case '\'':
			if i > 0 && (b[i-1] == 'E' || b[i-1] == 'e') && r.dialect == Postgres {
				j, err := r.skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = j
				continue
			}
			j, _ := scanString(b, i, c, bs, r.eof)
			if j < 0 {
				if r.eof {
					return 0, r.errAt(i, "unterminated string")
				}
				return 0, errNeedMore
			}
			i = j
		case '"', '`', '[':
			j, err := r.skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = j
		case '$':
			j, err := r.dollar(b, i)
			if err != nil {
				return 0, err
			}
			i = j
		case '*', '/':
			if j, err := r.spCond(b, i, cond); err != nil || j > i {
				i = j
				if err != nil {
					return 0, err
				}
			} else {
				i++
			}
		case '-', '#':
			j, ok, err := r.comment(b, i)
			if err != nil {
				return 0, err
			}
			if ok {
				i = j
			} else {
				i++
			}
		default:
			if depth == 1 {
				d, err := r.isDelim(b, i)
				if err != nil {
					return 0, err
				}
				if d {
					return 0, r.errAt(i, "statement ends inside a row")
				}
			}
			i++
		}
	}
}

// value reads the value at b[i] and the white space after it, appending it
// to r.vals if decode is set. It returns the index of the byte that follows,
// which should be ',' or ')'. tuple handles the commonest values itself.
func (r *Reader) value(b []byte, i int, decode bool, cond *int) (int, error) {
	start := i
	scr0 := r.scr
	kind := Expr
	var raw []byte
	j := -1 // end of a literal; -1 means "read as an expression"
	c := b[i]
	switch {
	case c == '\'' || c == '"' && r.dialect != Postgres:
		e, err := r.skipString(b, i)
		if err != nil {
			return 0, err
		}
		kind, j = String, e
		if decode {
			raw = r.unquote(b[i+1:e-1], c, r.backslashes(b, i))
		}
	case '0' <= c && c <= '9' || c == '.' || c == '-' || c == '+':
		if c == '0' && r.dialect == MySQL && i+1 < len(b) && (b[i+1] == 'x' || b[i+1] == 'X' || b[i+1] == 'b' || b[i+1] == 'B') {
			e, err := r.wordEnd(b, i)
			if err != nil {
				return 0, err
			}
			var ok bool
			kind, j = Binary, e
			if b[i+1] == 'x' || b[i+1] == 'X' {
				raw, ok = r.unhex(b[i+2:e], true)
			} else {
				raw, ok = r.unbits(b[i+2 : e])
			}
			if !ok {
				j = -1
			}
			break
		}
		e, isInt, err := r.number(b, i)
		if err != nil {
			return 0, err
		}
		if e > i {
			kind, j, raw = Number, e, b[i:e]
			if isInt {
				kind = Int
			}
			// A number followed by another literal is a malformed row, not
			// an expression.
			c2 := *cond
			k, err := r.spCond(b, e, &c2)
			if err != nil {
				return 0, err
			}
			if k < len(b) && k > e && ('0' <= b[k] && b[k] <= '9' || b[k] == '\'' || b[k] == '"') {
				return 0, r.errAt(k, "expected , or ) in row")
			}
		}
	case identTab[c]:
		e, err := r.wordEnd(b, i)
		if err != nil {
			return 0, err
		}
		w := b[i:e]
		if e < len(b) && b[e] == '\'' && len(w) == 1 {
			q, err := r.skipString(b, e)
			if err != nil {
				return 0, err
			}
			inner := b[e+1 : q-1]
			j = q
			switch c {
			case 'N', 'n':
				kind = String
				if decode {
					raw = r.unquote(inner, '\'', r.backslashes(b, e))
				}
			case 'E', 'e':
				kind = String
				if decode {
					raw = r.unquote(inner, '\'', r.dialect != SQLite)
				}
			case 'X', 'x':
				// In PostgreSQL X'..' and B'..' are bit strings: expressions.
				var ok bool
				kind = Binary
				if raw, ok = r.unhex(inner, false); !ok || r.dialect == Postgres {
					j = -1
				}
			case 'B', 'b':
				if r.dialect != MySQL {
					j = -1
					break
				}
				var ok bool
				kind = Binary
				if raw, ok = r.unbits(inner); !ok {
					j = -1
				}
			default:
				j = -1
			}
			break
		}
		switch {
		case equalFold(w, "null"):
			kind, j = Null, e
		case equalFold(w, "true"):
			kind, j, raw = Bool, e, one
		case equalFold(w, "false"):
			kind, j, raw = Bool, e, zero
		case equalFold(w, "default"):
			kind, j = Default, e
		case c == '_' && r.dialect == MySQL:
			// Character set introducer: _binary '...', _utf8mb4'...', _binary 0x...
			k := e
			for k < len(b) && spaceTab[b[k]] {
				k++
			}
			if k >= len(b) {
				if !r.eof {
					return 0, errNeedMore
				}
				break
			}
			bin := equalFold(w, "_binary")
			switch {
			case b[k] == '\'' || b[k] == '"':
				q, err := r.skipString(b, k)
				if err != nil {
					return 0, err
				}
				kind, j = String, q
				if bin {
					kind = Binary
				}
				if decode {
					raw = r.unquote(b[k+1:q-1], b[k], r.backslashes(b, k))
				}
			case b[k] == '0' || b[k] == 'x' || b[k] == 'X' || b[k] == 'b' || b[k] == 'B':
				q, err := r.value(b, k, decode, cond)
				if err != nil {
					return 0, err
				}
				if decode {
					v := &r.vals[len(r.vals)-1]
					switch {
					case v.Kind != Binary:
						*v = Value{Kind: Expr, Raw: trimSpace(b[start:q])}
					case !bin:
						v.Kind = String
					}
				}
				return q, nil
			}
		case r.dialect == SQLite && equalFold(w, "replace") && decode:
			if s, e, ok := r.replaceExpr(b, i); ok {
				kind, j, raw = String, e, s
			}
		case r.dialect == SQLite && equalFold(w, "unistr") && decode:
			if s, e, ok := r.unistr(b, e); ok {
				kind, j, raw = String, e, s
			}
		}
	}
	if j >= 0 {
		k, err := r.spCond(b, j, cond)
		if err != nil {
			return 0, err
		}
		if k >= len(b) || b[k] == ',' || b[k] == ')' {
			// At the end of the input the caller reports the unterminated row.
			if decode {
				r.vals = append(r.vals, Value{Kind: kind, Raw: raw})
			}
			return k, nil
		}
	}
	// Anything else is an expression, kept as written.
	r.scr = scr0
	e, err := r.expr(b, start)
	if err != nil {
		return 0, err
	}
	if decode {
		r.vals = append(r.vals, Value{Kind: Expr, Raw: trimSpace(b[start:e])})
	}
	return e, nil
}

var one, zero = []byte("1"), []byte("0")

// number returns the end of the numeric literal at b[i] and whether it is
// an integer; the end is i if there is none.
func (r *Reader) number(b []byte, i int) (int, bool, error) {
	j := i
	if b[j] == '-' || b[j] == '+' {
		j++
	}
	digits := 0
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
		digits++
	}
	isInt := true
	if j < len(b) && b[j] == '.' {
		isInt = false
		j++
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
			digits++
		}
	}
	if digits == 0 {
		if j >= len(b) && !r.eof {
			return 0, false, errNeedMore
		}
		return i, false, nil
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		k := j + 1
		if k < len(b) && (b[k] == '-' || b[k] == '+') {
			k++
		}
		n := k
		for k < len(b) && '0' <= b[k] && b[k] <= '9' {
			k++
		}
		if k >= len(b) && !r.eof {
			return 0, false, errNeedMore
		}
		if k > n {
			j, isInt = k, false
		}
	}
	if j >= len(b) && !r.eof {
		return 0, false, errNeedMore
	}
	return j, isInt, nil
}

// expr returns the index of the ',' or ')' that ends the expression at b[i],
// skipping strings, comments and nested parentheses.
func (r *Reader) expr(b []byte, i int) (int, error) {
	start := i
	depth := 0
	for {
		if i >= len(b) {
			if r.eof {
				return 0, r.errAt(start, "unterminated value in row")
			}
			return 0, errNeedMore
		}
		switch c := b[i]; c {
		case ',':
			if depth == 0 {
				return i, nil
			}
			i++
		case '(':
			depth++
			i++
		case ')':
			if depth == 0 {
				return i, nil
			}
			depth--
			i++
		case '\'', '"', '`', '[':
			if c == '[' && r.dialect != SQLite || c == '`' && r.dialect == Postgres {
				i++
				continue
			}
			j, err := r.skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = j
		case '-', '#', '/':
			j, ok, err := r.comment(b, i)
			if err != nil {
				return 0, err
			}
			if ok {
				i = j
			} else {
				i++
			}
		case '$':
			if r.dialect != Postgres {
				i++
				continue
			}
			j, err := r.dollar(b, i)
			if err != nil {
				return 0, err
			}
			i = j
		default:
			if c == r.delim[0] && depth == 0 {
				d, err := r.isDelim(b, i)
				if err != nil {
					return 0, err
				}
				if d {
					return 0, r.errAt(i, "statement ends inside a row")
				}
			}
			i++
		}
	}
}

// unquote returns the content of a string literal with its escapes decoded,
// in b itself when there is nothing to decode, else in r.scratch. The
// decoded text is never longer than the literal, so r.scratch, as large as
// the buffer, never grows while a row is read.
func (r *Reader) unquote(s []byte, q byte, bs bool) []byte {
	nq := bytes.IndexByte(s, q)
	nb := -1
	if bs {
		nb = bytes.IndexByte(s, '\\')
	}
	if nq < 0 && nb < 0 {
		return s
	}
	out := r.scratch[r.scr:r.scr]
	pos := 0
	for {
		// nq and nb are the next quote and backslash at or after pos, or -1.
		k := nq
		if nb >= 0 && (k < 0 || nb < k) {
			k = nb
		}
		if k < 0 {
			out = append(out, s[pos:]...)
			break
		}
		out = append(out, s[pos:k]...)
		switch {
		case k == nq:
			// A doubled quote (skipQuoted made sure of it).
			out = append(out, q)
			pos = k + 2
		case k+1 >= len(s):
			out = append(out, '\\')
			pos = k + 1
		case r.dialect == Postgres:
			var n int
			out, n = pgEscape(out, s[k:])
			pos = k + n
		default:
			switch e := s[k+1]; e {
			case '0':
				out = append(out, 0)
			case 'b':
				out = append(out, '\b')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'Z':
				out = append(out, 26)
			case '%', '_':
				out = append(out, '\\', e)
			default:
				out = append(out, e)
			}
			pos = k + 2
		}
		pos = min(pos, len(s))
		if nq >= 0 && nq < pos {
			nq = indexFrom(s, pos, q)
		}
		if nb >= 0 && nb < pos {
			nb = indexFrom(s, pos, '\\')
		}
	}
	r.scr += len(out)
	return out[:len(out):len(out)]
}

// indexFrom returns the index of the first c in s at or after i, or -1.
func indexFrom(s []byte, i int, c byte) int {
	k := bytes.IndexByte(s[i:], c)
	if k < 0 {
		return -1
	}
	return i + k
}

// pgEscape decodes the PostgreSQL escape sequence at the start of s (s[0]
// is a backslash) and returns out with it appended and its length.
func pgEscape(out, s []byte) ([]byte, int) {
	switch e := s[1]; e {
	case 'b':
		return append(out, '\b'), 2
	case 'f':
		return append(out, '\f'), 2
	case 'n':
		return append(out, '\n'), 2
	case 'r':
		return append(out, '\r'), 2
	case 't':
		return append(out, '\t'), 2
	case 'v':
		return append(out, '\v'), 2
	case '0', '1', '2', '3', '4', '5', '6', '7':
		v, n := 0, 1
		for n < 4 && n < len(s) && '0' <= s[n] && s[n] <= '7' {
			v = v*8 + int(s[n]-'0')
			n++
		}
		return append(out, byte(v)), n
	case 'x':
		v, n := 0, 2
		for n < 4 && n < len(s) && hexVal(s[n]) >= 0 {
			v = v*16 + hexVal(s[n])
			n++
		}
		if n == 2 {
			return append(out, 'x'), 2
		}
		return append(out, byte(v)), n
	case 'u', 'U':
		w := 4
		if e == 'U' {
			w = 8
		}
		if len(s) >= 2+w {
			v := 0
			for _, h := range s[2 : 2+w] {
				if hexVal(h) < 0 {
					return append(out, e), 2
				}
				v = v*16 + hexVal(h)
			}
			if v <= 0x10FFFF {
				return appendRune(out, rune(v)), 2 + w
			}
		}
		return append(out, e), 2
	default:
		return append(out, e), 2
	}
}

func appendRune(out []byte, c rune) []byte {
	var tmp [4]byte
	n := encodeRune(tmp[:], c)
	return append(out, tmp[:n]...)
}

func encodeRune(p []byte, c rune) int {
	switch {
	case c < 0x80:
		p[0] = byte(c)
		return 1
	case c < 0x800:
		p[0], p[1] = 0xC0|byte(c>>6), 0x80|byte(c)&0x3F
		return 2
	case c < 0x10000:
		p[0], p[1], p[2] = 0xE0|byte(c>>12), 0x80|byte(c>>6)&0x3F, 0x80|byte(c)&0x3F
		return 3
	}
	p[0], p[1], p[2], p[3] = 0xF0|byte(c>>18), 0x80|byte(c>>12)&0x3F, 0x80|byte(c>>6)&0x3F, 0x80|byte(c)&0x3F
	return 4
}

func hexVal(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unhex decodes hexadecimal digits into r.scratch. An odd number of digits
// is padded on the left when pad is set (0x literals), else refused.
func (r *Reader) unhex(h []byte, pad bool) ([]byte, bool) {
	if len(h)%2 == 1 && !pad || len(h) == 0 && pad {
		return nil, false
	}
	if r.scr+len(h) > len(r.scratch) {
		// Only when not decoding (the scratch buffer is not ready): check.
		for _, c := range h {
			if hexVal(c) < 0 {
				return nil, false
			}
		}
		return nil, true
	}
	out := r.scratch[r.scr:r.scr]
	if len(h)%2 == 1 {
		v := hexVal(h[0])
		if v < 0 {
			return nil, false
		}
		out = append(out, byte(v))
		h = h[1:]
	}
	for k := 0; k+1 < len(h); k += 2 {
		a, b := hexVal(h[k]), hexVal(h[k+1])
		if a < 0 || b < 0 {
			return nil, false
		}
		out = append(out, byte(a<<4|b))
	}
	r.scr += len(out)
	return out[:len(out):len(out)], true
}

// unbits decodes binary digits into r.scratch, padded on the left to whole
// bytes.
func (r *Reader) unbits(h []byte) ([]byte, bool) {
	for _, c := range h {
		if c != '0' && c != '1' {
			return nil, false
		}
	}
	if r.scr+len(h) > len(r.scratch) {
		return nil, true
	}
	out := r.scratch[r.scr:r.scr]
	v, n := byte(0), (8-len(h)%8)%8
	for _, c := range h {
		v = v<<1 | (c - '0')
		n++
		if n == 8 {
			out = append(out, v)
			v, n = 0, 0
		}
	}
	r.scr += len(out)
	return out[:len(out):len(out)], true
}

// replaceExpr evaluates the replace(...) expressions that the sqlite3 shell
// writes for strings holding newlines, such as
// replace('a\nb','\n',char(10)), and returns the string and the index after
// the expression.
func (r *Reader) replaceExpr(b []byte, i int) ([]byte, int, bool) {
	s, e, ok := evalReplace(b, i, 0)
	if !ok || len(s) > e-i || r.scr+len(s) > len(r.scratch) {
		return nil, 0, false
	}
	out := append(r.scratch[r.scr:r.scr], s...)
	r.scr += len(out)
	return out[:len(out):len(out)], e, true
}

// evalReplace evaluates a string argument of a replace(...) call at b[i]: a
// string literal, char(n, ...), or a nested replace(x, y, z).
func evalReplace(b []byte, i, depth int) ([]byte, int, bool) {
	if depth > 8 {
		return nil, 0, false
	}
	for i < len(b) && spaceTab[b[i]] {
		i++
	}
	if i >= len(b) {
		return nil, 0, false
	}
	if b[i] == '\'' {
		j := skipQuoted(b, i, '\'', false, false)
		if j < 0 {
			return nil, 0, false
		}
		return []byte(strings.ReplaceAll(string(b[i+1:j-1]), "''", "'")), j, true
	}
	j := i
	for j < len(b) && identTab[b[j]] {
		j++
	}
	if j >= len(b) || b[j] != '(' {
		return nil, 0, false
	}
	name := b[i:j]
	j++
	switch {
	case equalFold(name, "char"):
		var out []byte
		for {
			for j < len(b) && spaceTab[b[j]] {
				j++
			}
			v, n := 0, 0
			for j < len(b) && '0' <= b[j] && b[j] <= '9' && n < 8 {
				v = v*10 + int(b[j]-'0')
				j++
				n++
			}
			for j < len(b) && spaceTab[b[j]] {
				j++
			}
			if n == 0 || j >= len(b) || v > 0x10FFFF {
				return nil, 0, false
			}
			out = appendRune(out, rune(v))
			if b[j] == ')' {
				return out, j + 1, true
			}
			if b[j] != ',' {
				return nil, 0, false
			}
			j++
		}
	case equalFold(name, "replace"):
		var args [3][]byte
		for k := range args {
			s, e, ok := evalReplace(b, j, depth+1)
			if !ok {
				return nil, 0, false
			}
			args[k] = s
			for e < len(b) && spaceTab[b[e]] {
				e++
			}
			want := byte(',')
			if k == 2 {
				want = ')'
			}
			if e >= len(b) || b[e] != want {
				return nil, 0, false
			}
			j = e + 1
		}
		if len(args[1]) == 0 {
			return args[0], j, true
		}
		return bytes.ReplaceAll(args[0], args[1], args[2]), j, true
	}
	return nil, 0, false
}

// resetRow prepares the row buffers for a new row. r.scratch is kept at
// least as large as the input buffer: a row's decoded values are never
// longer than its text, so it never grows while a row is read.
func (r *Reader) resetRow() {
	if cap(r.scratch) < len(r.buf) {
		r.scratch = make([]byte, len(r.buf))
	}
	r.scratch = r.scratch[:cap(r.scratch)]
	r.scr = 0
	r.vals = r.vals[:0]
}

// unistr decodes the unistr('...') call whose name ends at b[i], which
// newer sqlite3 shells write for strings with control characters: \XXXX,
// \uXXXX, \+XXXXXX and \UXXXXXXXX are code points, \\ is a backslash.
func (r *Reader) unistr(b []byte, i int) ([]byte, int, bool) {
	if i+1 >= len(b) || b[i] != '(' || b[i+1] != '\'' {
		return nil, 0, false
	}
	q := skipQuoted(b, i+1, '\'', false, false)
	if q < 0 || q >= len(b) || b[q] != ')' {
		return nil, 0, false
	}
	s := b[i+2 : q-1]
	out := r.scratch[r.scr:r.scr]
	for len(s) > 0 {
		k := bytes.IndexByte(s, '\\')
		if k < 0 {
			out = append(out, s...)
			break
		}
		out = append(out, s[:k]...)
		s = s[k:]
		if len(s) >= 2 && s[1] == '\\' {
			out = append(out, '\\')
			s = s[2:]
			continue
		}
		skip, w := 1, 4
		if len(s) >= 2 {
			switch s[1] {
			case 'u':
				skip = 2
			case '+':
				skip, w = 2, 6
			case 'U':
				skip, w = 2, 8
			}
		}
		if len(s) < skip+w {
			return nil, 0, false
		}
		v := 0
		for _, h := range s[skip : skip+w] {
			if hexVal(h) < 0 {
				return nil, 0, false
			}
			v = v<<4 | hexVal(h)
		}
		if v > 0x10FFFF {
			return nil, 0, false
		}
		out = appendRune(out, rune(v))
		s = s[skip+w:]
	}
	// Doubled quotes inside the literal.
	n := 0
	for k := 0; k < len(out); k++ {
		out[n] = out[k]
		if out[k] == '\'' && k+1 < len(out) && out[k+1] == '\'' {
			k++
		}
		n++
	}
	out = out[:n]
	r.scr += len(out)
	return out[:len(out):len(out)], q + 1, true
}
