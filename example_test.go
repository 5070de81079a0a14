package importer_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing/fstest"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// A Pipeline reads every selected file of a source and loads it into a sink.
// Here the source is an in-memory file system and the sink only counts.
func ExamplePipeline() {
	files := fstest.MapFS{
		"drop/shop.sql": {Data: []byte("CREATE TABLE `items` (id int, name text);\n" +
			"INSERT INTO `items` VALUES (1,'pen'),(2,'ink');\n" +
			"INSERT INTO `orders` VALUES (7,1);\n")},
		"drop/notes.txt": {Data: []byte("not a dump")},
	}
	p := &importer.Pipeline{
		Source:   &source.FS{FS: files, Root: "drop"},
		Patterns: []string{"*.sql"},
		Sink:     importer.Discard,
	}
	rep, err := p.Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d file, %d statements, %d rows\n", rep.Imported, rep.Statements, rep.Rows)
	for _, t := range slices.Sorted(maps.Keys(rep.Tables)) {
		fmt.Println(t, rep.Tables[t])
	}
	// Output:
	// 1 file, 3 statements, 3 rows
	// items 2
	// orders 1
}

// A custom sink is any type with a Begin method returning an importer.Load;
// sink.Func adapts a function for the simple case. Statements it skips on
// purpose are counted in the report, never dropped silently.
func Example_customSink() {
	dump := fstest.MapFS{"a.sql": {Data: []byte(
		"SET NAMES utf8mb4;\nINSERT INTO t (id, name) VALUES (1,'O''Brien'),(2,NULL);\n")}}
	printRows := sink.Func(func(ctx context.Context, st *sqlparse.Statement) error {
		if st.Kind != sqlparse.Insert {
			return importer.Skip("only rows are printed")
		}
		for row, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return err
			}
			fmt.Printf("%s %s=%s %s=%s\n", st.Table, st.Columns[0], row[0].Raw, st.Columns[1], row[1].Kind)
		}
		return nil
	})
	rep, err := (&importer.Pipeline{Source: &source.FS{FS: dump}, Sink: printRows}).Run(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("skipped:", rep.SkippedStatements)
	// Output:
	// t id=1 name=string
	// t id=2 name=null
	// skipped: map[only rows are printed:1]
}
