package sqlparse

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Scanning helpers. They work on b = r.buf[:r.end] and return errNeedMore
// when b ends before the item they scan does and the input has more; at the
// end of the input they report an unterminated item as a syntax error.

// spaceTab marks ASCII white space.
var spaceTab = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\f': true, '\v': true}

// identTab marks the bytes of unquoted identifiers and keywords.
var identTab = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t['$'] = true, true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// skipQuoted returns the index just after the string, quoted identifier or
// bracketed name that starts with the quote at b[i], or -1 if b ends first.
// With bs, a backslash escapes the next byte; a doubled quote always stands
// for one quote.
func skipQuoted(b []byte, i int, q byte, bs, eof bool) int {
	return skipQuotedFrom(b, i, i+1, q, bs, eof)
}

// skipQuotedFrom is skipQuoted starting the search at b[j].
func skipQuotedFrom(b []byte, i, j int, q byte, bs, eof bool) int {
	for {
		k := bytes.IndexByte(b[j:], q)
		if k < 0 {
			return -1
		}
		j += k
		if bs && b[j-1] == '\\' {
			n := 1
			for p := j - 2; p > i && b[p] == '\\'; p-- {
				n++
			}
			if n&1 == 1 {
				j++
				continue
			}
		}
		if j+1 >= len(b) {
			if eof {
				return j + 1
			}
			return -1
		}
		if b[j+1] == q {
			j += 2
			continue
		}
		return j + 1
	}
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// zeroBytes marks with 0x80 the lowest zero byte of v (higher marks may be
// wrong, so only the lowest one is used).
func zeroBytes(v uint64) uint64 { return (v - ones) &^ v & highs }

// scanString is skipQuoted tuned for the short strings that make up most
// dumps: it looks for the quote and, with bs, the backslash eight bytes at a
// time, and switches to bytes.IndexByte once the string is long. It also
// reports whether the string may hold escapes (a backslash or a doubled
// quote); when it returns false, the bytes between the quotes are the value.
func scanString(b []byte, i int, q byte, bs, eof bool) (int, bool) {
	j := i + 1
	n := len(b)
	if j+64 <= n {
		// One 64-byte look for the closing quote or a backslash.
		c := q
		if bs {
			c = '\\'
		}
		m := find2x64(&b[j], q, c)
		if m == 0 {
			// A long string: b[j+63] is not a backslash.
			return skipQuotedFrom(b, i, j+64, q, bs, eof), true
		}
		k := j + bits.TrailingZeros64(m)
		if b[k] == q && k+1 < n && b[k+1] != q {
			return k + 1, false
		}
		j = k // an escape or a doubled quote: go on below
	}
	qq := uint64(q) * ones
	esc := false
	for j+8 <= n {
		v := binary.LittleEndian.Uint64(b[j:])
		m := zeroBytes(v ^ qq)
		if bs {
			m |= zeroBytes(v ^ ('\\' * ones))
		}
		if m == 0 {
			j += 8
			if j-i > 64 {
				// A long string: continue with IndexByte. j never points
				// at the second byte of an escape, so skipQuoted's
				// backslash counting stays right.
				return skipQuotedFrom(b, i, j, q, bs, eof), true
			}
			continue
		}
		j += bits.TrailingZeros64(m) >> 3
		if b[j] != q {
			esc = true // a backslash
			j += 2
			continue
		}
		if j+1 >= n {
			break
		}
		if b[j+1] != q {
			return j + 1, esc
		}
		esc = true
		j += 2
	}
	for j < n {
		c := b[j]
		if c == q {
			if j+1 >= n {
				if eof {
					return j + 1, esc
				}
				return -1, esc
			}
			if b[j+1] != q {
				return j + 1, esc
			}
			esc = true
			j += 2
			continue
		}
		if c == '\\' && bs {
			esc = true
			j += 2
			continue
		}
		j++
	}
	return -1, esc
}

// backslashes reports whether a string starting with the quote at b[i]
// takes backslash escapes in the reader's dialect and settings.
func (r *Reader) backslashes(b []byte, i int) bool {
	switch r.dialect {
	case MySQL:
		return !r.noBackslash
	case Postgres:
		if b[i] != '\'' {
			return false
		}
		if !r.stdStrings {
			return true
		}
		return i > 0 && (b[i-1] == 'E' || b[i-1] == 'e') && (i == 1 || !identTab[b[i-2]])
	}
	return false
}

// skipString skips the quoted item at b[i] (', ", ` or [).
func (r *Reader) skipString(b []byte, i int) (int, error) {
	c := b[i]
	var j int
	switch c {
	case '[':
		k := bytes.IndexByte(b[i+1:], ']')
		if k < 0 {
			j = -1
		} else {
			j = i + 1 + k + 1
		}
	case '`':
		j = skipQuoted(b, i, c, false, r.eof)
	default:
		j, _ = scanString(b, i, c, r.backslashes(b, i), r.eof)
	}
	if j < 0 {
		if r.eof {
			what := "string"
			if c == '`' || c == '[' || c == '"' && r.dialect != MySQL {
				what = "quoted identifier"
			}
			return 0, r.errAt(i, "unterminated "+what)
		}
		return 0, errNeedMore
	}
	return j, nil
}

// comment reports whether a comment starts at b[i] and returns the index
// after it. MySQL conditional comments (/*! and /*M!) are code, not
// comments.
func (r *Reader) comment(b []byte, i int) (int, bool, error) {
	c := b[i]
	switch c {
	case '-':
		if i+1 >= len(b) {
			if r.eof {
				return i, false, nil
			}
			return 0, false, errNeedMore
		}
		if b[i+1] != '-' {
			return i, false, nil
		}
		if r.dialect == MySQL {
			// "--" starts a comment only before white space or a control byte.
			if i+2 >= len(b) {
				if !r.eof {
					return 0, false, errNeedMore
				}
			} else if b[i+2] > ' ' {
				return i, false, nil
			}
		}
		j, err := r.lineEnd(b, i)
		return j, true, err
	case '#':
		if r.dialect != MySQL {
			return i, false, nil
		}
		j, err := r.lineEnd(b, i)
		return j, true, err
	case '/':
		if i+1 >= len(b) {
			if r.eof {
				return i, false, nil
			}
			return 0, false, errNeedMore
		}
		if b[i+1] != '*' {
			return i, false, nil
		}
		if r.dialect == MySQL {
			if i+3 >= len(b) && !r.eof {
				return 0, false, errNeedMore
			}
			if i+2 < len(b) && b[i+2] == '!' || i+3 < len(b) && b[i+2] == 'M' && b[i+3] == '!' {
				return i, false, nil
			}
		}
		j, err := r.blockEnd(b, i)
		return j, true, err
	}
	return i, false, nil
}

// lineEnd returns the index after the newline that ends the line holding
// b[i], or len(b) at the end of the input.
func (r *Reader) lineEnd(b []byte, i int) (int, error) {
	k := bytes.IndexByte(b[i:], '\n')
	if k < 0 {
		if r.eof {
			return len(b), nil
		}
		return 0, errNeedMore
	}
	return i + k + 1, nil
}

// blockEnd returns the index after the /* */ comment that starts at b[i].
// PostgreSQL comments nest.
func (r *Reader) blockEnd(b []byte, i int) (int, error) {
	j := i + 2
	depth := 1
	for {
		k := bytes.IndexByte(b[j:], '/')
		if k < 0 {
			break
		}
		j += k
		if j > 0 && b[j-1] == '*' && j-1 >= i+2 {
			depth--
			if depth == 0 || r.dialect != Postgres {
				return j + 1, nil
			}
			j++
			continue
		}
		if r.dialect == Postgres && j+1 < len(b) && b[j+1] == '*' {
			depth++
			j += 2
			continue
		}
		j++
	}
	if r.eof {
		return 0, r.errAt(i, "unterminated comment")
	}
	return 0, errNeedMore
}

// sp skips white space and comments from b[i].
func (r *Reader) sp(b []byte, i int) (int, error) {
	for {
		for i < len(b) && spaceTab[b[i]] {
			i++
		}
		if i >= len(b) {
			if r.eof {
				return i, nil
			}
			return 0, errNeedMore
		}
		j, ok, err := r.comment(b, i)
		if err != nil || !ok {
			return j, err
		}
		i = j
	}
}

// spCond is sp for VALUES lists: it also skips the markers of MySQL
// conditional comments, /*!NNNNN and */, whose content is code, counting
// them in *cond.
func (r *Reader) spCond(b []byte, i int, cond *int) (int, error) {
	for {
		for i < len(b) && spaceTab[b[i]] {
			i++
		}
		if i >= len(b) {
			if r.eof {
				return i, nil
			}
			return 0, errNeedMore
		}
		c := b[i]
		if c == '/' && r.dialect == MySQL && i+2 < len(b) && b[i+1] == '*' && (b[i+2] == '!' || b[i+2] == 'M') {
			j := i + 3
			mariaOnly := b[i+2] == 'M'
			if mariaOnly {
				if j >= len(b) {
					if !r.eof {
						return 0, errNeedMore
					}
				} else if b[j] == '!' {
					j++
				}
			}
			if j <= len(b) && b[j-1] == '!' {
				v := 0
				for j < len(b) && '0' <= b[j] && b[j] <= '9' {
					v = min(v*10+int(b[j]-'0'), 1<<30)
					j++
				}
				if j >= len(b) && !r.eof {
					return 0, errNeedMore
				}
				if !r.server.runs(mariaOnly, v) {
					// A comment to the target server: skip it whole.
					k := bytes.Index(b[j:], []byte("*/"))
					if k < 0 {
						if !r.eof {
							return 0, errNeedMore
						}
						return 0, r.errAt(i, "unterminated comment")
					}
					i = j + k + 2
					continue
				}
				*cond++
				i = j
				continue
			}
		}
		if c == '*' && *cond > 0 {
			if i+1 >= len(b) {
				if !r.eof {
					return 0, errNeedMore
				}
			} else if b[i+1] == '/' {
				*cond--
				i += 2
				continue
			}
		}
		j, ok, err := r.comment(b, i)
		if err != nil || !ok {
			return j, err
		}
		i = j
	}
}

// isDelim reports whether the delimiter starts at b[i].
func (r *Reader) isDelim(b []byte, i int) (bool, error) {
	d := r.delim
	if b[i] != d[0] {
		return false, nil
	}
	if len(d) == 1 {
		return true, nil
	}
	if len(b)-i < len(d) {
		if r.eof {
			return false, nil
		}
		return false, errNeedMore
	}
	return bytes.Equal(b[i:i+len(d)], d), nil
}

// dollar returns the end of the PostgreSQL dollar-quoted string that starts
// at b[i], or i+1 if b[i] does not start one.
func (r *Reader) dollar(b []byte, i int) (int, error) {
	if i > 0 && identTab[b[i-1]] {
		return i + 1, nil // part of an identifier such as a$b
	}
	j := i + 1
	for j < len(b) && identTab[b[j]] && b[j] != '$' {
		j++
	}
	if j >= len(b) {
		if r.eof {
			return len(b), nil
		}
		return 0, errNeedMore
	}
	if b[j] != '$' || j > i+1 && '0' <= b[i+1] && b[i+1] <= '9' {
		return i + 1, nil // $1 parameter or lone $
	}
	tag := b[i : j+1]
	k := bytes.Index(b[j+1:], tag)
	if k < 0 {
		if r.eof {
			return 0, r.errAt(i, "unterminated dollar-quoted string")
		}
		return 0, errNeedMore
	}
	return j + 1 + k + len(tag), nil
}

// How scanStmt finds the end of a statement.
type scanMode uint8

const (
	scanPlain   scanMode = iota // at the delimiter
	scanUse                     // at the delimiter or a newline (MySQL's USE command)
	scanTrigger                 // at a delimiter after "; END" (SQLite CREATE TRIGGER)
	scanBlocks                  // at a delimiter outside BEGIN/CASE ... END (PostgreSQL BEGIN ATOMIC bodies)
)

// scanStmt finds the end of the statement whose text continues at b[i]. It
// returns the index where its text ends (at the delimiter) and the index
// after the delimiter. At the end of the input the statement ends there.
func (r *Reader) scanStmt(i int, mode scanMode) (int, int, error) {
	b := r.buf[:r.end]
	d0 := r.delim[0]
	depth := 0  // parentheses, PostgreSQL only
	blocks := 0 // BEGIN/CASE ... END, in scanBlocks mode
	tab := &r.special
	if mode == scanBlocks {
		tab = &r.specialWords
	}
	for {
		if mode == scanUse {
			for i < len(b) && !tab[b[i]] && b[i] != '\n' {
				i++
			}
		} else {
			i = skipPlain(b, i, tab)
		}
		if i >= len(b) {
			if r.eof {
				return len(b), len(b), nil
			}
			return 0, 0, errNeedMore
		}
		c := b[i]
		if c == d0 && depth == 0 && blocks == 0 {
			ok, err := r.isDelim(b, i)
			if err != nil {
				return 0, 0, err
			}
			if ok && (mode != scanTrigger || triggerEnd(b, i)) {
				return i, i + len(r.delim), nil
			}
		}
		switch c {
		case '\n':
			return i, i + 1, nil
		case '\'', '"', '`', '[':
			j, err := r.skipString(b, i)
			if err != nil {
				return 0, 0, err
			}
			i = j
		case '-', '#':
			j, ok, err := r.comment(b, i)
			if err != nil {
				return 0, 0, err
			}
			if ok {
				i = j
			} else {
				i++
			}
		case '/':
			j, ok, err := r.comment(b, i)
			if err != nil {
				return 0, 0, err
			}
			switch {
			case ok:
				i = j
			case r.dialect == MySQL && i+2 < len(b) && b[i+1] == '*':
				i += 3 // conditional comment: its content is code
			default:
				i++
			}
		case '$':
			if r.dialect != Postgres {
				i++
				continue
			}
			j, err := r.dollar(b, i)
			if err != nil {
				return 0, 0, err
			}
			i = j
		case '(':
			if r.dialect == Postgres {
				depth++
			}
			i++
		case ')':
			if depth > 0 {
				depth--
			}
			i++
		default:
			if mode != scanBlocks || !identTab[c] {
				i++
				continue
			}
			j, err := r.wordEnd(b, i)
			if err != nil {
				return 0, 0, err
			}
			if i == 0 || !identTab[b[i-1]] {
				switch w := b[i:j]; {
				case equalFold(w, "begin"), equalFold(w, "case"):
					blocks++
				case equalFold(w, "end"):
					if blocks > 0 {
						blocks--
					}
				}
			}
			i = j
		}
	}
}

// triggerEnd reports whether the delimiter at b[i] ends a SQLite CREATE
// TRIGGER statement: it must follow "; END".
func triggerEnd(b []byte, i int) bool {
	j := i
	for j > 0 && spaceTab[b[j-1]] {
		j--
	}
	if j < 3 || !equalFold(b[j-3:j], "end") || j > 3 && identTab[b[j-4]] {
		return false
	}
	j -= 3
	for j > 0 && spaceTab[b[j-1]] {
		j--
	}
	return j > 0 && b[j-1] == ';'
}

// wordEnd returns the end of the keyword or unquoted identifier at b[i].
func (r *Reader) wordEnd(b []byte, i int) (int, error) {
	j := i
	for j < len(b) && identTab[b[j]] {
		j++
	}
	if j >= len(b) && !r.eof {
		return 0, errNeedMore
	}
	return j, nil
}

// trimSpace returns b without leading and trailing white space.
func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && spaceTab[b[i]] {
		i++
	}
	for j > i && spaceTab[b[j-1]] {
		j--
	}
	return b[i:j]
}

// skipPlain returns the index of the first byte at or after b[i] marked in
// tab, or len(b). It tests four bytes per iteration.
func skipPlain(b []byte, i int, tab *[256]bool) int {
	for ; i+4 <= len(b); i += 4 {
		w := b[i : i+4 : i+4]
		if tab[w[0]] {
			return i
		}
		if tab[w[1]] {
			return i + 1
		}
		if tab[w[2]] {
			return i + 2
		}
		if tab[w[3]] {
			return i + 3
		}
	}
	for ; i < len(b); i++ {
		if tab[b[i]] {
			return i
		}
	}
	return i
}

// skipStr is skipQuoted for skipRow, which does not need to know about
// escapes: it looks for the quote alone, eight bytes at a time, and leaves
// escaped and doubled quotes, long strings and the end of b to
// skipQuotedFrom, whose backslash counting looks back from the quote.
func skipStr(b []byte, i int, q byte, bs, eof bool) int {
	j := i + 1
	qq := uint64(q) * ones
	for j+8 <= len(b) && j-i <= 64 {
		m := zeroBytes(binary.LittleEndian.Uint64(b[j:]) ^ qq)
		if m == 0 {
			j += 8
			continue
		}
		k := j + bits.TrailingZeros64(m)>>3
		if bs && b[k-1] == '\\' || k+1 >= len(b) || b[k+1] == q {
			return skipQuotedFrom(b, i, k, q, bs, eof)
		}
		return k + 1
	}
	return skipQuotedFrom(b, i, j, q, bs, eof)
}
