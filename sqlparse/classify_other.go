//go:build !amd64

package sqlparse

import "unsafe"

// haveFast says whether a fast classifier runs here: none does on this
// platform, so rows are skipped byte by byte.
var haveFast = false

// classify classifies the first n 64-byte blocks of b into out.
func classify(b []byte, n int, t *nibbleTab, out [][3]uint64) { classifyGo(b, n, t, out) }

// find2x64 returns the mask of the bytes equal to a or c among the 64 at p.
func find2x64(p *byte, a, c byte) uint64 {
	var m uint64
	for i, x := range unsafe.Slice(p, 64) {
		if x == a || x == c {
			m |= 1 << i
		}
	}
	return m
}
