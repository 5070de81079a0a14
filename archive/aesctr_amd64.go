//go:build !purego

package archive

import "golang.org/x/sys/cpu"

var useCTRAsm = cpu.X86.HasAES && cpu.X86.HasSSE41

// ctrLE8 writes to dst the AES encryptions (rounds rounds, round keys at
// rk) of the eight counter blocks ctr, ctr+1, ..., ctr+7, each a 64-bit
// little-endian counter followed by eight zero bytes.
//
//go:noescape
func ctrLE8(rk *byte, rounds int, dst *byte, ctr uint64)
