// Package schedule runs a job, such as an import Pipeline's Run, every
// interval or daily at a given time in a given zone, and on demand; never
// two runs at once, optionally waiting while the application is busy, and
// retrying transient failures with a capped backoff.
//
//	s := &schedule.Scheduler{
//		Run:      func(ctx context.Context) error { _, err := p.Run(ctx); return err },
//		Daily:    &schedule.Daily{Hour: 3, Minute: 30, Location: berlin},
//		Retries:  3,
//		Observer: tracker, // a *status.Tracker shows the next run and the retries
//		Logger:   logger,
//	}
//	go s.Serve(ctx)     // until ctx is done
//	started := s.Trigger() // false while a run is under way
package schedule

import (
	"cmp"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Observer is told what a Scheduler does; *status.Tracker implements it.
// Its methods are called from the scheduler's goroutines, and may be called
// concurrently.
type Observer interface {
	// Scheduled says when the next scheduled run starts (zero: none).
	Scheduled(next time.Time)
	// Retrying says that the run that failed with err is tried again, as
	// the attempt-th retry, after delay.
	Retrying(attempt int, delay time.Duration, err error)
	// Waiting says that a run waits because Busy said so, or no longer.
	Waiting(busy bool)
}

// Daily is a time of day in a location. On a day when that time does not
// exist (the clocks go forward over it), the run starts at the wall time
// time.Date gives (an hour later, for a one-hour change); on a day when it
// happens twice, the run starts once, at the first.
type Daily struct {
	Hour, Minute int
	// Location is the zone of Hour and Minute; nil means time.Local.
	Location *time.Location
}

// ParseDaily parses "HH:MM" (24-hour clock) in loc (nil: time.Local).
func ParseDaily(s string, loc *time.Location) (*Daily, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return nil, fmt.Errorf("schedule: daily time %q: want HH:MM", s)
	}
	return &Daily{Hour: t.Hour(), Minute: t.Minute(), Location: loc}, nil
}

// Next returns the first time of day d strictly after t.
func (d *Daily) Next(t time.Time) time.Time {
	loc := cmp.Or(d.Location, time.Local)
	lt := t.In(loc)
	y, m, day := lt.Date()
	for i := range 3 {
		c := time.Date(y, m, day+i, d.Hour, d.Minute, 0, 0, loc)
		// Of a wall time that happens twice, time.Date may give the second;
		// the first is an hour (the zone's change) earlier.
		if e := c.Add(-time.Hour).In(loc); e.Day() == c.Day() && e.Hour() == d.Hour && e.Minute() == d.Minute {
			c = e
		}
		if c.After(t) {
			return c
		}
	}
	panic("unreachable")
}

// Scheduler runs Run on a schedule and on demand, one run at a time. Fill
// the fields, then call Serve. The fields must not change after Serve
// starts.
type Scheduler struct {
	// Run is the job, such as an import; it should return soon after its
	// context is cancelled. Required.
	Run func(ctx context.Context) error
	// Every runs the job at this interval, the first time one interval
	// after Serve starts. Zero: no interval.
	Every time.Duration
	// Daily runs the job every day at a time of day. Nil: none. With Every
	// as well, both apply.
	Daily *Daily
	// RunAtStart runs the job once when Serve starts.
	RunAtStart bool

	// Busy, if set, is asked before each run (not before a retry); while it
	// returns true, the run waits BusyDelay and asks again. It lets an
	// application that is busy serving put an import off.
	Busy func(ctx context.Context) bool
	// BusyDelay is how long a run waits before asking Busy again. Zero
	// means one minute.
	BusyDelay time.Duration

	// Retries is how many times a run that failed with a transient error
	// is tried again. Zero: no retry.
	Retries int
	// Backoff is the delay before the first retry, doubled for each next
	// one up to MaxBackoff. Zero means 30 seconds; a zero MaxBackoff means
	// ten minutes.
	Backoff, MaxBackoff time.Duration
	// Transient reports whether a failure may pass if the run is tried
	// again. Nil means [IsTransient].
	Transient func(error) bool

	// OnSuccess is called after a run that returned nil (for example to
	// flush the application's caches); OnFailure after the last failed
	// attempt of a run, with its error, also when the run was cancelled.
	// Both are called on the run's goroutine, before the next run can
	// start.
	OnSuccess func(ctx context.Context)
	OnFailure func(ctx context.Context, err error)

	// Observer is told of the next scheduled time, the waits and the
	// retries. Nil: nobody.
	Observer Observer
	// Logger receives a line for each rejected trigger, wait and retry.
	// Nil discards them.
	Logger *slog.Logger

	mu       sync.Mutex
	ctx      context.Context // Serve's; nil when not serving
	running  bool
	runs     sync.WaitGroup
	rejected atomic.Int64
}

// Trigger starts a run now, in the background, and reports whether it did:
// false while a run is under way (the trigger is logged and counted, not
// queued) and when Serve is not running.
func (s *Scheduler) Trigger() bool { return s.start("trigger") }

// Running reports whether a run is under way (waiting while busy or for a
// retry included).
func (s *Scheduler) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running
}

// Rejected counts the triggers and scheduled times that came while a run
// was under way.
func (s *Scheduler) Rejected() int64 { return s.rejected.Load() }

func (s *Scheduler) start(why string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil {
		return false
	}
	if s.running {
		s.rejected.Add(1)
		s.log(slog.LevelWarn, "run not started: a run is under way", "trigger", why)
		return false
	}
	s.running = true
	ctx := s.ctx
	s.runs.Go(func() {
		defer func() {
			s.mu.Lock()
			s.running = false
			s.mu.Unlock()
		}()
		s.attempts(ctx)
	})
	return true
}

func (s *Scheduler) log(level slog.Level, msg string, args ...any) {
	if s.Logger != nil {
		s.Logger.Log(context.Background(), level, msg, append([]any{"stage", "schedule"}, args...)...)
	}
}

// Serve runs the schedule until ctx is done, then waits for a run under way
// (which sees its context cancelled) and returns ctx's error. A Scheduler
// serves once at a time.
func (s *Scheduler) Serve(ctx context.Context) error {
	if s.Run == nil {
		return errors.New("schedule: Scheduler.Run is nil")
	}
	s.mu.Lock()
	if s.ctx != nil {
		s.mu.Unlock()
		return errors.New("schedule: Serve called twice")
	}
	s.ctx = ctx
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.ctx = nil
		s.mu.Unlock()
		s.runs.Wait()
	}()
	if s.RunAtStart {
		s.start("start")
	}
	lastEvery := time.Now()
	for {
		now := time.Now()
		var next time.Time
		if s.Every > 0 {
			next = lastEvery.Add(s.Every)
		}
		if s.Daily != nil {
			if d := s.Daily.Next(now); next.IsZero() || d.Before(next) {
				next = d
			}
		}
		if s.Observer != nil {
			s.Observer.Scheduled(next)
		}
		if next.IsZero() {
			<-ctx.Done()
			return ctx.Err()
		}
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			if s.Observer != nil {
				s.Observer.Scheduled(time.Time{})
			}
			return ctx.Err()
		case <-t.C:
		}
		if s.Every > 0 && !next.Before(lastEvery.Add(s.Every)) {
			lastEvery = next
		}
		s.start("schedule")
	}
}

// attempts runs the job: waits while busy, then runs it and retries
// transient failures.
func (s *Scheduler) attempts(ctx context.Context) {
	if s.Busy != nil {
		delay := cmp.Or(s.BusyDelay, time.Minute)
		waited := false
		for ctx.Err() == nil && s.Busy(ctx) {
			if !waited && s.Observer != nil {
				s.Observer.Waiting(true)
			}
			waited = true
			s.log(slog.LevelInfo, "run put off: the application is busy", "delay", delay)
			if !sleep(ctx, delay) {
				break
			}
		}
		if waited && s.Observer != nil {
			s.Observer.Waiting(false)
		}
	}
	transient := s.Transient
	if transient == nil {
		transient = IsTransient
	}
	backoff := cmp.Or(s.Backoff, 30*time.Second)
	maxBackoff := cmp.Or(s.MaxBackoff, 10*time.Minute)
	var err error
	if ctx.Err() != nil {
		err = context.Cause(ctx)
	}
	for attempt := 0; err == nil; attempt++ {
		err = s.Run(ctx)
		if err == nil {
			if s.OnSuccess != nil {
				s.OnSuccess(ctx)
			}
			return
		}
		if ctx.Err() != nil || attempt >= s.Retries || !transient(err) {
			break
		}
		delay := min(backoff<<attempt, maxBackoff)
		if backoff<<attempt <= 0 { // overflow
			delay = maxBackoff
		}
		s.log(slog.LevelWarn, "run failed, retrying", "attempt", attempt+1, "of", s.Retries, "delay", delay, "err", err)
		if s.Observer != nil {
			s.Observer.Retrying(attempt+1, delay, err)
		}
		if !sleep(ctx, delay) {
			break
		}
		err = nil
	}
	if s.OnFailure != nil {
		s.OnFailure(ctx, err)
	}
}

// sleep waits d, or less if ctx is done first; it reports whether it
// waited the whole of d.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// IsTransient reports whether err looks like a failure that may pass: a
// network error (a timeout, a refused, reset or aborted connection, an
// unreachable host), an unexpected end of a stream, or a database
// connection gone bad. A cancelled context is not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	for _, target := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.ETIMEDOUT, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ENETDOWN,
		io.ErrUnexpectedEOF, driver.ErrBadConn, net.ErrClosed, context.DeadlineExceeded} {
		if errors.Is(err, target) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}
