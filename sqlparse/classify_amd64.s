//go:build !purego

#include "textflag.h"

// Every function here uses either VEX-encoded instructions only (AVX2) or
// legacy SSE encodings only: an SSE instruction run while the upper halves
// of the YMM registers are dirty costs a state transition, measured at
// about 100 ns a call on Intel Xeon (Sapphire Rapids class) machines.

// func classifyBlocksAVX2(p *byte, n int, t *nibbleTab, out *[3]uint64)
//
// For each 64-byte block at p: class = lo[c&15] & hi[c>>4] per byte (VPSHUFB
// gives 0 for bytes >= 0x80), then one mask of the bytes with the quote
// bit, one with the backslash bit and one with any other bit.
TEXT ·classifyBlocksAVX2(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ t+16(FP), DI
	MOVQ out+24(FP), DX
	VMOVDQU 0(DI), Y15
	VMOVDQU 32(DI), Y14
	VMOVDQU 64(DI), Y13
	VMOVDQU 96(DI), Y12
	VMOVDQU 128(DI), Y11
	VMOVDQU 160(DI), Y10
	VPXOR   Y9, Y9, Y9

loop:
	TESTQ CX, CX
	JZ    done
	VMOVDQU 0(SI), Y0
	VMOVDQU 32(SI), Y1
	VPSRLW  $4, Y0, Y2
	VPSRLW  $4, Y1, Y3
	VPAND   Y13, Y2, Y2
	VPAND   Y13, Y3, Y3
	VPSHUFB Y0, Y15, Y0
	VPSHUFB Y1, Y15, Y1
	VPSHUFB Y2, Y14, Y2
	VPSHUFB Y3, Y14, Y3
	VPAND   Y2, Y0, Y0
	VPAND   Y3, Y1, Y1

	// quote
	VPAND     Y12, Y0, Y4
	VPAND     Y12, Y1, Y5
	VPCMPEQB  Y12, Y4, Y4
	VPCMPEQB  Y12, Y5, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 0(DX)

	// backslash
	VPAND     Y11, Y0, Y4
	VPAND     Y11, Y1, Y5
	VPCMPEQB  Y11, Y4, Y4
	VPCMPEQB  Y11, Y5, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	MOVQ      AX, 8(DX)

	// other: any bit of Y10
	VPAND     Y10, Y0, Y4
	VPAND     Y10, Y1, Y5
	VPCMPEQB  Y9, Y4, Y4
	VPCMPEQB  Y9, Y5, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ      $32, BX
	ORQ       BX, AX
	NOTQ      AX
	MOVQ      AX, 16(DX)

	ADDQ $64, SI
	ADDQ $24, DX
	DECQ CX
	JMP  loop

done:
	VZEROUPPER
	RET

// func find2x64(p *byte, a, c byte) uint64
//
// The mask of the bytes equal to a or c among the 64 at p, in 128-bit SSE2
// (every amd64 CPU has it, and it touches no YMM register).
TEXT ·find2x64(SB), NOSPLIT, $0-24
	MOVQ       p+0(FP), SI
	MOVBLZX    a+8(FP), AX
	MOVBLZX    c+9(FP), BX
	MOVQ       $0x0101010101010101, DX
	IMULQ      DX, AX
	IMULQ      DX, BX
	MOVQ       AX, X0
	PUNPCKLQDQ X0, X0
	MOVQ       BX, X1
	PUNPCKLQDQ X1, X1
	MOVOU      0(SI), X2
	MOVOU      16(SI), X3
	MOVOU      32(SI), X4
	MOVOU      48(SI), X5
	MOVO       X2, X6
	MOVO       X3, X7
	MOVO       X4, X8
	MOVO       X5, X9
	PCMPEQB    X0, X2
	PCMPEQB    X1, X6
	PCMPEQB    X0, X3
	PCMPEQB    X1, X7
	PCMPEQB    X0, X4
	PCMPEQB    X1, X8
	PCMPEQB    X0, X5
	PCMPEQB    X1, X9
	POR        X6, X2
	POR        X7, X3
	POR        X8, X4
	POR        X9, X5
	PMOVMSKB   X2, AX
	PMOVMSKB   X3, BX
	PMOVMSKB   X4, CX
	PMOVMSKB   X5, DX
	SHLQ       $16, BX
	SHLQ       $32, CX
	SHLQ       $48, DX
	ORQ        BX, AX
	ORQ        DX, CX
	ORQ        CX, AX
	MOVQ       AX, ret+16(FP)
	RET

// CHUNK classifies the 16 bytes at off(SI) and ORs their three masks,
// shifted left by sh, into R9 (quote), R10 (backslash) and R11 (the bytes
// with no other bit, inverted by the caller).
#define CHUNK(off, sh) \
	MOVOU    off(SI), X0 \
	MOVO     X0, X1      \
	PSRLW    $4, X1      \
	PAND     X10, X1     \
	MOVO     X8, X2      \
	PSHUFB   X0, X2      \
	MOVO     X9, X3      \
	PSHUFB   X1, X3      \
	PAND     X3, X2      \
	MOVO     X2, X4      \
	PAND     X11, X4     \
	PCMPEQB  X11, X4     \
	MOVO     X2, X5      \
	PAND     X12, X5     \
	PCMPEQB  X12, X5     \
	PAND     X13, X2     \
	PCMPEQB  X14, X2     \
	PMOVMSKB X4, AX      \
	PMOVMSKB X5, BX      \
	PMOVMSKB X2, DI      \
	SHLQ     $sh, AX     \
	SHLQ     $sh, BX     \
	SHLQ     $sh, DI     \
	ORQ      AX, R9      \
	ORQ      BX, R10     \
	ORQ      DI, R11

// func classifyBlocksSSSE3(p *byte, n int, t *nibbleTab, out *[3]uint64)
//
// classifyBlocksAVX2 in 128-bit SSSE3 (PSHUFB), 16 bytes at a time, with
// the first 16 bytes of each table row.
TEXT ·classifyBlocksSSSE3(SB), NOSPLIT, $0-32
	MOVQ  p+0(FP), SI
	MOVQ  n+8(FP), CX
	MOVQ  t+16(FP), DI
	MOVQ  out+24(FP), DX
	MOVOU 0(DI), X8
	MOVOU 32(DI), X9
	MOVOU 64(DI), X10
	MOVOU 96(DI), X11
	MOVOU 128(DI), X12
	MOVOU 160(DI), X13
	PXOR  X14, X14

sloop:
	TESTQ CX, CX
	JZ    sdone
	XORQ  R9, R9
	XORQ  R10, R10
	XORQ  R11, R11
	CHUNK(0, 0)
	CHUNK(16, 16)
	CHUNK(32, 32)
	CHUNK(48, 48)
	NOTQ  R11
	MOVQ  R9, 0(DX)
	MOVQ  R10, 8(DX)
	MOVQ  R11, 16(DX)
	ADDQ  $64, SI
	ADDQ  $24, DX
	DECQ  CX
	JMP   sloop

sdone:
	RET
