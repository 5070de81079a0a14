package sqlparse

import (
	"bytes"
	"io"
)

// copyStmt reads a PostgreSQL COPY statement that starts at b[s]. A COPY
// ... FROM stdin is followed by its data lines, read as rows; any other COPY
// is an Other statement.
func (r *Reader) copyStmt(b []byte, s int) (bool, error) {
	end, next, err := r.scanStmt(s, scanPlain)
	if err != nil {
		return false, err
	}
	h, ok := r.copyHeader(b[:end], s)
	if !ok {
		return r.other(b, s, end, next)
	}
	// Only the text format that pg_dump writes is decoded; refuse the
	// others rather than misread their data.
	if opts := b[r.copyOpts:end]; hasFold(opts, "csv") || hasFold(opts, "binary") ||
		hasFold(opts, "delimiter") || hasFold(opts, "null") || hasFold(opts, "encoding") {
		return false, r.errAt(r.copyOpts, "COPY options other than the text format's defaults are not supported")
	}
	// The data starts on the line after the command.
	data := len(b)
	if k := bytes.IndexByte(b[next:], '\n'); k >= 0 {
		data = next + k + 1
	} else if !r.eof {
		return false, errNeedMore
	}
	r.num++
	st := &r.st
	st.Kind = Copy
	r.hdr = append(r.hdr[:0], trimSpace(b[s:end])...)
	st.Text = r.hdr
	st.Table = h.table
	st.Columns = h.cols
	st.Rows = &r.rows
	r.pos = data
	r.mode = modeCopy
	return true, nil
}

// copyHeader parses "COPY table [(columns)] FROM stdin ..." in t[s:]. The
// text is complete, so the scanners see t as the whole input.
func (r *Reader) copyHeader(t []byte, s int) (*header, bool) {
	eof := r.eof
	r.eof = true
	defer func() { r.eof = eof }()
	i, err := r.wordEnd(t, s) // COPY
	if err != nil {
		return nil, false
	}
	nb := r.nameBuf[:0]
	for {
		if i, err = r.sp(t, i); err != nil {
			return nil, false
		}
		var ok bool
		nb, i, ok, err = r.ident(nb, t, i)
		if err != nil || !ok {
			return nil, false
		}
		if i, err = r.sp(t, i); err != nil || i >= len(t) {
			return nil, false
		}
		if t[i] != '.' {
			break
		}
		nb = append(nb, '.')
		i++
	}
	tableEnd := len(nb)
	r.cols = r.cols[:0]
	hasCols := t[i] == '('
	if hasCols {
		i++
		for {
			if i, err = r.sp(t, i); err != nil || i >= len(t) {
				return nil, false
			}
			if t[i] == ')' && len(r.cols) == 0 {
				i++
				break
			}
			nb = append(nb, 0)
			start := len(nb)
			var ok bool
			if nb, i, ok, err = r.ident(nb, t, i); err != nil || !ok {
				return nil, false
			}
			r.cols = append(r.cols, [2]int{start, len(nb)})
			if i, err = r.sp(t, i); err != nil || i >= len(t) {
				return nil, false
			}
			i++
			if t[i-1] == ')' {
				break
			}
			if t[i-1] != ',' {
				return nil, false
			}
		}
	}
	for _, kw := range [...]string{"from", "stdin"} {
		if i, err = r.sp(t, i); err != nil {
			return nil, false
		}
		j, err := r.wordEnd(t, i)
		if err != nil || !equalFold(t[i:j], kw) {
			return nil, false
		}
		i = j
	}
	r.nameBuf = nb
	r.copyOpts = i
	return r.header(nb, tableEnd, hasCols), true
}

// copyLine reads one data line of a COPY block, or its end marker \. .
func (r *Reader) copyLine(decode bool) error {
	b := r.buf[:r.end]
	i := r.pos
	var line []byte
	next := 0
	if k := bytes.IndexByte(b[i:], '\n'); k >= 0 {
		line, next = b[i:i+k], i+k+1
	} else {
		if !r.eof {
			return errNeedMore
		}
		if i >= len(b) {
			return r.errAt(i, `unterminated COPY data: no \. line before the end of the input`)
		}
		line, next = b[i:], len(b)
	}
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	if len(line) == 2 && line[0] == '\\' && line[1] == '.' {
		r.pos = next
		return io.EOF
	}
	if decode {
		r.resetRow()
		for {
			k := bytes.IndexByte(line, '\t')
			f := line
			if k >= 0 {
				f = line[:k]
			}
			r.vals = append(r.vals, r.copyField(f))
			if k < 0 {
				break
			}
			line = line[k+1:]
		}
	}
	r.pos = next
	return nil
}

// copyField decodes one field of COPY text data.
func (r *Reader) copyField(f []byte) Value {
	k := bytes.IndexByte(f, '\\')
	if k < 0 {
		return Value{Kind: String, Raw: f}
	}
	if len(f) == 2 && f[1] == 'N' {
		return Value{Kind: Null}
	}
	out := r.scratch[r.scr:r.scr]
	for k >= 0 {
		out = append(out, f[:k]...)
		f = f[k:]
		if len(f) < 2 {
			out = append(out, f...)
			f = nil
			break
		}
		var n int
		if f[1] == 'u' || f[1] == 'U' {
			out, n = append(out, f[1]), 2
		} else {
			out, n = pgEscape(out, f)
		}
		f = f[n:]
		k = bytes.IndexByte(f, '\\')
	}
	out = append(out, f...)
	r.scr += len(out)
	return Value{Kind: String, Raw: out[:len(out):len(out)]}
}
