package importertest

import (
	"context"
	"sync/atomic"

	"github.com/dumpline/importer"
	"github.com/dumpline/importer/sqlparse"
)

// pausing wraps the sink under test so that pause runs, on the goroutine
// of the load, right after the load's n-th statement: in the middle of the
// load, with statements executed and the load not committed. The wrapper
// keeps the load's EntryLoad and ParallelLoad.
type pausing struct {
	importer.Sink
	n     int64
	pause func(ctx context.Context)
}

func (p *pausing) Begin(ctx context.Context, t importer.Target) (importer.Load, error) {
	ld, err := p.Sink.Begin(ctx, t)
	if err != nil {
		return nil, err
	}
	pl := &pausingLoad{Load: ld, p: p}
	el, isEntry := ld.(importer.EntryLoad)
	par, isParallel := ld.(importer.ParallelLoad)
	switch {
	case isEntry && isParallel:
		return struct {
			*pausingLoad
			importer.EntryLoad
			parallel
		}{pl, el, parallel{par}}, nil
	case isEntry:
		return struct {
			*pausingLoad
			importer.EntryLoad
		}{pl, el}, nil
	case isParallel:
		return struct {
			*pausingLoad
			parallel
		}{pl, parallel{par}}, nil
	}
	return pl, nil
}

type parallel struct{ pl importer.ParallelLoad }

func (p parallel) Parallel() int { return p.pl.Parallel() }

type pausingLoad struct {
	importer.Load
	p    *pausing
	seen atomic.Int64
}

func (l *pausingLoad) Exec(ctx context.Context, st *sqlparse.Statement) error {
	err := l.Load.Exec(ctx, st)
	if l.seen.Add(1) == l.p.n {
		l.p.pause(ctx)
	}
	return err
}
