// Command customsink shows how a downstream team writes its own sink: this
// one writes the rows of every table of a dump as CSV files, staged in a
// temporary folder and moved into place only when the whole file has been
// read, so a failed import leaves the previous CSV files untouched.
//
//	go run ./examples/customsink DUMP OUTDIR
//
// It is built only on the public API: importer.Sink and importer.Load, the
// decoded values of sqlparse, and importer.Skip for statements it ignores.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: customsink DUMP OUTDIR")
		os.Exit(2)
	}
	p := &importer.Pipeline{Source: source.LocalFile(os.Args[1]), Sink: &CSVSink{Dir: os.Args[2]}}
	rep, err := p.Run(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, "customsink:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %d rows of %d tables to %s (%d statements skipped)\n", rep.Rows, len(rep.Tables), os.Args[2], len(rep.SkippedStatements))
}

// CSVSink writes one CSV file per table into Dir/<file name>/. Each load is
// written to a staging folder and renamed into place on Commit.
type CSVSink struct {
	Dir string
}

var _ importer.Sink = (*CSVSink)(nil)

// Begin implements importer.Sink.
func (s *CSVSink) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, err
	}
	name := t.Name
	if name == "" {
		name = strings.NewReplacer("/", "_", ".", "_").Replace(t.File.Name)
	}
	stage, err := os.MkdirTemp(s.Dir, ".staging-"+name+"-")
	if err != nil {
		return nil, err
	}
	return &csvLoad{final: filepath.Join(s.Dir, name), stage: stage, files: map[string]*csvFile{}}, nil
}

type csvFile struct {
	f *os.File
	w *csv.Writer
}

type csvLoad struct {
	final, stage string
	files        map[string]*csvFile
	record       []string
}

// Exec writes the rows of INSERT and COPY statements and skips (and so
// counts) everything else.
func (l *csvLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	if st.Rows == nil {
		return importer.Skip("not a row statement: the CSV sink keeps only rows")
	}
	cf, err := l.file(st)
	if err != nil {
		return err
	}
	for row, err := range sqlparse.Rows(st.Rows) {
		if err != nil {
			return err
		}
		l.record = l.record[:0]
		for _, v := range row {
			if v.Kind == sqlparse.Null {
				l.record = append(l.record, `\N`)
				continue
			}
			l.record = append(l.record, string(v.Raw))
		}
		if err := cf.w.Write(l.record); err != nil {
			return err
		}
	}
	return nil
}

func (l *csvLoad) file(st *sqlparse.Statement) (*csvFile, error) {
	if cf := l.files[st.Table]; cf != nil {
		return cf, nil
	}
	name := strings.NewReplacer("/", "_", "\\", "_").Replace(st.Table)
	if name == "" || name == "." || name == ".." {
		return nil, fmt.Errorf("customsink: unusable table name %q", st.Table)
	}
	f, err := os.Create(filepath.Join(l.stage, name+".csv"))
	if err != nil {
		return nil, err
	}
	cf := &csvFile{f: f, w: csv.NewWriter(f)}
	if len(st.Columns) > 0 {
		if err := cf.w.Write(st.Columns); err != nil {
			f.Close()
			return nil, err
		}
	}
	l.files[st.Table] = cf
	return cf, nil
}

func (l *csvLoad) closeFiles() error {
	var errs []error
	for _, cf := range l.files {
		cf.w.Flush()
		errs = append(errs, cf.w.Error())
		if err := cf.f.Sync(); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, cf.f.Close())
	}
	return errors.Join(errs...)
}

// Commit replaces the previous output with the staged one.
func (l *csvLoad) Commit(ctx context.Context) error {
	if err := l.closeFiles(); err != nil {
		os.RemoveAll(l.stage)
		return err
	}
	old := l.final + ".old"
	os.RemoveAll(old)
	if err := os.Rename(l.final, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		os.RemoveAll(l.stage)
		return err
	}
	if err := os.Rename(l.stage, l.final); err != nil {
		os.Rename(old, l.final)
		return err
	}
	return os.RemoveAll(old)
}

// Abort removes the staged output; the previous output stays.
func (l *csvLoad) Abort(ctx context.Context) error {
	return errors.Join(l.closeFiles(), os.RemoveAll(l.stage))
}
