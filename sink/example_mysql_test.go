package sink_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
)

// A nightly reload of a MariaDB database from the dumps of a drop folder:
// each file replaces the database atomically, and readers see the old
// tables until the swap. The password comes from the environment, never
// from a command line or a log.
func ExampleMySQL() {
	s := &sink.MySQL{
		DSN:  "importer:" + os.Getenv("DB_PASSWORD") + "@tcp(db.internal:3306)/shop",
		Mode: sink.Replace, // the default
		Jobs: 4,            // tables (and parts of large ones) loaded at once
	}
	p := &importer.Pipeline{
		Source:   source.Dir("/var/drop"),
		Patterns: []string{"shop_*.sql.gz"},
		Sink:     s,
	}
	rep, err := p.Run(context.Background())
	if err != nil {
		log.Fatal(err) // names the file, line and table; never the password
	}
	fmt.Println(rep.Rows, "rows;", "skipped:", rep.SkippedStatements)
}
