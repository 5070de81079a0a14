// Command dumpimport imports database dumps with the dumpline importer.
//
//	dumpimport parse [flags] SOURCE          decompress, parse and decode every row; write nothing
//	dumpimport load  [flags] SOURCE TARGET   import SOURCE into TARGET
//
// SOURCE is a local file or folder. TARGET is sqlite:PATH.
//
// Flags come after the command word:
//
//	-dialect auto|mysql|postgres|sqlite   SQL dialect of the dumps (auto detects it)
//	-pattern GLOB                         select files by base name (repeatable)
//	-json                                 print one JSON object with the figures on stdout
//	-quiet                                no progress on stderr
//
// Progress goes to stderr (a progress bar on a terminal). On failure the
// command exits with status 1 and prints one line on stderr naming the file,
// the entry and the line where it happened.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `usage:
  dumpimport parse [flags] SOURCE
  dumpimport load  [flags] SOURCE TARGET

SOURCE: a local file or folder. TARGET: sqlite:PATH.
Run 'dumpimport parse -h' for the flags.
`

type patterns []string

func (p *patterns) String() string     { return strings.Join(*p, ",") }
func (p *patterns) Set(s string) error { *p = append(*p, s); return nil }

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("dumpimport "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dialect := fs.String("dialect", "auto", "SQL dialect: auto, mysql, postgres or sqlite")
	var pats patterns
	fs.Var(&pats, "pattern", "select files by base name with a shell glob (repeatable)")
	asJSON := fs.Bool("json", false, "print one JSON object with the figures on stdout")
	quiet := fs.Bool("quiet", false, "print no progress on stderr")
	verbose := fs.Bool("v", false, "log each file on stderr")

	var nargs int
	switch cmd {
	case "parse":
		nargs = 1
	case "load":
		nargs = 2
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "dumpimport: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != nargs {
		fmt.Fprintf(stderr, "dumpimport %s: want %d argument(s), got %d\n%s", cmd, nargs, fs.NArg(), usage)
		return 2
	}
	d, err := sqlparse.ParseDialect(*dialect)
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", err)
		return 2
	}
	src, err := openSource(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", err)
		return 1
	}
	p := &importer.Pipeline{Source: src, Patterns: pats, Dialect: d, Sink: sink.Discard}
	if cmd == "load" {
		snk, closeSink, err := openTarget(fs.Arg(1))
		if err != nil {
			fmt.Fprintln(stderr, "dumpimport:", err)
			return 2
		}
		defer closeSink()
		p.Sink = snk
	}
	if *verbose {
		p.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	var prog *progress
	if !*quiet {
		prog = newProgress(stderr)
		p.Status = prog
	}
	rep, err := p.Run(ctx)
	if prog != nil {
		prog.finish()
	}
	if *asJSON {
		if jerr := writeJSON(stdout, rep); jerr != nil && err == nil {
			err = jerr
		}
	} else if rep != nil {
		writeText(stdout, rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", oneLine(err.Error()))
		return 1
	}
	return 0
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func openSource(arg string) (importer.Source, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return source.Dir(arg), nil
	}
	return source.LocalFile(arg), nil
}

func openTarget(arg string) (importer.Sink, func(), error) {
	kind, rest, ok := strings.Cut(arg, ":")
	if !ok {
		return nil, nil, fmt.Errorf("target %q: want sqlite:PATH", arg)
	}
	switch kind {
	case "sqlite", "sqlite3":
		s := sink.NewSQLite(rest)
		return s, func() { s.Close() }, nil
	}
	return nil, nil, fmt.Errorf("target %q: unknown kind %q (want sqlite:PATH)", arg, kind)
}

// jsonReport is the -json output; its fields are a contract for scripts.
type jsonReport struct {
	Files             []jsonFile           `json:"files"`
	Statements        int64                `json:"statements"`
	Rows              int64                `json:"rows"`
	Tables            map[string]jsonTable `json:"tables"`
	SkippedStatements map[string]int64     `json:"skipped_statements"`
	BytesIn           int64                `json:"bytes_in"`
	BytesParsed       int64                `json:"bytes_parsed"`
	Seconds           float64              `json:"seconds"`
	Errors            []string             `json:"errors"`
}

type jsonTable struct {
	Rows int64 `json:"rows"`
}

type jsonFile struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	Entries    int    `json:"entries"`
	Statements int64  `json:"statements"`
	Rows       int64  `json:"rows"`
}

func writeJSON(w io.Writer, rep *importer.Report) error {
	out := jsonReport{Tables: map[string]jsonTable{}, SkippedStatements: map[string]int64{}, Errors: []string{}, Files: []jsonFile{}}
	if rep != nil {
		out.Statements, out.Rows = rep.Statements, rep.Rows
		out.BytesIn, out.BytesParsed = rep.BytesIn, rep.BytesParsed
		out.Seconds = rep.Durations.Total.Seconds()
		for t, s := range rep.Tables {
			out.Tables[t] = jsonTable{Rows: s.Rows}
		}
		maps.Copy(out.SkippedStatements, rep.SkippedStatements)
		for _, e := range rep.Errors {
			out.Errors = append(out.Errors, oneLine(e.Error()))
		}
		for _, f := range rep.Files {
			out.Files = append(out.Files, jsonFile{Name: f.File.Name, Status: f.Status.String(), Entries: f.Entries, Statements: f.Statements, Rows: f.Rows})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeText(w io.Writer, rep *importer.Report) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows\t")
	for _, t := range slices.Sorted(maps.Keys(rep.Tables)) {
		fmt.Fprintf(tw, "%s\t%d\t\n", t, rep.Tables[t].Rows)
	}
	tw.Flush()
	secs := rep.Durations.Total.Seconds()
	fmt.Fprintf(w, "%d file(s) imported, %d skipped, %d failed; %d statements, %d rows; %s read, %s parsed in %.2fs (%.0f MB/s)\n",
		rep.Imported, rep.Skipped, rep.Failed, rep.Statements, rep.Rows, mb(rep.BytesIn), mb(rep.BytesParsed), secs,
		float64(rep.BytesParsed)/1e6/max(secs, 1e-9))
	for _, k := range slices.Sorted(maps.Keys(rep.SkippedStatements)) {
		fmt.Fprintf(w, "skipped %d statement(s): %s\n", rep.SkippedStatements[k], k)
	}
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
