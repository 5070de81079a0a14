// Package pool holds the size-classed buffer pools and worker-count helpers
// that the importer's hot paths share, so that steady-state parsing and
// unpacking allocate nothing.
package pool

import (
	"math/bits"
	"runtime"
	"sync"
)

// Size classes are powers of two from MinSize to MaxSize. Larger buffers are
// allocated and dropped, never pooled, so that one huge row does not pin
// memory for the rest of the process.
const (
	MinSize = 4 << 10
	MaxSize = 16 << 20
)

const (
	minShift = 12 // log2(MinSize)
	classes  = 13 // 4 KiB .. 16 MiB
)

var pools [classes]sync.Pool

func class(n int) int {
	if n <= MinSize {
		return 0
	}
	return bits.Len(uint(n-1)) - minShift
}

// Get returns a buffer with length n and a capacity of at least n, from the
// pool of n's size class. Its contents are undefined. Return it with Put.
func Get(n int) *[]byte {
	if n > MaxSize {
		b := make([]byte, n)
		return &b
	}
	c := class(n)
	if v := pools[c].Get(); v != nil {
		b := v.(*[]byte)
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, MinSize<<c)
	return &b
}

// Put returns a buffer obtained from Get (or any buffer whose capacity is a
// size class) to its pool. Buffers of other capacities are dropped.
func Put(b *[]byte) {
	if b == nil {
		return
	}
	c := cap(*b)
	if c < MinSize || c > MaxSize || c&(c-1) != 0 {
		return
	}
	*b = (*b)[:0]
	pools[class(c)].Put(b)
}

// Workers returns how many workers to start for n independent jobs when the
// caller asked for want (0 or less means one per CPU): never more than n,
// never less than 1.
func Workers(want, n int) int {
	if want <= 0 {
		want = runtime.GOMAXPROCS(0)
	}
	return max(1, min(want, n))
}
