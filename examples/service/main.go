// Command service is an HTTP service embedding the dumpline importer: it
// imports SOURCE into TARGET on a schedule and on demand, and serves the
// status page, the status and log as JSON, live events and Prometheus
// metrics.
//
//	service -source DIR|FILE -target sqlite:PATH [-addr HOST:PORT] [-every DURATION | -daily HH:MM [-tz ZONE]]
//
// Flags:
//
//	-addr HOST:PORT        listen address (default 127.0.0.1:8080)
//	-source DIR|FILE       a local folder or file of dumps
//	-target sqlite:PATH    the SQLite database to load into
//	-pattern GLOB          select files by base name (repeatable)
//	-state FILE            skip files imported before and unchanged
//	-every DURATION        import at this interval
//	-daily HH:MM           import every day at this time of day
//	-tz ZONE               the zone of -daily (default: the local zone)
//	-run-at-start          import once when the service starts
//	-retries N             retries of a run that failed with a transient error (default 3)
//	-zip-password-env VAR  the password of encrypted ZIP entries is in $VAR
//
// It serves:
//
//	GET  /          the status page (live progress per file and overall, rates, ETA, log)
//	GET  /status    the status as JSON
//	GET  /logs      ?after=CURSOR&limit=N: log entries as JSON
//	GET  /events    Server-Sent Events of status changes and log lines
//	POST /run       start an import now: 202, or 409 while one is under way
//	GET  /metrics   Prometheus metrics (importer_…); grafana-dashboard.json beside this file charts them
//
// On SIGTERM or SIGINT it stops taking requests, cancels a running import
// (whose load is aborted: nothing is half-written) and exits when it has
// ended. Logs go to stderr and to the status page.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/archive"
	"github.com/dumpline/importer/sink"
	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/state"
	"github.com/dumpline/importer/status"
	"github.com/dumpline/importer/status/metrics"
	"github.com/dumpline/importer/status/schedule"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr, nil)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "service:", err)
		os.Exit(1)
	}
}

type multi []string

func (p *multi) String() string     { return strings.Join(*p, ",") }
func (p *multi) Set(s string) error { *p = append(*p, s); return nil }

// run is the whole service: it returns when ctx is done and everything has
// stopped, or on a setup error. ready, if not nil, is called with the
// address listened on.
func run(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("service", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8080", "listen `HOST:PORT`")
		src       = fs.String("source", "", "a local folder or file of dumps")
		target    = fs.String("target", "", "the database to load into: sqlite:PATH")
		stateFile = fs.String("state", "", "skip files imported before and unchanged (a JSON `FILE`)")
		every     = fs.Duration("every", 0, "import at this interval")
		daily     = fs.String("daily", "", "import every day at `HH:MM`")
		tz        = fs.String("tz", "", "the `ZONE` of -daily, such as Europe/Berlin (default: local)")
		atStart   = fs.Bool("run-at-start", false, "import once when the service starts")
		retries   = fs.Int("retries", 3, "retries of a run that failed with a transient error")
		zipPWEnv  = fs.String("zip-password-env", "", "the password of encrypted ZIP entries is in $`VAR`")
		patterns  multi
	)
	fs.Var(&patterns, "pattern", "select files by base name (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" || *target == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("want -source and -target, and no arguments")
	}

	tracker := status.New(0)
	logger := slog.New(tracker.LogHandler(slog.NewTextHandler(stderr, nil)))

	in, srcID, err := openSource(*src)
	if err != nil {
		return err
	}
	sk, err := openTarget(*target)
	if err != nil {
		return err
	}
	defer sk.Close()
	ex := &archive.Extractor{}
	if *zipPWEnv != "" {
		pw, ok := os.LookupEnv(*zipPWEnv)
		if !ok {
			return fmt.Errorf("$%s is not set", *zipPWEnv)
		}
		ex.Password = archive.StaticPassword(pw)
	}
	p := &importer.Pipeline{Source: in, Patterns: patterns, Extractor: ex, Sink: sk, Status: tracker, Logger: logger}
	if *stateFile != "" {
		p.State = &state.JSON{Path: *stateFile, Source: srcID}
	}

	sch := &schedule.Scheduler{
		Run:        func(ctx context.Context) error { _, err := p.Run(ctx); return err },
		Every:      *every,
		RunAtStart: *atStart,
		Retries:    *retries,
		Observer:   tracker,
		Logger:     logger,
	}
	if *daily != "" {
		loc := time.Local
		if *tz != "" {
			if loc, err = time.LoadLocation(*tz); err != nil {
				return err
			}
		}
		if sch.Daily, err = schedule.ParseDaily(*daily, loc); err != nil {
			return err
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.NewCollector(tracker), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("/", &status.Handler{Tracker: tracker, Start: sch.Trigger, Title: "Import of " + srcID})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	// Event streams end when baseCtx is cancelled: Shutdown alone would
	// wait for them.
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return baseCtx }}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String(), "source", srcID, "target", *target)
	if ready != nil {
		ready(ln.Addr().String())
	}

	// Serve returns once ctx is done and a run under way has ended.
	sch.Serve(ctx)
	logger.Info("shutting down")
	cancelBase()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// openSource opens a local folder or file, and returns it with its name.
func openSource(arg string) (importer.Source, string, error) {
	st, err := os.Stat(arg)
	if err != nil {
		return nil, "", err
	}
	if st.IsDir() {
		return source.Dir(arg), arg, nil
	}
	return source.LocalFile(arg), arg, nil
}

// openTarget opens sqlite:PATH.
func openTarget(arg string) (*sink.SQLite, error) {
	kind, rest, ok := strings.Cut(arg, ":")
	if !ok || (kind != "sqlite" && kind != "sqlite3") || rest == "" {
		return nil, fmt.Errorf("target %q: want sqlite:PATH", arg)
	}
	return sink.NewSQLite(rest), nil
}
