//go:build !amd64 || purego

package archive

const useCTRAsm = false

func ctrLE8(rk *byte, rounds int, dst *byte, ctr uint64) { panic("unreachable") }
