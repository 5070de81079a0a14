package sqlparse

import (
	"bytes"
	"errors"
	"io"
)

// CopyLineReader is implemented by the [RowReader] of a Copy statement
// that can hand out the block's data lines as the dump wrote them, for a
// consumer that sends them on as they are (PostgreSQL's COPY FROM STDIN in
// text format) instead of decoding each field. Lines read so are not
// decoded nor checked field by field; they count as rows read. NextRow and
// NextCopyLines may be mixed: each goes on where the other stopped.
type CopyLineReader interface {
	// NextCopyLines returns the next data lines, each with its line end, as
	// many whole lines as the input buffer holds (at least one), and how
	// many they are; io.EOF after the last (the end marker \. is not
	// returned). The bytes are only valid until the next call. It fails for
	// the rows of an INSERT.
	NextCopyLines() ([]byte, int, error)
}

var _ CopyLineReader = (*rowReader)(nil)

// errNotCopy is returned by NextCopyLines for an Insert statement.
var errNotCopy = errors.New("sqlparse: NextCopyLines is for the rows of a COPY, not an INSERT")

// NextCopyLines implements CopyLineReader.
func (rr *rowReader) NextCopyLines() ([]byte, int, error) {
	r := rr.r
	if r.err != nil {
		return nil, 0, r.err
	}
	switch r.mode {
	case modeStmt:
		return nil, 0, io.EOF
	case modeInsert:
		return nil, 0, errNotCopy
	}
	for {
		r.mark = r.pos
		b := r.buf[:r.end]
		start, i, n := r.pos, r.pos, 0
		for {
			k := bytes.IndexByte(b[i:], '\n')
			if k < 0 {
				break
			}
			line := b[i : i+k]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			if len(line) == 2 && line[0] == '\\' && line[1] == '.' {
				if n > 0 {
					r.pos = i // the next call reads the end marker
					return b[start:i], n, nil
				}
				r.pos = i + k + 1
				r.mode = modeStmt
				return nil, 0, io.EOF
			}
			i += k + 1
			n++
		}
		if n > 0 {
			r.pos = i
			return b[start:i], n, nil
		}
		if r.eof {
			// A last line without its line end, or none: copyLine says which.
			err := r.copyLine(false)
			switch err {
			case nil:
				return append(append([]byte(nil), b[start:r.pos]...), '\n'), 1, nil
			case io.EOF:
				r.mode = modeStmt
				return nil, 0, io.EOF
			}
			r.err = err
			return nil, 0, err
		}
		if err := r.fill(); err != nil {
			r.err = err
			return nil, 0, err
		}
	}
}
