//go:build !amd64

package sqlparse

// haveFast says whether a fast classifier runs here: none does on this
// platform, so rows are skipped byte by byte.
var haveFast = false

// classify classifies the first n 64-byte blocks of b into out.
func classify(b []byte, n int, t *nibbleTab, out [][3]uint64) { classifyGo(b, n, t, out) }
