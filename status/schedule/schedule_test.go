package schedule

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
	_ "time/tzdata"
)

// The tests run in a synctest bubble: time is fake and moves on at once
// when every goroutine of the bubble waits.

type observer struct {
	mu      sync.Mutex
	next    []time.Time
	retries []string
	waiting []bool
}

func (o *observer) Scheduled(next time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.next = append(o.next, next)
}

func (o *observer) Retrying(attempt int, delay time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retries = append(o.retries, fmt.Sprintf("%d after %v: %v", attempt, delay, err))
}

func (o *observer) Waiting(busy bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.waiting = append(o.waiting, busy)
}

// serve runs s.Serve in the bubble until the returned stop is called.
func serve(t *testing.T, s *Scheduler) (stop func()) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- s.Serve(ctx) }()
	synctest.Wait()
	return sync.OnceFunc(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
	})
}

func TestSingleFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var mu sync.Mutex
		var runList []time.Time
		runs := func() []time.Time { mu.Lock(); defer mu.Unlock(); return slices.Clone(runList) }
		s := &Scheduler{Every: time.Hour, Run: func(ctx context.Context) error {
			mu.Lock()
			runList = append(runList, time.Now())
			mu.Unlock()
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}}
		if s.Trigger() {
			t.Fatal("Trigger started a run before Serve")
		}
		stop := serve(t, s)
		start := time.Now()
		if !s.Trigger() {
			t.Fatal("the first Trigger did not start a run")
		}
		synctest.Wait()
		if s.Trigger() || !s.Running() {
			t.Fatal("a second Trigger started a run while one was under way")
		}
		time.Sleep(90 * time.Minute) // the scheduled time at 1h comes during the run
		if s.Rejected() != 2 || len(runs()) != 1 {
			t.Fatalf("rejected %d, runs %d", s.Rejected(), len(runs()))
		}
		release <- struct{}{}
		synctest.Wait()
		if s.Running() {
			t.Fatal("still running")
		}
		time.Sleep(31 * time.Minute) // the next interval: 2h after the start
		if r := runs(); len(r) != 2 || r[1].Sub(start) != 2*time.Hour {
			t.Fatalf("runs %v", r)
		}
		// Cancelling Serve cancels the run under way and waits for it.
		stop()
		if s.Running() {
			t.Fatal("a run outlived Serve")
		}
	})
}

func TestBusyDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		asked := 0
		var ran time.Time
		o := &observer{}
		s := &Scheduler{
			Busy:      func(context.Context) bool { asked++; return asked <= 2 },
			BusyDelay: time.Minute,
			Observer:  o,
			Run:       func(context.Context) error { ran = time.Now(); return nil },
		}
		stop := serve(t, s)
		defer stop()
		start := time.Now()
		s.Trigger()
		time.Sleep(5 * time.Minute)
		stop()
		if ran.Sub(start) != 2*time.Minute || asked != 3 {
			t.Fatalf("ran after %v, Busy asked %d times", ran.Sub(start), asked)
		}
		if !slices.Equal(o.waiting, []bool{true, false}) {
			t.Fatalf("waiting %v", o.waiting)
		}
	})
}

func TestRetries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reset := fmt.Errorf("sftp: read: %w", syscall.ECONNRESET)
		var attempts []time.Duration
		var failed, succeeded int
		var start time.Time
		o := &observer{}
		s := &Scheduler{
			Retries: 3, Backoff: time.Second, Observer: o,
			Run: func(context.Context) error {
				attempts = append(attempts, time.Since(start))
				if len(attempts) <= 2 {
					return reset
				}
				return nil
			},
			OnSuccess: func(context.Context) { succeeded++ },
			OnFailure: func(context.Context, error) { failed++ },
		}
		stop := serve(t, s)
		defer stop()
		start = time.Now()
		s.Trigger()
		time.Sleep(time.Minute)
		stop()
		if !slices.Equal(attempts, []time.Duration{0, time.Second, 3 * time.Second}) || succeeded != 1 || failed != 0 {
			t.Fatalf("attempts at %v, succeeded %d, failed %d", attempts, succeeded, failed)
		}
		want := []string{"1 after 1s: " + reset.Error(), "2 after 2s: " + reset.Error()}
		if !slices.Equal(o.retries, want) {
			t.Fatalf("retries %q", o.retries)
		}
	})
}

func TestRetryCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var attempts []time.Duration
		var start time.Time
		var last error
		s := &Scheduler{
			Retries: 4, Backoff: time.Second, MaxBackoff: 3 * time.Second,
			Run: func(context.Context) error {
				attempts = append(attempts, time.Since(start))
				return io.ErrUnexpectedEOF
			},
			OnFailure: func(_ context.Context, err error) { last = err },
		}
		stop := serve(t, s)
		start = time.Now()
		s.Trigger()
		time.Sleep(time.Minute)
		stop()
		// Delays 1s, 2s, 3s, 3s: five attempts, then the failure.
		want := []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second, 9 * time.Second}
		if !slices.Equal(attempts, want) || last != io.ErrUnexpectedEOF {
			t.Fatalf("attempts at %v, last error %v", attempts, last)
		}

		// A failure that is not transient is not retried.
		stop()
		attempts, last = nil, nil
		s = &Scheduler{
			Retries:   4,
			Run:       func(context.Context) error { attempts = append(attempts, 0); return errors.New("syntax error") },
			OnFailure: func(_ context.Context, err error) { last = err },
		}
		stop = serve(t, s)
		s.Trigger()
		time.Sleep(time.Minute)
		stop()
		if len(attempts) != 1 || last == nil {
			t.Fatalf("attempts %d, last error %v", len(attempts), last)
		}
	})
}

func TestDailyNext(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDaily("02:30", berlin)
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		x, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, tc := range []struct{ after, want string }{
		{"2026-03-27T12:00:00Z", "2026-03-28T01:30:00Z"}, // 02:30 CET
		// 29 March: the clocks go from 02:00 to 03:00, there is no 02:30;
		// the run is at 03:30 CEST.
		{"2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z"},
		{"2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"}, // 02:30 CEST
		// 25 October: 02:30 happens twice (CEST, then CET); the run is at
		// the first.
		{"2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
	} {
		if got := d.Next(utc(tc.after)); !got.Equal(utc(tc.want)) {
			t.Errorf("Next(%s) = %s, want %s", tc.after, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
	if _, err := ParseDaily("25:00", nil); err == nil {
		t.Error("ParseDaily(25:00) did not fail")
	}
}

// TestDailyAcrossDST runs a daily schedule over both changes of 2000 in
// Berlin (the bubble's clock starts at 2000-01-01 UTC): one run a day, at
// 02:30 local time where it exists.
func TestDailyAcrossDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		for _, from := range []time.Time{
			time.Date(2000, 3, 24, 12, 0, 0, 0, berlin),
			time.Date(2000, 10, 27, 12, 0, 0, 0, berlin),
		} {
			time.Sleep(time.Until(from))
			var runs []string
			o := &observer{}
			s := &Scheduler{Daily: &Daily{Hour: 2, Minute: 30, Location: berlin}, Observer: o,
				Run: func(context.Context) error {
					runs = append(runs, time.Now().In(berlin).Format("Jan 2 15:04 MST"))
					return nil
				}}
			stop := serve(t, s)
			time.Sleep(4 * 24 * time.Hour)
			stop()
			var want []string
			if from.Month() == time.March {
				want = []string{"Mar 25 02:30 CET", "Mar 26 03:30 CEST", "Mar 27 02:30 CEST", "Mar 28 02:30 CEST"}
			} else {
				want = []string{"Oct 28 02:30 CEST", "Oct 29 02:30 CEST", "Oct 30 02:30 CET", "Oct 31 02:30 CET"}
			}
			if !slices.Equal(runs, want) {
				t.Errorf("runs %q, want %q", runs, want)
			}
			if len(o.next) < 4 || !o.next[len(o.next)-1].IsZero() {
				t.Errorf("next runs told %v", o.next)
			}
		}
	})
}

func TestIsTransient(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false},
		{errors.New("syntax error"), false},
		{nil, false},
	} {
		if got := IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v", tc.err, got)
		}
	}
}
