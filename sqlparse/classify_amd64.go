//go:build !purego

package sqlparse

import (
	"sync"
	"time"

	"golang.org/x/sys/cpu"
)

// haveClassify says whether a block classifier runs here: SSSE3 (PSHUFB),
// and AVX2 where it is measured faster (see pickClassifier).
var haveClassify = cpu.X86.HasSSSE3

// classifyBlocksAVX2 and classifyBlocksSSSE3 classify the n 64-byte blocks
// at p into out[0:n].
//
//go:noescape
func classifyBlocksAVX2(p *byte, n int, t *nibbleTab, out *[3]uint64)

//go:noescape
func classifyBlocksSSSE3(p *byte, n int, t *nibbleTab, out *[3]uint64)

// find2x64 returns the mask of the bytes equal to a or c among the 64 at p
// (SSE2).
//
//go:noescape
func find2x64(p *byte, a, c byte) uint64

var (
	pickOnce       sync.Once
	classifyBlocks = classifyBlocksSSSE3
	classifyName   = "ssse3"
)

// classify classifies the first n 64-byte blocks of b into out.
func classify(b []byte, n int, t *nibbleTab, out [][3]uint64) {
	_ = b[n*64-1]
	_ = out[n-1]
	classifyBlocks(&b[0], n, t, &out[0])
}

// pickClassifier chooses, once per process, the AVX2 classifier if the CPU
// has AVX2 and it runs faster here than the SSSE3 one, timed over a batch
// of blocks (a few microseconds in all). The wide kernel is twice as fast
// where 256-bit registers cost nothing more, but a CPU or hypervisor that
// makes them expensive (a trapped or slow state switch) would turn a fast
// path into a slow one: timing both protects against that, whatever the
// vendor.
func pickClassifier() {
	pickOnce.Do(func() {
		if !cpu.X86.HasAVX2 {
			return
		}
		var data [64 * fastBatch]byte
		for i := range data {
			data[i] = "(1,'ab\\'c',NULL),"[i%17]
		}
		var tab [256]bool
		tab['('], tab[')'], tab['"'] = true, true, true
		nib, _ := buildNibbleTab('\'', &tab)
		var out [fastBatch][3]uint64
		best := func(f func(*byte, int, *nibbleTab, *[3]uint64)) time.Duration {
			d := time.Duration(1 << 62)
			for range 5 {
				t0 := time.Now()
				for range 8 {
					f(&data[0], fastBatch, &nib, &out[0])
				}
				d = min(d, time.Since(t0))
			}
			return d
		}
		best(classifyBlocksAVX2) // warm up
		if avx, sse := best(classifyBlocksAVX2), best(classifyBlocksSSSE3); avx < sse {
			classifyBlocks, classifyName = classifyBlocksAVX2, "avx2"
		}
	})
}
