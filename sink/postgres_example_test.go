package sink_test

import (
	"context"
	"log"
	"os"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
)

// ExamplePostgres loads the pg_dump files of a folder into PostgreSQL,
// each replacing the schemas it names in one atomic swap, with the password
// from the environment rather than in the connection string.
func ExamplePostgres() {
	p := &importer.Pipeline{
		Source:   source.Dir("/var/drop"),
		Patterns: []string{"*.sql.gz"},
		Sink: &sink.Postgres{
			DSN:      "postgres://importer@db.internal:5432/app?sslmode=verify-full",
			Password: os.Getenv("APP_DB_PASSWORD"),
			Mode:     sink.Replace, // the default
			Jobs:     4,            // tables loaded at once
		},
	}
	rep, err := p.Run(context.Background())
	if err != nil {
		log.Fatal(err) // names the file, line, statement and table; never the password
	}
	log.Printf("%d rows; skipped %v", rep.Rows, rep.SkippedStatements)
}
