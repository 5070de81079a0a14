// Command dumpimport imports database dumps with the dumpline importer.
//
//	dumpimport parse [flags] SOURCE          decompress, parse and decode every row; write nothing
//	dumpimport load  [flags] SOURCE TARGET   import SOURCE into TARGET
//	dumpimport list  [flags] SOURCE          list the files of SOURCE that the patterns select
//	dumpimport fetch [flags] SOURCE DIR      download them into DIR (-extract: their entries)
//
// SOURCE is a local file or folder, or sftp://user@host[:port]/path or
// scp://user@host[:port]/path (a file, or a folder filtered by -pattern).
// TARGET is sqlite:PATH.
//
// Flags come after the command word and before the arguments:
//
//	-dialect auto|mysql|postgres|sqlite   SQL dialect of the dumps (auto detects it)
//	-pattern GLOB                         select files by base name (repeatable)
//	-json                                 print one JSON object on stdout
//	-quiet                                no progress on stderr
//	-state FILE                           skip files imported before and unchanged (load, list)
//	-zip-password-env VAR                 the password of encrypted ZIP entries is in $VAR
//	-identity FILE                        SSH private key (repeatable)
//	-known-hosts FILE                     known_hosts file (repeatable; default ~/.ssh/known_hosts)
//	-password-env VAR                     the SSH password is in $VAR
//	-trust-on-first-use                   accept and record the key of a host not yet known
//	-extract                              fetch: write the archives' entries, not the archives
//
// Progress goes to stderr (a progress bar on a terminal). On failure the
// command exits with status 1 and prints one line on stderr naming the file,
// the entry and the line where it happened. Passwords are read from the
// environment only, never from arguments, and never printed.
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
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote"
	"github.com/dumpline/importer/source/state"
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
  dumpimport list  [flags] SOURCE
  dumpimport fetch [flags] SOURCE DIR

SOURCE: a local file or folder, sftp://user@host[:port]/path or scp://user@host[:port]/path.
TARGET: sqlite:PATH.
Run 'dumpimport parse -h' for the flags.
`

type multi []string

func (p *multi) String() string     { return strings.Join(*p, ",") }
func (p *multi) Set(s string) error { *p = append(*p, s); return nil }

// options are the flags shared by every command.
type options struct {
	dialect        string
	patterns       multi
	json, quiet, v bool
	state          string
	zipPasswordEnv string
	identities     multi
	knownHosts     multi
	passwordEnv    string
	tofu           bool
	extract        bool
}

var nargs = map[string]int{"parse": 1, "load": 2, "list": 1, "fetch": 2}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	want, ok := nargs[cmd]
	if !ok {
		fmt.Fprintf(stderr, "dumpimport: unknown command %q\n%s", cmd, usage)
		return 2
	}
	var o options
	fs := flag.NewFlagSet("dumpimport "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.dialect, "dialect", "auto", "SQL dialect: auto, mysql, postgres or sqlite")
	fs.Var(&o.patterns, "pattern", "select files by base name with a shell glob (repeatable)")
	fs.BoolVar(&o.json, "json", false, "print one JSON object on stdout")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress on stderr")
	fs.BoolVar(&o.v, "v", false, "log each file on stderr")
	fs.StringVar(&o.state, "state", "", "JSON state `file`: skip files imported before and unchanged since")
	fs.StringVar(&o.zipPasswordEnv, "zip-password-env", "", "environment `variable` holding the password of encrypted ZIP entries")
	fs.Var(&o.identities, "identity", "SSH private key `file` (repeatable)")
	fs.Var(&o.knownHosts, "known-hosts", "known_hosts `file` (repeatable; default ~/.ssh/known_hosts)")
	fs.StringVar(&o.passwordEnv, "password-env", "", "environment `variable` holding the SSH password")
	fs.BoolVar(&o.tofu, "trust-on-first-use", false, "accept the key of an unknown host and record it in the first known_hosts file")
	fs.BoolVar(&o.extract, "extract", false, "fetch: write the archives' entries instead of the archives")
	nightly := nightlyFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != want {
		fmt.Fprintf(stderr, "dumpimport %s: want %d argument(s), got %d\n%s", cmd, want, fs.NArg(), usage)
		return 2
	}
	d, err := sqlparse.ParseDialect(o.dialect)
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", err)
		return 2
	}
	if _, err := source.NewMatcher(o.patterns...); err != nil {
		fmt.Fprintln(stderr, "dumpimport:", err)
		return 2
	}
	// parse: no sink, the Pipeline's dry run, which decodes and checks
	// every row and reads a large plain file on every core.
	var snk importer.Sink
	if cmd == "load" {
		s, closeSink, err := openTarget(fs.Arg(1))
		if err != nil {
			fmt.Fprintln(stderr, "dumpimport:", err)
			return 2
		}
		defer closeSink()
		snk = s
	}
	src, srcID, closeSrc, err := openSource(fs.Arg(0), &o)
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", oneLine(err.Error()))
		return 1
	}
	defer closeSrc()
	ex := &archive.Extractor{}
	if o.zipPasswordEnv != "" {
		pw, ok := os.LookupEnv(o.zipPasswordEnv)
		if !ok {
			fmt.Fprintf(stderr, "dumpimport: $%s is not set\n", o.zipPasswordEnv)
			return 2
		}
		ex.Password = archive.StaticPassword(pw)
	}
	var st importer.State
	if o.state != "" {
		st = &state.JSON{Path: o.state, Source: srcID}
	}

	switch cmd {
	case "list":
		err = list(ctx, src, o.patterns, st, o.json, stdout)
	case "fetch":
		err = fetch(ctx, src, o.patterns, ex, o.extract, fs.Arg(1), o.quiet, stderr)
	default:
		p := &importer.Pipeline{Source: src, Patterns: o.patterns, Dialect: d, Sink: snk, State: st, Extractor: ex}
		if err := nightly.apply(p, nil); err != nil {
			fmt.Fprintln(stderr, "dumpimport:", err)
			return 2
		}
		err = importRun(ctx, p, &o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", oneLine(err.Error()))
		return 1
	}
	return 0
}

// importRun runs the pipeline for parse and load and prints its report.
func importRun(ctx context.Context, p *importer.Pipeline, o *options, stdout, stderr io.Writer) error {
	if o.v {
		p.Logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	var prog *progress
	if !o.quiet {
		prog = newProgress(stderr)
		p.Status = prog
	}
	rep, err := p.Run(ctx)
	if prog != nil {
		prog.finish()
	}
	if o.json {
		if jerr := writeJSON(stdout, rep); jerr != nil && err == nil {
			err = jerr
		}
	} else if rep != nil {
		writeText(stdout, rep)
	}
	return err
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// openSource opens SOURCE and returns it with an identity for the state
// file (the URL without any password) and a function that releases it.
func openSource(arg string, o *options) (importer.Source, string, func(), error) {
	if strings.HasPrefix(arg, "sftp://") || strings.HasPrefix(arg, "scp://") {
		s, err := remote.ParseURL(arg)
		if err != nil {
			return nil, "", nil, err
		}
		if s.Password != "" {
			return nil, "", nil, errors.New("put no password in the URL: use -password-env")
		}
		if o.passwordEnv != "" {
			pw, ok := os.LookupEnv(o.passwordEnv)
			if !ok {
				return nil, "", nil, fmt.Errorf("$%s is not set", o.passwordEnv)
			}
			s.Password = pw
		}
		s.KeyFiles = append(s.KeyFiles, o.identities...)
		s.KnownHosts = append(s.KnownHosts, o.knownHosts...)
		s.TrustOnFirstUse = s.TrustOnFirstUse || o.tofu
		return s, s.String(), func() { s.Close() }, nil
	}
	st, err := os.Stat(arg)
	if err != nil {
		return nil, "", nil, err
	}
	if st.IsDir() {
		return source.Dir(arg), arg, func() {}, nil
	}
	return source.LocalFile(arg), arg, func() {}, nil
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
	Error      string `json:"error,omitempty"`
}

func writeJSON(w io.Writer, rep *importer.Report) error {
	out := jsonReport{Tables: map[string]jsonTable{}, SkippedStatements: map[string]int64{}, Errors: []string{}, Files: []jsonFile{}}
	if rep != nil {
		out.Statements, out.Rows = rep.Statements, rep.Rows
		out.BytesIn, out.BytesParsed = rep.BytesIn, rep.BytesParsed
		out.Seconds = rep.Durations.Total.Seconds()
		for t, s := range rep.Tables {
			out.Tables[t] = jsonTable{Rows: s}
		}
		maps.Copy(out.SkippedStatements, rep.SkippedStatements)
		for _, e := range rep.Errors {
			out.Errors = append(out.Errors, oneLine(e.Error()))
		}
		for _, f := range rep.Files {
			out.Files = append(out.Files, jsonFile{Name: f.File.Name, Status: f.Status.String(), Entries: f.Entries, Statements: f.Statements, Rows: f.Rows, Error: errString(f.Err)})
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
		fmt.Fprintf(tw, "%s\t%d\t\n", t, rep.Tables[t])
	}
	tw.Flush()
	secs := rep.Durations.Total.Seconds()
	fmt.Fprintf(w, "%d file(s) imported, %d skipped, %d failed; %d statements, %d rows; %s read, %s parsed in %.2fs (%.0f MB/s)\n",
		rep.Imported, rep.Skipped, rep.Failed, rep.Statements, rep.Rows, mb(rep.BytesIn), mb(rep.BytesParsed), secs,
		float64(rep.BytesParsed)/1e6/max(secs, 1e-9))
	for _, k := range slices.Sorted(maps.Keys(rep.SkippedStatements)) {
		fmt.Fprintf(w, "skipped %d statement(s): %s\n", rep.SkippedStatements[k], k)
	}
	nightlySummary(w, rep)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
