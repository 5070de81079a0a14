package sqlparse

import (
	"bytes"
	"io"
)

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
