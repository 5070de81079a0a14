package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// serverSink is a ServerSink that records how many values each row had.
type serverSink struct {
	srv    sqlparse.Server
	widths []int
}

func (s *serverSink) ParserServer(context.Context) (sqlparse.Server, error) { return s.srv, nil }

func (s *serverSink) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	return sink.Func(func(ctx context.Context, st *sqlparse.Statement) error {
		for row, err := range sqlparse.Rows(st.Rows) {
			if err != nil {
				return err
			}
			s.widths = append(s.widths, len(row))
		}
		return nil
	}).Begin(ctx, t)
}

// TestPipelineAsksServerSink decodes sakila's MySQL-only geometry value,
// /*!50705 0x…,*/, for the server the sink names: a value for MySQL 8, a
// comment for MariaDB; a Parser of the Pipeline's own is left as it is.
func TestPipelineAsksServerSink(t *testing.T) {
	dir := t.TempDir()
	dump := "INSERT INTO `address` VALUES (1,'a',/*!50705 0x0000000001010000003E0A325D63345CC0761FDB8D99D94840,*/'x');\n"
	if err := os.WriteFile(filepath.Join(dir, "d.sql"), []byte(dump), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		srv    sqlparse.Server
		parser importer.Parser
		want   int
	}{
		{sqlparse.Server{MariaDB: true, Version: 101106}, nil, 3},
		{sqlparse.Server{Version: 80036}, nil, 4},
		{sqlparse.Server{MariaDB: true, Version: 101106}, &sqlparse.Parser{}, 4}, // the Pipeline's own Parser
	} {
		s := &serverSink{srv: c.srv}
		p := &importer.Pipeline{Source: source.Dir(dir), Sink: s, Parser: c.parser, Dialect: sqlparse.MySQL}
		if _, err := p.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(s.widths) != 1 || s.widths[0] != c.want {
			t.Errorf("server %+v, parser %v: rows of %v values, want one of %d", c.srv, c.parser, s.widths, c.want)
		}
	}
}
