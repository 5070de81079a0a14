//go:build !amd64 || purego

package sqlparse

import "unsafe"

// haveClassify says whether a block classifier runs here: none does in pure
// Go (classifyGo is slower than the byte scanner), so rows are skipped byte
// by byte.
var haveClassify = false

const classifyName = "none"

func pickClassifier() {}

// classify classifies the first n 64-byte blocks of b into out.
func classify(b []byte, n int, t *nibbleTab, out [][3]uint64) { classifyGo(b, n, t, out) }

// find2x64 returns the mask of the bytes equal to a or c among the 64 at p.
func find2x64(p *byte, a, c byte) uint64 {
	return find2x64Go((*[64]byte)(unsafe.Pointer(p)), a, c)
}
