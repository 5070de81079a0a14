package schedule_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dumpline/importer/status/schedule"
)

// A Scheduler runs a job daily, and on demand with Trigger.
func ExampleScheduler() {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		fmt.Println(err)
		return
	}
	done := make(chan struct{})
	s := &schedule.Scheduler{
		Daily:     &schedule.Daily{Hour: 3, Minute: 30, Location: berlin},
		Retries:   3,                                              // transient failures only: see IsTransient
		Run:       func(ctx context.Context) error { return nil }, // an import, such as Pipeline.Run
		OnSuccess: func(context.Context) { close(done) },          // flush the caches
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error)
	go func() { served <- s.Serve(ctx) }()
	for !s.Trigger() { // false until Serve runs, and while a run is under way
		time.Sleep(time.Millisecond)
	}
	<-done
	cancel()
	fmt.Println(<-served)
	// Output:
	// context canceled
}

// Next gives the run time of a day; a time of day the clocks skip runs an
// hour later.
func ExampleDaily_Next() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d, _ := schedule.ParseDaily("02:30", berlin)
	t := time.Date(2026, 3, 28, 12, 0, 0, 0, berlin)
	fmt.Println(d.Next(t))
	fmt.Println(d.Next(d.Next(t)))
	// Output:
	// 2026-03-29 03:30:00 +0200 CEST
	// 2026-03-30 02:30:00 +0200 CEST
}
