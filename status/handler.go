package status

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Handler serves a Tracker over HTTP. It can be mounted under any prefix
// (with or without http.StripPrefix): it looks only at the last element of
// the path.
//
//	GET  …/         a self-contained status page, live through …/events
//	GET  …/status   the Snapshot as JSON (at least "state" and "progress", in [0,1])
//	GET  …/logs     ?after=CURSOR&limit=N: a LogPage as JSON (limit 100 by default, 1000 at most)
//	GET  …/events   Server-Sent Events: "status" (a Snapshot) and "log" (a LogEntry)
//	POST …/run      calls Start: 202 when it started a run, 409 while one is under way
//
// The events' ids are log cursors: a client that reconnects with
// Last-Event-ID (as EventSource does) gets the log entries it missed and a
// fresh status. A new client without one gets the last 100 entries first.
// An event stream ends when its request's context is done: a server that
// shuts down should cancel its BaseContext (http.Server.Shutdown does not
// end streaming responses).
type Handler struct {
	// Tracker is the status served. Required.
	Tracker *Tracker
	// Start starts a run in the background and reports whether it did
	// (false: a run is under way). Nil: POST /run answers 404.
	Start func() bool
	// Interval is the least time between two status events of a stream.
	// Zero means 250ms.
	Interval time.Duration
	// Title heads the page; "" means "Import status".
	Title string

	cached atomic.Pointer[statusJSON]
}

type statusJSON struct {
	version uint64
	body    []byte
}

//go:embed page.html
var page string

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	name := p[strings.LastIndexByte(p, '/')+1:]
	if name == "run" {
		h.run(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch name {
	case "":
		h.page(w)
	case "status":
		h.status(w)
	case "logs":
		h.logs(w, r)
	case "events":
		h.events(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *Handler) page(w http.ResponseWriter) {
	title := h.Title
	if title == "" {
		title = "Import status"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	io.WriteString(w, strings.Replace(page, "{{title}}", htmlEscape(title), 2))
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;").Replace(s)
}

// statusBody returns the JSON of the current snapshot, encoded once per
// version.
func (h *Handler) statusBody() []byte {
	v := h.Tracker.Version()
	if c := h.cached.Load(); c != nil && c.version == v {
		return c.body
	}
	s := h.Tracker.Snapshot()
	b, err := json.Marshal(s)
	if err != nil { // cannot happen: a snapshot holds no value JSON rejects
		b = []byte(`{"state":"` + string(s.State) + `","progress":0}`)
	}
	h.cached.Store(&statusJSON{version: s.Version, body: b})
	return b
}

func (h *Handler) status(w http.ResponseWriter) {
	writeJSON(w, h.statusBody())
}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

func (h *Handler) logs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err := uintParam(q.Get("after"), 0)
	if err != nil {
		http.Error(w, "after: "+err.Error(), http.StatusBadRequest)
		return
	}
	limit, err := uintParam(q.Get("limit"), 100)
	if err != nil || limit == 0 {
		http.Error(w, "limit: want a number from 1 to 1000", http.StatusBadRequest)
		return
	}
	b, _ := json.Marshal(h.Tracker.Logs(after, int(min(limit, 1000))))
	writeJSON(w, b)
}

func uintParam(s string, def uint64) (uint64, error) {
	if s == "" {
		return def, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

func (h *Handler) run(w http.ResponseWriter, r *http.Request) {
	if h.Start == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !h.Start() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"started":false,"error":"a run is under way"}`+"\n")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"started":true}`+"\n")
}

// events streams status and log events until the request ends.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's WriteTimeout
	t := h.Tracker
	var cursor uint64
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			http.Error(w, "Last-Event-ID: "+err.Error(), http.StatusBadRequest)
			return
		}
		cursor = n
	} else if last := t.LastLogSeq(); last > 100 {
		cursor = last - 100
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	io.WriteString(w, "retry: 2000\n\n")

	interval := h.Interval
	if interval <= 0 {
		interval = 250 * time.Millisecond
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	var sentVersion uint64
	first := true
	ctx := r.Context()
	for {
		changed := t.Changed() // before reading, so that no change is missed
		for {
			p := t.Logs(cursor, 500)
			for _, l := range p.Entries {
				b, _ := json.Marshal(l)
				fmt.Fprintf(w, "id: %d\nevent: log\ndata: %s\n\n", l.Seq, b)
			}
			cursor = p.Next
			if len(p.Entries) < 500 {
				break
			}
		}
		if v := t.Version(); first || v != sentVersion {
			body := h.statusBody()
			fmt.Fprintf(w, "id: %d\nevent: status\ndata: %s\n\n", cursor, body)
			sentVersion, first = v, false
		}
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ping.C:
			io.WriteString(w, ": ping\n\n")
			continue
		case <-changed:
		}
		// Coalesce the changes of the next interval into one event.
		pause := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			pause.Stop()
			return
		case <-pause.C:
		}
	}
}
