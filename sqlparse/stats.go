package sqlparse

// Stats counts what a reading of a dump went through. It is a value: sums
// are made with [Stats.Add]. The importer's counters embed it (importer.Counts), so
// the figures of a parse, an entry, a file and a run are one type.
type Stats struct {
	// BytesParsed counts the bytes of the dump read (uncompressed).
	BytesParsed int64 `json:"bytes_parsed"`
	// Statements counts every statement, as Parse delivers them.
	Statements int64 `json:"statements"`
	// Rows counts the rows of INSERT statements and COPY blocks.
	Rows int64 `json:"rows"`
	// Tables maps the table of each INSERT or COPY (Statement.Table) to its
	// rows; nil where only totals are kept (progress).
	Tables map[string]int64 `json:"tables,omitempty"`
}

// Add adds the counts of o to s, table by table.
func (s *Stats) Add(o Stats) {
	s.BytesParsed += o.BytesParsed
	s.Statements += o.Statements
	s.Rows += o.Rows
	if len(o.Tables) > 0 && s.Tables == nil {
		s.Tables = make(map[string]int64, len(o.Tables))
	}
	for t, n := range o.Tables {
		s.Tables[t] += n
	}
}
