package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/dumpline/importer"
)

// progress is an importer.StatusTracker that shows how an import goes. On a
// terminal it draws one bar of the bytes read from the source (compressed,
// as the files' sizes are) over every file, with its rate and ETA, whose
// description gives each file in progress: how far it is, its table and its
// rows per second. Elsewhere (a log file, a pipe) it prints a plain line
// every few seconds with the same figures, and one line per finished file.
// The closing summary gives the rates of both bytes read and bytes parsed.
type progress struct {
	w     io.Writer
	verb  string                   // "imported", or "checked" in a dry run
	bar   *progressbar.ProgressBar // nil when w is not a terminal
	every time.Duration            // between plain lines
	now   func() time.Time

	mu    sync.Mutex
	total int64 // sum of the sizes of the files started
	files map[string]*fileProgress
	last  time.Time // of the last plain line
}

// fileProgress is what progress knows of one file in progress.
type fileProgress struct {
	size, read, rows int64
	table            string
	start            time.Time
	done             bool
}

// newProgress returns a progress writing to w, a bar when onTerminal.
func newProgress(w io.Writer, onTerminal, dry bool) *progress {
	p := &progress{w: w, verb: "imported", files: map[string]*fileProgress{}, every: 5 * time.Second, now: time.Now}
	if dry {
		p.verb = "checked"
	}
	if onTerminal {
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
		p.files[e.File] = &fileProgress{size: e.Size, start: p.now()}
		if e.Size > 0 {
			p.total += e.Size
			if p.bar != nil {
				p.bar.ChangeMax64(p.total)
			}
		}
	case importer.Progress, importer.FileFinished, importer.FileFailed:
		f := p.files[e.File]
		if f == nil {
			f = &fileProgress{start: p.now()}
			p.files[e.File] = f
		}
		f.read, f.rows = e.BytesIn, e.Rows
		if e.Table != "" {
			f.table = e.Table
		}
		f.done = e.Kind != importer.Progress
		if p.bar != nil {
			p.bar.Describe(p.describeAll())
			p.bar.Set64(p.readAll())
		} else if e.Kind == importer.FileFinished {
			fmt.Fprintf(p.w, "%s %s: %d statements, %d rows\n", p.verb, e.File, e.Statements, e.Rows)
		} else if now := p.now(); now.Sub(p.last) >= p.every {
			p.last = now
			fmt.Fprintln(p.w, p.line(now))
		}
	case importer.FileSkipped:
		if p.bar == nil {
			fmt.Fprintf(p.w, "skipped %s: unchanged\n", e.File)
		}
	}
}

// readAll sums the bytes read of every file.
func (p *progress) readAll() int64 {
	var sum int64
	for _, f := range p.files {
		sum += f.read
	}
	return sum
}

// active returns the names of the files in progress, sorted.
func (p *progress) active() []string {
	var names []string
	for n, f := range p.files {
		if !f.done {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// fileFigures describes one file in progress: "a.zip 45% Track, 80,000 rows/s".
func (p *progress) fileFigures(name string, now time.Time) string {
	f := p.files[name]
	var b strings.Builder
	b.WriteString(name)
	if f.size > 0 {
		fmt.Fprintf(&b, " %d%%", min(100, f.read*100/f.size))
	}
	if f.table != "" {
		b.WriteString(" " + f.table)
	}
	if s := now.Sub(f.start).Seconds(); s > 0.5 {
		fmt.Fprintf(&b, ", %.0f rows/s", float64(f.rows)/s)
	}
	return b.String()
}

// describeAll is the bar's description: each file in progress, and that
// the bar counts bytes read.
func (p *progress) describeAll() string {
	now := p.now()
	var parts []string
	for _, n := range p.active() {
		parts = append(parts, p.fileFigures(n, now))
	}
	if len(parts) == 0 {
		return describe("", "", 0)
	}
	return strings.Join(parts, " | ") + "; bytes read:"
}

// line is a plain progress line: the bytes read of all the files started,
// the ETA at the rate so far, and each file in progress.
func (p *progress) line(now time.Time) string {
	read := p.readAll()
	var b strings.Builder
	fmt.Fprintf(&b, "progress: %.1f MB read", float64(read)/1e6)
	if p.total > 0 {
		fmt.Fprintf(&b, " of %.1f MB (%d%%)", float64(p.total)/1e6, min(100, read*100/p.total))
		var first time.Time
		for _, f := range p.files {
			if first.IsZero() || f.start.Before(first) {
				first = f.start
			}
		}
		if el := now.Sub(first); read > 0 && el > 0 && read < p.total {
			eta := time.Duration(float64(el) * float64(p.total-read) / float64(read))
			fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
		}
	}
	for _, n := range p.active() {
		b.WriteString("; " + p.fileFigures(n, now))
	}
	return b.String()
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// syncWriter serialises the writes of several goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		p.bar.Finish()
	}
}

// describe is the bar's description before any file is in progress, and
// the form of one file's: where the import is, and that the bar and its
// rate count bytes read from the source.
func describe(file, table string, rows int64) string {
	switch {
	case file == "":
		return "bytes read:"
	case table == "":
		return fmt.Sprintf("%s: %d rows; bytes read:", file, rows)
	}
	return fmt.Sprintf("%s: %s, %d rows; bytes read:", file, table, rows)
}
