package status

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/dumpline/importer"
)

// LogEntry is one line of a Tracker's log ring.
type LogEntry struct {
	// Seq numbers the tracker's log entries from 1: a reader's cursor.
	Seq   uint64
	Time  time.Time
	Level slog.Level
	// Stage is the pipeline stage (from a "stage" attribute, or the Stage
	// of an [*importer.Error] in the "err" attribute).
	Stage string
	// File is the source file (from a "file" attribute, or the error's).
	File string
	Msg  string
	// Error is the text of an "err" or "error" attribute.
	Error string
	// Attrs are the other attributes, groups flattened to "group.key".
	// Values of keys that name a secret (password, secret, token,
	// passphrase) are replaced with "[redacted]".
	Attrs []slog.Attr
}

// MarshalJSON writes the entry with snake_case keys: seq, time, level (as
// slog writes it, "INFO"), stage, file, msg, error and attrs, an object of
// the attributes (numbers and booleans as such, durations and everything
// else as text).
func (l LogEntry) MarshalJSON() ([]byte, error) {
	attrs := make(map[string]any, len(l.Attrs))
	for _, a := range l.Attrs {
		attrs[a.Key] = jsonValue(a.Value)
	}
	return json.Marshal(struct {
		Seq   uint64         `json:"seq"`
		Time  time.Time      `json:"time"`
		Level string         `json:"level"`
		Stage string         `json:"stage,omitempty"`
		File  string         `json:"file,omitempty"`
		Msg   string         `json:"msg"`
		Error string         `json:"error,omitempty"`
		Attrs map[string]any `json:"attrs,omitempty"`
	}{l.Seq, l.Time, l.Level.String(), l.Stage, l.File, l.Msg, l.Error, attrs})
}

func jsonValue(v slog.Value) any {
	switch v.Kind() {
	case slog.KindBool:
		return v.Bool()
	case slog.KindInt64:
		return v.Int64()
	case slog.KindUint64:
		return v.Uint64()
	case slog.KindFloat64:
		return v.Float64()
	case slog.KindTime:
		return v.Time().Format(time.RFC3339Nano)
	}
	return v.String()
}

// LogPage is what [Tracker.Logs] returns.
type LogPage struct {
	// Entries are the entries after the cursor, oldest first.
	Entries []LogEntry `json:"entries"`
	// Next is the cursor to ask with next time: the Seq of the last entry
	// returned, or the cursor asked with when there was none.
	Next uint64 `json:"next"`
	// Missed counts the entries after the cursor that the ring no longer
	// holds (it keeps the last LogSize).
	Missed uint64 `json:"missed"`
}

// logRing keeps the last entries.
type logRing struct {
	buf  []LogEntry
	head int    // index of the oldest entry once full
	seq  uint64 // Seq of the last entry
}

func (r *logRing) add(size int, l LogEntry) {
	if size <= 0 {
		size = DefaultLogSize
	}
	r.seq++
	l.Seq = r.seq
	if len(r.buf) < size {
		r.buf = append(r.buf, l)
		return
	}
	r.buf[r.head] = l
	r.head = (r.head + 1) % len(r.buf)
}

// at returns the i-th entry, oldest first.
func (r *logRing) at(i int) *LogEntry { return &r.buf[(r.head+i)%len(r.buf)] }

// Logs returns up to limit entries after the cursor (limit <= 0: every one
// kept); after 0 starts from the oldest kept.
func (t *Tracker) Logs(after uint64, limit int) LogPage {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &t.log
	p := LogPage{Next: after}
	if len(r.buf) == 0 || after >= r.seq {
		if after > r.seq {
			p.Next = r.seq // a cursor from before a restart
		}
		return p
	}
	oldest := r.seq - uint64(len(r.buf)) + 1
	start := 0
	if after+1 < oldest {
		p.Missed = oldest - after - 1
	} else {
		start = int(after + 1 - oldest)
	}
	n := len(r.buf) - start
	if limit > 0 && n > limit {
		n = limit
	}
	p.Entries = make([]LogEntry, n)
	for i := range n {
		p.Entries[i] = *r.at(start + i)
	}
	p.Next = p.Entries[n-1].Seq
	return p
}

// LastLogSeq returns the Seq of the last log entry (0 before the first).
func (t *Tracker) LastLogSeq() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.log.seq
}

// Log adds an entry to the ring, as a record of level with msg and the
// slog-style key-value pairs args would be logged.
func (t *Tracker) Log(level slog.Level, msg string, args ...any) {
	r := slog.NewRecord(time.Now(), level, msg, 0)
	r.Add(args...)
	t.addRecord(r, nil, "")
}

func logFromEvent(e *importer.Event) LogEntry {
	r := slog.NewRecord(e.Time, e.Level, e.Msg, 0)
	r.Add(e.Attrs...)
	l := entryFrom(r, nil, "")
	if l.File == "" {
		l.File = e.File
	}
	return l
}

func (t *Tracker) addRecord(r slog.Record, pre []slog.Attr, group string) {
	l := entryFrom(r, pre, group)
	t.mu.Lock()
	t.log.add(t.LogSize, l)
	if t.notify != nil {
		close(t.notify)
		t.notify = nil
	}
	t.mu.Unlock()
}

// entryFrom turns a record into an entry: pre are attributes of the
// logger (keys already qualified), group the record's own group prefix.
func entryFrom(r slog.Record, pre []slog.Attr, group string) LogEntry {
	l := LogEntry{Time: r.Time, Level: r.Level, Msg: r.Message}
	if l.Time.IsZero() {
		l.Time = time.Now()
	}
	for _, a := range pre {
		l.addAttr(a)
	}
	r.Attrs(func(a slog.Attr) bool {
		l.addFlat(group, a)
		return true
	})
	return l
}

func (l *LogEntry) addFlat(prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		p := a.Key
		if prefix != "" && p != "" {
			p = prefix + "." + p
		} else if p == "" {
			p = prefix
		}
		for _, g := range a.Value.Group() {
			l.addFlat(p, g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	if prefix != "" {
		a.Key = prefix + "." + a.Key
	}
	l.addAttr(a)
}

func (l *LogEntry) addAttr(a slog.Attr) {
	switch a.Key {
	case "file":
		if l.File == "" {
			l.File = a.Value.String()
			return
		}
	case "stage":
		if l.Stage == "" {
			l.Stage = a.Value.String()
			return
		}
	case "err", "error":
		if l.Error == "" {
			if err, ok := a.Value.Any().(error); ok && a.Value.Kind() == slog.KindAny {
				l.Error = err.Error()
				var ie *importer.Error
				if errors.As(err, &ie) {
					l.Stage = cmp.Or(l.Stage, string(ie.Stage))
					l.File = cmp.Or(l.File, ie.File)
				}
			} else {
				l.Error = a.Value.String()
			}
			return
		}
	}
	if secretKey(a.Key) {
		a.Value = slog.StringValue("[redacted]")
	}
	l.Attrs = append(l.Attrs, a)
}

func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range [...]string{"password", "passwd", "secret", "token", "passphrase"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// LogHandler returns an [slog.Handler] that adds the records of level Info
// and above to the tracker's log ring and passes every record on to next
// (nil: to none). Give a logger made with it to Pipeline.Logger, to a
// scheduler and to the application, so that the library's lines and the
// application's reach both the ring and the application's own log.
//
// Once a LogHandler exists, the tracker ignores importer.Log events: the
// pipeline sends the same lines to its Logger, and they would be in the
// ring twice.
func (t *Tracker) LogHandler(next slog.Handler) slog.Handler {
	t.bridged.Store(true)
	return &logHandler{t: t, next: next}
}

type logHandler struct {
	t      *Tracker
	next   slog.Handler
	attrs  []slog.Attr // qualified by the groups in effect when added
	groups string      // "a.b" of WithGroup calls
}

func (h *logHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || (h.next != nil && h.next.Enabled(ctx, l))
}

func (h *logHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelInfo {
		h.t.addRecord(r, h.attrs, h.groups)
	}
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	var l LogEntry
	for _, a := range as {
		l.addFlat(h.groups, a)
	}
	// file, stage and error attributes of a logger go in as attributes, so
	// that every entry of that logger gets them.
	c.attrs = slices.Clip(h.attrs)
	if l.File != "" {
		c.attrs = append(c.attrs, slog.String("file", l.File))
	}
	if l.Stage != "" {
		c.attrs = append(c.attrs, slog.String("stage", l.Stage))
	}
	if l.Error != "" {
		c.attrs = append(c.attrs, slog.String("err", l.Error))
	}
	c.attrs = append(c.attrs, l.Attrs...)
	if h.next != nil {
		c.next = h.next.WithAttrs(as)
	}
	return &c
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.groups = name
	if h.groups != "" {
		c.groups = h.groups + "." + name
	}
	if h.next != nil {
		c.next = h.next.WithGroup(name)
	}
	return &c
}
