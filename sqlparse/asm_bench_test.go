package sqlparse

import "testing"

type find2x64Impl struct {
	name string
	fn   func(*[64]byte, byte, byte) uint64
}

type classifyImpl struct {
	name string
	fn   func(b []byte, n int, t *nibbleTab, out [][3]uint64)
}

var sinkMask uint64

// BenchmarkHelpers measures the cost of one call of each assembly helper
// beside its Go twin, on 64 bytes (one block) and on a batch of blocks, so a
// helper that turns slow on some CPU shows at once (the AVX2 find2x64 took
// about 100 ns a call on Intel Xeon machines, against 4 ns for SSE2, as one
// legacy-SSE instruction among its VEX ones cost a state transition).
func BenchmarkHelpers(b *testing.B) {
	pickClassifier()
	b.Logf("classifier in use: %s", classifyName)
	data := make([]byte, 64*fastBatch)
	for i := range data {
		data[i] = "abc'de\\f(g)h,ij 0123"[i%20]
	}
	for _, h := range find2x64Impls() {
		b.Run("find2x64/"+h.name, func(b *testing.B) {
			b.SetBytes(64)
			b.ReportAllocs()
			var m uint64
			for i := 0; b.Loop(); i++ {
				m += h.fn((*[64]byte)(data[i&7*64:]), '\'', '\\')
			}
			sinkMask = m
		})
	}
	var tab [256]bool
	for _, c := range "()\"`-/#;" {
		tab[c] = true
	}
	nib, ok := buildNibbleTab('\'', &tab)
	if !ok {
		b.Fatal("no nibble table")
	}
	var out [fastBatch][3]uint64
	for _, h := range classifyImpls() {
		for _, n := range []int{1, fastBatch} {
			b.Run("classify-"+itoa(n)+"/"+h.name, func(b *testing.B) {
				b.SetBytes(int64(64 * n))
				b.ReportAllocs()
				for b.Loop() {
					h.fn(data, n, &nib, out[:n])
				}
				sinkMask = out[0][0]
			})
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
