package sqlparse

import "golang.org/x/sys/cpu"

// haveFast says whether classifyBlocks runs here (AVX2).
var haveFast = cpu.X86.HasAVX2

// classifyBlocks classifies the n 64-byte blocks at p into out[0:n].
//
//go:noescape
func classifyBlocks(p *byte, n int, t *nibbleTab, out *[3]uint64)

// classify classifies the first n 64-byte blocks of b into out.
func classify(b []byte, n int, t *nibbleTab, out [][3]uint64) {
	_ = b[n*64-1]
	_ = out[n-1]
	classifyBlocks(&b[0], n, t, &out[0])
}

// find2x64 returns the mask of the bytes equal to a or c among the 64 at p.
//
//go:noescape
func find2x64(p *byte, a, c byte) uint64
