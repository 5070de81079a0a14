package importer

import "fmt"

// StatementError is an error a [Load] returns about another statement of
// the file than the one it is handling: a sink that gathers the rows of
// several statements into one batch reports a row that failed at the
// statement that held it. The pipeline's [*Error] then names that
// statement's line, offset, number and table instead of the current one's.
type StatementError struct {
	// Line, Offset and Statement locate the statement as
	// [sqlparse.Statement] does; Table is its table.
	Line, Offset, Statement int64
	Table                   string
	// Err is the cause.
	Err error
}

// Error implements error.
func (e *StatementError) Error() string {
	return fmt.Sprintf("statement %d (line %d): %v", e.Statement, e.Line, e.Err)
}

// Unwrap returns Err.
func (e *StatementError) Unwrap() error { return e.Err }
