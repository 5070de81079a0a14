package sqlparse

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strings"
)

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

// unquote returns the content of a string literal with its escapes decoded,
// in b itself when there is nothing to decode, else in r.scratch. The
// decoded text is never longer than the literal, so r.scratch, as large as
// the buffer, never grows while a row is read.
func (r *Reader) unquote(s []byte, q byte, bs bool) []byte {
	k := nextSpecial(s, 0, q, bs)
	if k < 0 {
		return s
	}
	if bs && r.dialect != Postgres && r.scr+len(s) <= len(r.scratch) {
		return r.unquoteBS(s, q, k)
	}
	out := r.scratch[r.scr:r.scr]
	pos := 0
	for k >= 0 {
		out = append(out, s[pos:k]...)
		switch {
		case s[k] == q:
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
		k = nextSpecial(s, pos, q, bs)
	}
	out = append(out, s[pos:]...)
	r.scr += len(out)
	return out[:len(out):len(out)]
}

// unquoteBS is unquote for strings with MySQL backslash escapes whose
// first escape is at s[k]. It copies the text between escapes eight bytes
// at a time into r.scratch, which must have room for len(s) bytes after
// r.scr: the decoded text is never longer than s, and a word it stores
// past the end of the text is overwritten or left unused.
func (r *Reader) unquoteBS(s []byte, q byte, k int) []byte {
	sc := r.scratch
	start := r.scr
	o := start + copy(sc[start:], s[:k])
	p := k
	qq := uint64(q) * ones
	for {
		// Here o-start <= p: each escape is at least as long as its value.
		for p < len(s) && s[p] != q && s[p] != '\\' {
			for p+8 <= len(s) && o+8 <= len(sc) {
				v := binary.LittleEndian.Uint64(s[p:])
				binary.LittleEndian.PutUint64(sc[o:], v)
				if m := zeroBytes(v^qq) | zeroBytes(v^('\\'*ones)); m != 0 {
					n := bits.TrailingZeros64(m) >> 3
					p, o = p+n, o+n
					break
				}
				p, o = p+8, o+8
			}
			if p >= len(s) || s[p] == q || s[p] == '\\' {
				break
			}
			sc[o] = s[p]
			p, o = p+1, o+1
		}
		if p >= len(s) {
			break
		}
		switch {
		case s[p] == q:
			// A doubled quote (skipQuoted made sure of it).
			sc[o] = q
			o++
			p += 2
		case p+1 >= len(s):
			sc[o] = '\\'
			o++
			p++
		default:
			e := s[p+1]
			switch e {
			case '0':
				e = 0
			case 'b':
				e = '\b'
			case 'n':
				e = '\n'
			case 'r':
				e = '\r'
			case 't':
				e = '\t'
			case 'Z':
				e = 26
			case '%', '_':
				sc[o] = '\\'
				o++
			}
			sc[o] = e
			o++
			p += 2
		}
	}
	r.scr = o
	return sc[start:o:o]
}

// nextSpecial returns the index of the first quote q, or backslash if bs
// is set, at or after s[j], or -1. It looks at eight bytes at a time.
func nextSpecial(s []byte, j int, q byte, bs bool) int {
	qq := uint64(q) * ones
	for ; j+8 <= len(s); j += 8 {
		v := binary.LittleEndian.Uint64(s[j:])
		m := zeroBytes(v ^ qq)
		if bs {
			m |= zeroBytes(v ^ ('\\' * ones))
		}
		if m != 0 {
			return j + bits.TrailingZeros64(m)>>3
		}
	}
	for ; j < len(s); j++ {
		if s[j] == q || bs && s[j] == '\\' {
			return j
		}
	}
	return -1
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
