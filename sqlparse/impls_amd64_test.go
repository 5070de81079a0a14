//go:build !purego

package sqlparse

import "golang.org/x/sys/cpu"

// The assembly helpers of this platform beside their Go twins, for the
// tests that check them against each other and for BenchmarkHelpers.

func find2x64Impls() []find2x64Impl {
	return []find2x64Impl{
		{"go", find2x64Go},
		{"sse2", func(p *[64]byte, a, c byte) uint64 { return find2x64(&p[0], a, c) }},
	}
}

func classifyImpls() []classifyImpl {
	impls := []classifyImpl{{"go", classifyGo}}
	if cpu.X86.HasSSSE3 {
		impls = append(impls, classifyImpl{"ssse3", func(b []byte, n int, t *nibbleTab, out [][3]uint64) {
			classifyBlocksSSSE3(&b[0], n, t, &out[0])
		}})
	}
	if cpu.X86.HasAVX2 {
		impls = append(impls, classifyImpl{"avx2", func(b []byte, n int, t *nibbleTab, out [][3]uint64) {
			classifyBlocksAVX2(&b[0], n, t, &out[0])
		}})
	}
	return impls
}
