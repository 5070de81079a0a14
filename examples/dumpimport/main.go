// Command dumpimport imports database dumps with the dumpline importer.
//
//	dumpimport parse [flags] SOURCE          decompress, parse and decode every row; write nothing
//	dumpimport load  [flags] SOURCE TARGET   import SOURCE into TARGET
//	dumpimport list  [flags] SOURCE          list the files of SOURCE that the patterns select
//	dumpimport fetch [flags] SOURCE DIR      download them into DIR (-extract: their entries)
//
// SOURCE is a local file or folder, - for standard input (parse and load;
// a ZIP archive on a pipe is spooled to a temporary file), or
// sftp://user@host[:port]/path or scp://user@host[:port]/path (a file, or a
// folder filtered by -pattern). TARGET is sqlite:PATH, mysql:DSN (a
// go-sql-driver DSN, user@tcp(host:port)/db; the password is given with
// -db-password-env), or a PostgreSQL database: postgres://user@host[:port]/db
// (libpq's URL) or postgres:host=… dbname=… (libpq's keyword/value pairs).
//
// Flags come after the command word and before the arguments; `dumpimport
// COMMAND -h` lists the ones COMMAND takes, with an example:
//
//	-dialect auto|mysql|postgres|sqlite   SQL dialect of the dumps (auto detects it)
//	-pattern GLOB                         select files by base name (repeatable)
//	-json                                 print one JSON object on stdout
//	-quiet                                no progress on stderr
//	-v                                    log each file on stderr
//	-state FILE                           skip files imported before and unchanged (load records, parse and list only read)
//	-zip-password-env VAR                 the password of encrypted ZIP entries is in $VAR
//	-identity FILE                        SSH private key (repeatable)
//	-known-hosts FILE                     known_hosts file (repeatable; default ~/.ssh/known_hosts)
//	-password-env VAR                     the SSH password is in $VAR
//	-trust-on-first-use                   accept and record the key of a host not yet known
//	-extract                              fetch: write the archives' entries, not the archives
//	-mode replace|append|recreate         load: what a load does to the target (default replace, atomic)
//	-jobs N                               load: tables loaded at once into mysql: or postgres: (default the cores, at least 2)
//	-db-password-env VAR                  load: the password of the TARGET database is in $VAR
//	-strict                               load: fail on anything of a MySQL dump that is not translated
//	-zero-dates null|fail                 load: MySQL zero dates become NULL (default, counted) or fail the load
//	-tinyint1 integer|boolean             load: what a MySQL tinyint(1) column becomes (default integer)
//	-schema FROM=TO                       load: postgres: loads the dump's schema FROM as TO (repeatable)
//
// For an unattended run (parse and load; see nightly.go and the README's
// "Running it every night"):
//
//	-keep-going                           go on with the other files when one fails
//	-allow-empty, -allow-unterminated, -allow-missing-trailer, -allow-any-statement
//	                                      relax a check that refuses what is not a whole dump
//	-dialect-force                        read in -dialect even when the dump's header names another
//	-settle DURATION                      take a file only when unchanged over DURATION (or marked)
//	-marker SUFFIX                        NAME is whole once NAME+SUFFIX exists (repeatable)
//	-ignore GLOB                          never take these names (default *.part *.tmp .* …; none)
//	-after move:DIR|rename:SUFFIX|delete  load: what to do with a file once committed
//
// The state of a local SOURCE is keyed by its absolute path, so a relative
// and an absolute spelling of one file are the same file. When the patterns
// select no file, a warning on stderr (and in the JSON's "warnings") names
// a few of the files SOURCE holds.
//
// Progress goes to stderr (a progress bar of the bytes read on a terminal).
// On failure the command exits with status 1 and prints one line on stderr
// naming the file, the entry and the line where it happened. Passwords are
// read from the environment only, never from arguments, and never printed:
// a SOURCE or TARGET that holds one is echoed with it replaced by xxxxx, or
// not at all.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-sql-driver/mysql"

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

// command describes one command word: its arguments, what it does, the
// flags it takes and one example.
type command struct {
	args    []string // the arguments' names, such as SOURCE TARGET
	what    string
	flags   []string // names of the flags it takes (see defineFlags)
	example string
}

// order lists the commands as the usage shows them.
var order = []string{"parse", "load", "list", "fetch"}

var sshFlags = []string{"identity", "known-hosts", "password-env", "trust-on-first-use"}

var commands = map[string]command{
	"parse": {
		args:    []string{"SOURCE"},
		what:    "decompress and parse SOURCE and decode every row; write nothing (a dry run)",
		flags:   append([]string{"dialect", "pattern", "json", "quiet", "v", "state", "zip-password-env"}, sshFlags...),
		example: "dumpimport parse testdata/corpus/sqlite/chinook.sql",
	},
	"load": {
		args:    []string{"SOURCE", "TARGET"},
		what:    "import SOURCE into TARGET",
		flags:   append([]string{"dialect", "pattern", "json", "quiet", "v", "state", "zip-password-env", "mode", "jobs", "db-password-env", "strict", "zero-dates", "tinyint1", "schema"}, sshFlags...),
		example: "dumpimport load -state state.json testdata/corpus/sqlite/chinook.sql sqlite:/tmp/chinook.db",
	},
	"list": {
		args:    []string{"SOURCE"},
		what:    "list the files of SOURCE that the patterns select, and whether load would import them",
		flags:   append([]string{"pattern", "json", "state"}, sshFlags...),
		example: "dumpimport list -pattern '*.zip' -known-hosts ./known_hosts sftp://importer@drop.example.com/exports",
	},
	"fetch": {
		args:    []string{"SOURCE", "DIR"},
		what:    "download the files of SOURCE that the patterns select into DIR (NAME.partial, resumed, verified, renamed)",
		flags:   append([]string{"pattern", "quiet", "extract", "zip-password-env"}, sshFlags...),
		example: "dumpimport fetch -pattern 'mvdsb_*.zip' sftp://importer@drop.example.com/exports ./downloads",
	},
}

// argHelp says what each argument may be.
var argHelp = map[string]string{
	"SOURCE": `SOURCE  a local file or folder; - for standard input (parse and load);
        sftp://user@host[:port]/path or scp://user@host[:port]/path
        (a file, or a folder filtered by -pattern). No password in the
        URL: use -password-env.
`,
	"TARGET": `TARGET  sqlite:PATH (the folder of PATH must exist), mysql:DSN, a
        go-sql-driver DSN user@tcp(host:port)/db (MariaDB >= 10.5, MySQL >= 8.0),
        postgres://USER@HOST:PORT/DB or postgres:KEYWORD=VALUE …; the
        password: use -db-password-env.
`,
	"DIR": "DIR     a local folder, created if missing\n",
}

// argsHelp is argHelp for args, in order.
func argsHelp(args ...string) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(argHelp[a])
	}
	return b.String()
}

// usage is the command list that plain "dumpimport" and "dumpimport -h"
// print.
func usage() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, name := range order {
		c := commands[name]
		fmt.Fprintf(&b, "  dumpimport %-5s [flags] %-14s %s\n", name, strings.Join(c.args, " "), c.what)
	}
	b.WriteString("\n" + argsHelp("SOURCE", "TARGET", "DIR") + "\nRun 'dumpimport COMMAND -h' for the flags of a command and an example.\n")
	return b.String()
}

// synopsis is a command's usage line.
func synopsis(name string) string {
	return "dumpimport " + name + " [flags] " + strings.Join(commands[name].args, " ")
}

// help prints a command's own flags and its example.
func help(w io.Writer, name string, flags *flag.FlagSet) {
	c := commands[name]
	fmt.Fprintf(w, "usage: %s\n\n%s.\n\n%s\nflags (before the arguments):\n", synopsis(name), upperFirst(c.what), argsHelp(c.args...))
	flags.SetOutput(w)
	flags.PrintDefaults()
	fmt.Fprintf(w, "\nexample:\n  %s\n", c.example)
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

type multi []string

func (p *multi) String() string     { return strings.Join(*p, ",") }
func (p *multi) Set(s string) error { *p = append(*p, s); return nil }

// options are the flags; each command defines only the ones it takes.
type options struct {
	dialect        string
	patterns       multi
	json, quiet, v bool
	state          string
	zipPasswordEnv string
	identities     multi
	schemas        multi
	knownHosts     multi
	passwordEnv    string
	tofu           bool
	extract        bool
	mode           string
	jobs           int
	strict         bool
	zeroDates      string
	tinyint1       string
	dbPasswordEnv  string
}

// stateHelp says what -state does for each command that takes it.
var stateHelp = map[string]string{
	"parse": "JSON state `file`: skip the files load recorded there and that have not changed since; parse records nothing",
	"load":  "JSON state `file`: skip files imported before and unchanged since; record each file imported",
	"list":  "JSON state `file`: show which files load would skip as unchanged",
}

// defineFlags defines on flags the flags of command name.
func defineFlags(flags *flag.FlagSet, name string, o *options) {
	for _, f := range commands[name].flags {
		switch f {
		case "dialect":
			flags.StringVar(&o.dialect, f, "auto", "SQL `dialect`: auto, mysql, postgres or sqlite")
		case "pattern":
			flags.Var(&o.patterns, f, "select files by base name with a shell `glob` (repeatable; default all)")
		case "json":
			flags.BoolVar(&o.json, f, false, "print one JSON object on stdout")
		case "quiet":
			flags.BoolVar(&o.quiet, f, false, "print no progress on stderr")
		case "v":
			flags.BoolVar(&o.v, f, false, "log each file on stderr")
		case "state":
			flags.StringVar(&o.state, f, "", stateHelp[name])
		case "zip-password-env":
			flags.StringVar(&o.zipPasswordEnv, f, "", "environment `variable` holding the password of encrypted ZIP entries")
		case "identity":
			flags.Var(&o.identities, f, "SSH private key `file` (repeatable)")
		case "known-hosts":
			flags.Var(&o.knownHosts, f, "known_hosts `file` (repeatable; default ~/.ssh/known_hosts)")
		case "password-env":
			flags.StringVar(&o.passwordEnv, f, "", "environment `variable` holding the SSH password")
		case "trust-on-first-use":
			flags.BoolVar(&o.tofu, f, false, "accept the key of an unknown host and record it in the first known_hosts file")
		case "mode":
			flags.StringVar(&o.mode, f, "replace", "what a load does to the target: `replace` (atomic), append or recreate")
		case "jobs":
			flags.IntVar(&o.jobs, f, 0, "tables loaded at once into mysql: or postgres:, each on a connection of its own (`N`; default the cores, at least 2)")
		case "db-password-env":
			flags.StringVar(&o.dbPasswordEnv, f, "", "environment `variable` holding the password of the TARGET database (mysql:, postgres:)")
		case "strict":
			flags.BoolVar(&o.strict, f, false, "load: fail on anything of another dialect that is not translated (procedures, triggers, views, ON UPDATE, …)")
		case "zero-dates":
			flags.StringVar(&o.zeroDates, f, "null", "load: MySQL zero dates (0000-00-00) become `null` (counted per column) or fail the load (fail)")
		case "tinyint1":
			flags.StringVar(&o.tinyint1, f, "integer", "load: a MySQL tinyint(1) column becomes an `integer` or a boolean")
		case "schema":
			flags.Var(&o.schemas, f, "postgres: load the dump's schema FROM into schema TO (`FROM=TO`, repeatable)")
		case "extract":
			flags.BoolVar(&o.extract, f, false, "write the archives' entries instead of the archives")
		default:
			panic("dumpimport: no flag " + f)
		}
	}
}

// run is the whole command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return 2
	}
	name, args := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage())
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "dumpimport: unknown command %q\n%s", redact(name), usage())
		return 2
	}
	var o options
	flags := flag.NewFlagSet("dumpimport "+name, flag.ContinueOnError)
	flags.SetOutput(stderr) // the flag package's own error line
	flags.Usage = func() {} // help is printed below, to stdout
	defineFlags(flags, name, &o)
	nightly := nightlyFlags(flags, name)
	hint := fmt.Sprintf("usage: %s\nRun 'dumpimport %s -h' for its flags and an example.\n", synopsis(name), name)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			help(stdout, name, flags)
			return 0
		}
		fmt.Fprint(stderr, hint)
		return 2
	}
	for _, a := range flags.Args() {
		if len(a) > 1 && a[0] == '-' {
			fmt.Fprintf(stderr, "dumpimport %s: flags go before %s: move %s before it\n%s", name, c.args[0], redact(a), hint)
			return 2
		}
	}
	if flags.NArg() != len(c.args) {
		fmt.Fprintf(stderr, "dumpimport %s: want %s, got %d argument(s)\n%s", name, strings.Join(c.args, " "), flags.NArg(), hint)
		return 2
	}
	d, err := sqlparse.ParseDialect(o.dialect)
	if o.dialect == "" {
		d, err = sqlparse.Auto, nil
	}
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", err)
		return 2
	}
	if _, err := source.NewMatcher(o.patterns...); err != nil {
		fmt.Fprintln(stderr, "dumpimport:", err)
		return 2
	}
	if flags.Arg(0) == "-" && (name == "list" || name == "fetch" || o.state != "") {
		fmt.Fprintf(stderr, "dumpimport %s: SOURCE - (standard input) works with parse and load, without -state\n", name)
		return 2
	}
	// parse: no sink, the Pipeline's dry run, which decodes and checks
	// every row and reads a large plain file on every core.
	var snk importer.Sink
	if name == "load" {
		s, closeSink, err := openTarget(flags.Arg(1), &o)
		if err != nil {
			fmt.Fprintln(stderr, "dumpimport:", err)
			return 2
		}
		defer closeSink()
		snk = s
	}
	src, srcID, closeSrc, err := openSource(flags.Arg(0), &o)
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
		if name == "parse" {
			st = readOnly{st} // a dry run imports nothing, so it records nothing
		}
	}

	switch name {
	case "list":
		err = list(ctx, src, o.patterns, st, o.json, stdout, stderr)
	case "fetch":
		err = fetch(ctx, src, o.patterns, ex, o.extract, flags.Arg(1), o.quiet, stderr)
	default:
		p := &importer.Pipeline{Source: src, Patterns: o.patterns, Dialect: d, Sink: snk, State: st, Extractor: ex}
		if err := nightly.apply(p, nil); err != nil {
			fmt.Fprintln(stderr, "dumpimport:", err)
			return 2
		}
		if ss, ok := snk.(importer.ServerSink); ok {
			// The rows are decoded for the server loaded into (MySQL
			// conditional comments among the values).
			if pp, ok := p.Parser.(*sqlparse.Parser); ok {
				srv, err := ss.ParserServer(ctx)
				if err != nil {
					fmt.Fprintln(stderr, "dumpimport:", oneLine(err.Error()))
					return 1
				}
				pp.Server = srv
			}
		}
		err = importRun(ctx, p, &o, stdout, stderr)
	}
	if err != nil {
		fmt.Fprintln(stderr, "dumpimport:", oneLine(err.Error()))
		return 1
	}
	return 0
}

// readOnly is a State that answers Unchanged and records nothing.
type readOnly struct{ importer.State }

func (readOnly) Record(context.Context, source.File) error { return nil }

// importRun runs the pipeline for parse and load and prints its report.
func importRun(ctx context.Context, p *importer.Pipeline, o *options, stdout, stderr io.Writer) error {
	dry := p.Sink == nil
	// The log and the progress lines are written from the pipeline's
	// goroutines: one lock keeps their lines whole.
	during := &syncWriter{w: stderr}
	if o.v {
		p.Logger = slog.New(slog.NewTextHandler(during, nil))
	}
	var prog *progress
	if !o.quiet {
		prog = newProgress(during, isTerminal(stderr), dry)
		p.Status = prog
	}
	rep, err := p.Run(ctx)
	if prog != nil {
		prog.finish()
	}
	var warnings []string
	if err == nil && rep != nil && len(rep.Files) == 0 {
		// Nothing was selected: say so, with the names the source holds.
		all, lerr := p.Source.List(ctx)
		if lerr != nil {
			return lerr
		}
		warnings = append(warnings, noMatch(p.Patterns, all))
		fmt.Fprintln(stderr, "dumpimport:", warnings[0])
	}
	if o.json {
		if jerr := writeJSON(stdout, rep, dry, warnings); jerr != nil && err == nil {
			err = jerr
		}
	} else if rep != nil {
		writeText(stdout, rep, dry)
	}
	return err
}

// noMatch says that no file of all was selected by patterns, naming a few
// of the files there are.
func noMatch(patterns []string, all []source.File) string {
	if len(all) == 0 {
		return "SOURCE holds no files"
	}
	names := make([]string, len(all))
	for i, f := range all {
		names[i] = f.Name
	}
	slices.Sort(names)
	const few = 5
	seen := strings.Join(names[:min(few, len(names))], ", ")
	if len(names) > few {
		seen += fmt.Sprintf(" and %d more", len(names)-few)
	}
	what := "no file was selected"
	if len(patterns) > 0 {
		quoted := make([]string, len(patterns))
		for i, p := range patterns {
			quoted[i] = fmt.Sprintf("-pattern %q", p)
		}
		what = "no file matches " + strings.Join(quoted, " or ")
	}
	return fmt.Sprintf("%s; SOURCE holds %d file(s): %s", what, len(names), seen)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// redact returns s with the password of any user:password@ in it replaced
// by xxxxx, for messages that echo a SOURCE or TARGET: a URL
// (scheme://user:pw@host) or a Go SQL driver DSN (user:pw@tcp(host)/db).
func redact(s string) string {
	if i := strings.Index(s, "password="); i >= 0 {
		return s[:i+len("password=")] + "xxxxx"
	}
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	start := 0
	if i := strings.Index(s[:at], "://"); i >= 0 {
		start = i + len("://")
	}
	if c := strings.Index(s[start:at], ":"); c >= 0 {
		return s[:start+c+1] + "xxxxx" + s[at:]
	}
	return s
}

// openSource opens SOURCE and returns it with an identity for the state
// file and a function that releases it. The identity of a remote source is
// its URL without any password; that of a local file or folder is the
// absolute, cleaned path of the folder (of the file's folder for a file,
// whose name is the state's key), however SOURCE was spelled.
func openSource(arg string, o *options) (importer.Source, string, func(), error) {
	if arg == "-" {
		return stdinSource{}, "", func() {}, nil
	}
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
	abs, err := filepath.Abs(arg)
	if err != nil {
		return nil, "", nil, fmt.Errorf("SOURCE %s: %w", redact(arg), err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the PathError would repeat SOURCE unredacted
		}
		return nil, "", nil, fmt.Errorf("SOURCE %s: %w", redact(arg), err)
	}
	if st.IsDir() {
		return source.Dir(abs), abs, func() {}, nil
	}
	return source.LocalFile(abs), filepath.Dir(abs), func() {}, nil
}

// targetSchemes is what TARGET may be.
const targetSchemes = "sqlite:PATH (or sqlite3:PATH), mysql:DSN, postgres://… (or postgresql://…, postgres:KEYWORD=VALUE …)"

// openTarget opens TARGET. Its errors never repeat TARGET whole, which may
// hold a password.
func openTarget(arg string, o *options) (importer.Sink, func(), error) {
	kind, rest, ok := strings.Cut(arg, ":")
	if !ok || !isScheme(kind) {
		return nil, nil, fmt.Errorf("TARGET has no known scheme; the schemes are: %s", targetSchemes)
	}
	mode, err := sink.ParseMode(cmp.Or(o.mode, "replace"))
	if err != nil {
		return nil, nil, err
	}
	switch kind {
	case "mysql":
		cfg, err := mysql.ParseDSN(rest)
		if err != nil { // its message may quote the DSN
			return nil, nil, fmt.Errorf("TARGET %s: not a go-sql-driver DSN (mysql:user@tcp(host:port)/db); the schemes are: %s", redact(arg), targetSchemes)
		}
		if cfg.DBName == "" {
			return nil, nil, fmt.Errorf("TARGET %s names no database: want mysql:user@tcp(host:port)/db", redact(arg))
		}
		if cfg.Passwd != "" {
			return nil, nil, errors.New("put no password in the TARGET DSN: use -db-password-env")
		}
		if o.dbPasswordEnv != "" {
			pw, ok := os.LookupEnv(o.dbPasswordEnv)
			if !ok {
				return nil, nil, fmt.Errorf("$%s is not set", o.dbPasswordEnv)
			}
			cfg.Passwd = pw
		}
		s := &sink.MySQL{DSN: cfg.FormatDSN(), Mode: mode, Jobs: o.jobs}
		return s, func() {}, nil
	case "sqlite", "sqlite3":
		if rest == "" {
			return nil, nil, fmt.Errorf("TARGET %s names no file: want sqlite:PATH", arg)
		}
		dir := filepath.Dir(rest)
		if st, err := os.Stat(dir); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, nil, fmt.Errorf("TARGET %s: folder %s does not exist", arg, dir)
			}
			return nil, nil, fmt.Errorf("TARGET %s: %w", arg, err)
		} else if !st.IsDir() {
			return nil, nil, fmt.Errorf("TARGET %s: %s is not a folder", arg, dir)
		}
		s := sink.NewSQLite(rest)
		s.Mode = mode
		if s.Translation, err = translation(o); err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	case "postgres", "postgresql":
		return openPostgres(arg, rest, o)
	}
	return nil, nil, fmt.Errorf("TARGET: unknown scheme %q; the schemes are: %s", kind, targetSchemes)
}

// translation returns the translation policies of -strict, -zero-dates
// and -tinyint1.
func translation(o *options) (sink.Translation, error) {
	tr := sink.Translation{Strict: o.strict}
	switch o.zeroDates {
	case "", "null":
	case "fail":
		tr.ZeroDates = sink.ZeroDatesFail
	default:
		return tr, fmt.Errorf("-zero-dates %q: want null or fail", o.zeroDates)
	}
	switch o.tinyint1 {
	case "", "integer":
	case "boolean":
		tr.TinyIntOne = sink.TinyIntBoolean
	default:
		return tr, fmt.Errorf("-tinyint1 %q: want integer or boolean", o.tinyint1)
	}
	return tr, nil
}

// openPostgres opens a postgres: TARGET: a URL, or keyword=value pairs
// after "postgres:", with the password from -db-password-env if given.
func openPostgres(arg, rest string, o *options) (importer.Sink, func(), error) {
	dsn := arg
	if !strings.HasPrefix(rest, "//") {
		dsn = rest
	}
	mode, err := sink.ParseMode(o.mode)
	if err != nil {
		return nil, nil, err
	}
	s := &sink.Postgres{DSN: dsn, Mode: mode, Jobs: o.jobs}
	if s.Translation, err = translation(o); err != nil {
		return nil, nil, err
	}
	for _, m := range o.schemas {
		from, to, ok := strings.Cut(m, "=")
		if !ok || from == "" || to == "" {
			return nil, nil, fmt.Errorf("-schema %s: want FROM=TO", m)
		}
		if s.Schemas == nil {
			s.Schemas = map[string]string{}
		}
		s.Schemas[from] = to
	}
	if o.dbPasswordEnv != "" {
		pw, ok := os.LookupEnv(o.dbPasswordEnv)
		if !ok {
			return nil, nil, fmt.Errorf("-db-password-env: $%s is not set", o.dbPasswordEnv)
		}
		s.Password = pw
	}
	return s, func() {}, nil
}

// isScheme reports whether s has the form of a URL scheme.
func isScheme(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// jsonReport is the -json output; its fields are a contract for scripts.
type jsonReport struct {
	Files             []jsonFile           `json:"files"`
	Statements        int64                `json:"statements"`
	Rows              int64                `json:"rows"`
	Tables            map[string]jsonTable `json:"tables"`
	SkippedStatements map[string]int64     `json:"skipped_statements"`
	Notes             map[string]int64     `json:"notes,omitempty"`
	BytesIn           int64                `json:"bytes_in"`
	BytesParsed       int64                `json:"bytes_parsed"`
	Seconds           float64              `json:"seconds"`
	Errors            []string             `json:"errors"`
	Warnings          []string             `json:"warnings"`
}

type jsonTable struct {
	Rows int64 `json:"rows"`
}

type jsonFile struct {
	Name       string `json:"name"`
	Status     string `json:"status"` // imported (checked by parse), skipped or failed
	Entries    int    `json:"entries"`
	Statements int64  `json:"statements"`
	Rows       int64  `json:"rows"`
	// Load is the sink's own account: mode, bulk path, tables swapped.
	Load  *importer.LoadSummary `json:"load,omitempty"`
	Error string                `json:"error,omitempty"`
}

// fileStatus names a file's status; a dry run checks files, it does not
// import them.
func fileStatus(s importer.FileStatus, dry bool) string {
	if dry && s == importer.Imported {
		return "checked"
	}
	return s.String()
}

func writeJSON(w io.Writer, rep *importer.Report, dry bool, warnings []string) error {
	out := jsonReport{Tables: map[string]jsonTable{}, SkippedStatements: map[string]int64{}, Errors: []string{}, Files: []jsonFile{}, Warnings: []string{}}
	out.Warnings = append(out.Warnings, warnings...)
	if rep != nil {
		out.Statements, out.Rows = rep.Statements, rep.Rows
		out.BytesIn, out.BytesParsed = rep.BytesIn, rep.BytesParsed
		out.Seconds = rep.Durations.Total.Seconds()
		for t, s := range rep.Tables {
			out.Tables[t] = jsonTable{Rows: s}
		}
		maps.Copy(out.SkippedStatements, rep.SkippedStatements)
		out.Notes = rep.Notes
		for _, e := range rep.Errors {
			out.Errors = append(out.Errors, oneLine(e.Error()))
		}
		for _, f := range rep.Files {
			jf := jsonFile{Name: f.File.Name, Status: fileStatus(f.Status, dry), Entries: f.Entries, Statements: f.Statements, Rows: f.Rows, Error: errString(f.Err)}
			if !reflect.ValueOf(f.Load).IsZero() {
				jf.Load = &f.Load
			}
			out.Files = append(out.Files, jf)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeText(w io.Writer, rep *importer.Report, dry bool) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows\t")
	for _, t := range slices.Sorted(maps.Keys(rep.Tables)) {
		fmt.Fprintf(tw, "%s\t%d\t\n", t, rep.Tables[t])
	}
	tw.Flush()
	secs := max(rep.Durations.Total.Seconds(), 1e-9)
	fmt.Fprintf(w, "%d file(s) %s, %d skipped, %d failed; %d statements, %d rows; %s read (%s), %s parsed (%s) in %v\n",
		rep.Imported, fileStatus(importer.Imported, dry), rep.Skipped, rep.Failed, rep.Statements, rep.Rows,
		mb(rep.BytesIn), rate(rep.BytesIn, secs), mb(rep.BytesParsed), rate(rep.BytesParsed, secs), rep.Durations.Total.Round(time.Millisecond))
	for _, k := range slices.Sorted(maps.Keys(rep.Notes)) {
		fmt.Fprintf(w, "note (%d): %s\n", rep.Notes[k], k)
	}
	for _, k := range slices.Sorted(maps.Keys(rep.SkippedStatements)) {
		fmt.Fprintf(w, "skipped %d statement(s): %s\n", rep.SkippedStatements[k], k)
	}
	nightlySummary(w, rep)
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }

func rate(n int64, secs float64) string { return fmt.Sprintf("%.0f MB/s", float64(n)/1e6/secs) }
