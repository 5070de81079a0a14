package sqlparse

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestIndexFold checks indexFold against bytes.Index on lower-cased text.
func TestIndexFold(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	const alpha = "aAbB-x X"
	for n := 0; n < 5000; n++ {
		b := make([]byte, rnd.IntN(40))
		for k := range b {
			b[k] = alpha[rnd.IntN(len(alpha))]
		}
		p := make([]byte, rnd.IntN(4))
		for k := range p {
			p[k] = alpha[rnd.IntN(len(alpha))]
		}
		want := bytes.Index(bytes.ToLower(b), bytes.ToLower(p))
		if got := indexFold(b, string(p)); got != want {
			t.Fatalf("indexFold(%q, %q) = %d, want %d", b, p, got, want)
		}
	}
}
