package sqlparse

import (
	"io"
	"math/bits"
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
	if r.mode == modeInsert {
		// row's work without its loop, for a row that is in the buffer.
		r.mark = r.pos
		switch err := r.tuple(true); err {
		case nil:
			return r.vals, nil
		case io.EOF:
			r.mode = modeStmt
			return nil, io.EOF
		case errNeedMore:
			// row fills the buffer and reads the row again.
		default:
			r.err = err
			return nil, err
		}
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
	var i int
	var err error
	if j := r.pos; !r.first && j+2 < len(b) && b[j] == ',' && (b[j+1] == '(' || b[j+1] == '\n' && b[j+2] == '(') {
		// rowStart's fast path, inline: ",(" or ",\n(" between rows.
		i = j + 1
		if b[i] != '(' {
			i++
		}
	} else if i, err = r.rowStart(b, &cond); err != nil {
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
		esc := byte('\'') // what starts an escape in a string
		if bs {
			esc = '\\'
		}
		for {
			if decode && !r.slowOnly {
				full := vals[:cap(vals)]
				j, n, done := r.valuesFast(b, i, full, len(vals), esc)
				vals, i = full[:n], j
				if done {
					r.vals = vals
					break
				}
			}
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
				j, kind := decimal(b, i)
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
			case spStart[c]:
				// White space or a comment before the value.
				j, err := r.spCond(b, i, &cond)
				if err != nil {
					return err
				}
				if j > i {
					i = j
					continue
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
		}
	}
	r.pos = i
	r.first = false
	r.cond = cond
	return nil
}

// valuesFast decodes the values from b[i] into vals[n:] while they are
// strings in single quotes (esc is the byte that starts an escape besides
// a doubled quote), decimal numbers or NULL, each directly followed by ')'
// or by ',' and at most one space, and there is room in vals and 66 bytes
// ahead in b. It returns where it stopped (the start of a value it does not
// take), the new count of values, and whether it read the row's closing ')'.
func (r *Reader) valuesFast(b []byte, i int, vals []Value, n int, esc byte) (int, int, bool) {
	for i+66 <= len(b) && n < len(vals) {
		var j int
		switch c := b[i]; {
		case c == '\'':
			m := find2x64(&b[i+1], '\'', esc)
			if m == 0 {
				return i, n, false
			}
			k := i + 1 + bits.TrailingZeros64(m)
			if b[k] == '\'' && b[k+1] != '\'' {
				vals[n] = Value{Kind: String, Raw: b[i+1 : k : k]}
				j = k + 1
				break
			}
			// An escape or a doubled quote at b[k].
			j = skipQuotedFrom(b, i, k, '\'', esc == '\\', false)
			if j < 0 || j >= len(b) {
				return i, n, false
			}
			vals[n] = Value{Kind: String, Raw: r.unquote(b[i+1:j-1], '\'', esc == '\\')}
		case '0' <= c && c <= '9':
			var kind ValueKind
			j, kind = decimal(b, i)
			if j >= len(b) {
				return i, n, false
			}
			vals[n] = Value{Kind: kind, Raw: b[i:j:j]}
		case c == 'N' || c == 'n':
			if !equalFold(b[i:i+4], "null") {
				return i, n, false
			}
			vals[n] = Value{Kind: Null}
			j = i + 4
		default:
			return i, n, false
		}
		switch b[j] {
		case ',':
			n++
			i = j + 1
			if i < len(b) && b[i] == ' ' {
				i++ // "(1, 'a')" as phpMyAdmin and people write it
			}
		case ')':
			return j + 1, n + 1, true
		default:
			return i, n, false // vals[n] is overwritten later
		}
	}
	return i, n, false
}

// decimal returns the end of the digits, and of the '.' and digits that
// may follow them, from the digit at b[i], and whether they make an Int or a
// Number.
func decimal(b []byte, i int) (int, ValueKind) {
	j := i + 1
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
	}
	if j >= len(b) || b[j] != '.' {
		return j, Int
	}
	j++
	for j < len(b) && '0' <= b[j] && b[j] <= '9' {
		j++
	}
	return j, Number
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
				if r.fast {
					if e := r.skipRowsFast(b, i, r.dialect == MySQL && !r.noBackslash); e > i {
						r.fastBytes += int64(e - i)
						r.pos, r.first, r.cond = e, false, cond
						continue
					}
				}
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
			if r.dialect == Postgres && i > 0 && (b[i-1] == 'E' || b[i-1] == 'e') {
				j, err := r.skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = j
				continue
			}
			j := skipStr(b, i, c, bs, r.eof)
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
				if r.dialect == Postgres {
					// A national character literal is of type char in
					// PostgreSQL: a cast to varchar or text drops its
					// trailing spaces. It stays an expression.
					j = -1
					break
				}
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
