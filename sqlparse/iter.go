package sqlparse

import (
	"io"
	"iter"
)

// Rows returns an iterator over the rows of r: each row with a nil error,
// then, if reading failed, nil and the error, once. It ends at io.EOF, and
// at once for a nil r (the Rows of a statement without rows). As with
// NextRow, a row is only valid until the next iteration.
//
//	for row, err := range sqlparse.Rows(st.Rows) {
//		if err != nil {
//			return err
//		}
//		use(row)
//	}
func Rows(r RowReader) iter.Seq2[[]Value, error] {
	return func(yield func([]Value, error) bool) {
		if r == nil {
			return
		}
		for {
			row, err := r.NextRow()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}
