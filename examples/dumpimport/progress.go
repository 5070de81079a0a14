package main

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dumpline/importer"
)

// progress is an importer.StatusTracker that draws a progress bar of the
// bytes read from the source (compressed, as the files' sizes are) on a
// terminal, and prints one line per finished file elsewhere. Its
// description says that it counts bytes read; the closing summary gives
// the rates of both bytes read and bytes parsed.
type progress struct {
	w    io.Writer
	verb string                   // "imported", or "checked" in a dry run
	bar  *progressbar.ProgressBar // nil when w is not a terminal

	mu    sync.Mutex
	total int64            // sum of the sizes of the files started
	read  map[string]int64 // bytes read per file
}

func newProgress(w io.Writer, dry bool) *progress {
	p := &progress{w: w, verb: "imported", read: map[string]int64{}}
	if dry {
		p.verb = "checked"
	}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetDescription(describe("", "", 0)),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100_000_000),
		)
	}
	return p
}

func (p *progress) Track(e importer.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e.Kind {
	case importer.FileStarted:
		if e.Size > 0 {
			p.total += e.Size
			if p.bar != nil {
				p.bar.ChangeMax64(p.total)
			}
		}
	case importer.Progress, importer.FileFinished, importer.FileFailed:
		p.read[e.File] = e.BytesIn
		if p.bar != nil {
			var sum int64
			for _, n := range p.read {
				sum += n
			}
			p.bar.Describe(describe(e.File, e.Table, e.Rows))
			p.bar.Set64(sum)
		} else if e.Kind == importer.FileFinished {
			fmt.Fprintf(p.w, "%s %s: %d statements, %d rows\n", p.verb, e.File, e.Statements, e.Rows)
		}
	case importer.FileSkipped:
		if p.bar == nil {
			fmt.Fprintf(p.w, "skipped %s: unchanged\n", e.File)
		}
	}
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
}

// describe is the bar's description: where the import is, and that the bar
// and its rate count bytes read from the source.
func describe(file, table string, rows int64) string {
	switch {
	case file == "":
		return "bytes read:"
	case table == "":
		return fmt.Sprintf("%s: %d rows; bytes read:", file, rows)
	}
	return fmt.Sprintf("%s: %s, %d rows; bytes read:", file, table, rows)
}
