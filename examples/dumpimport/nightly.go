package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/sqlparse"
)

// nightlyOpts are the flags of an unattended run: what to refuse, whether
// to go on after a failed file, when a file is whole, and what to do with
// an imported one.
type nightlyOpts struct {
	keepGoing bool
	allow     sqlparse.Allow
	settle    time.Duration
	markers   multi
	ignore    multi
	after     string
}

// nightlyFlags defines the flags of an unattended run on fs, for the
// commands that run the pipeline: parse and load (-after for load only,
// as a dry run leaves the files alone).
func nightlyFlags(fs *flag.FlagSet, cmd string) *nightlyOpts {
	o := &nightlyOpts{}
	if cmd != "parse" && cmd != "load" {
		return o
	}
	fs.BoolVar(&o.keepGoing, "keep-going", false, "go on with the other files when one fails")
	fs.BoolVar(&o.allow.Empty, "allow-empty", false, "accept a file without any statement")
	fs.BoolVar(&o.allow.Unterminated, "allow-unterminated", false, "accept a last statement without its delimiter (never an INSERT)")
	fs.BoolVar(&o.allow.MissingTrailer, "allow-missing-trailer", false, "accept a mysqldump, pg_dump or sqlite3 dump without its completion trailer")
	fs.BoolVar(&o.allow.AnyStatement, "allow-any-statement", false, "accept statements that begin with a word no dump holds")
	fs.BoolVar(&o.allow.DialectMismatch, "dialect-force", false, "read the dumps in -dialect even when their header names another")
	fs.DurationVar(&o.settle, "settle", 0, "take a file only when its size and time are unchanged over this `interval` (or it has a marker)")
	fs.Var(&o.markers, "marker", "marker file `suffix`: NAME is taken once NAME+suffix exists, e.g. .done (repeatable)")
	fs.Var(&o.ignore, "ignore", "never take files whose base name matches `glob` (repeatable; default "+strings.Join(importer.DefaultIgnore, " ")+"; 'none' ignores nothing)")
	if cmd == "load" {
		fs.StringVar(&o.after, "after", "", "after each committed import: move:`DIR` (relative to SOURCE), rename:SUFFIX or delete")
	}
	return o
}

// apply sets the options on p; parser, if not nil, gets the Allow.
func (o *nightlyOpts) apply(p *importer.Pipeline, parser *sqlparse.Parser) error {
	p.KeepGoing = o.keepGoing
	if parser == nil {
		if pp, ok := p.Parser.(*sqlparse.Parser); ok {
			parser = pp
		} else if p.Parser == nil {
			parser = &sqlparse.Parser{}
			p.Parser = parser
		}
	}
	if parser != nil {
		parser.Allow = o.allow
	}
	if o.settle != 0 || len(o.markers) > 0 || len(o.ignore) > 0 {
		s := &importer.Settle{Interval: o.settle, Markers: o.markers}
		switch {
		case len(o.ignore) == 1 && o.ignore[0] == "none":
			s.Ignore = []string{}
		case len(o.ignore) > 0:
			if _, err := source.NewMatcher(o.ignore...); err != nil {
				return err
			}
			s.Ignore = o.ignore
		}
		p.Settle = s
	}
	if o.after == "" {
		return nil
	}
	kind, arg, _ := strings.Cut(o.after, ":")
	a := &importer.AfterImport{}
	switch kind {
	case "move":
		a.Action, a.Dir = importer.Move, arg
	case "rename":
		a.Action, a.Suffix = importer.Rename, arg
	case "delete":
		a.Action = importer.Delete
		if arg != "" {
			return fmt.Errorf("-after delete takes no argument")
		}
	default:
		return fmt.Errorf("-after %q: want move:DIR, rename:SUFFIX or delete", o.after)
	}
	if a.Action != importer.Delete && arg == "" {
		return fmt.Errorf("-after %s needs an argument", kind)
	}
	p.AfterImport = a
	return nil
}

// nightlySummary prints what a plain summary line leaves out: the files
// not imported for another reason than a failure, and each failure.
func nightlySummary(w io.Writer, rep *importer.Report) {
	if n := rep.Cancelled + rep.NotStarted + rep.Unsettled + rep.Ignored; n > 0 {
		fmt.Fprintf(w, "%d cancelled, %d not started, %d still being written (left for a later run), %d ignored by name\n",
			rep.Cancelled, rep.NotStarted, rep.Unsettled, rep.Ignored)
	}
	for _, f := range rep.Files {
		if f.Err != nil {
			fmt.Fprintf(w, "%s %s: %s\n", f.Status, f.File.Name, oneLine(f.Err.Error()))
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return oneLine(err.Error())
}
