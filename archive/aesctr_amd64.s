//go:build !purego

#include "textflag.h"

// func ctrLE8(rk *byte, rounds int, dst *byte, ctr uint64)
TEXT ·ctrLE8(SB), NOSPLIT, $0-32
	MOVQ rk+0(FP), AX
	MOVQ rounds+8(FP), CX
	MOVQ dst+16(FP), DI
	MOVQ ctr+24(FP), BX

	// Counter blocks: MOVQ zeroes the upper eight bytes.
	MOVQ BX, X0
	INCQ BX
	MOVQ BX, X1
	INCQ BX
	MOVQ BX, X2
	INCQ BX
	MOVQ BX, X3
	INCQ BX
	MOVQ BX, X4
	INCQ BX
	MOVQ BX, X5
	INCQ BX
	MOVQ BX, X6
	INCQ BX
	MOVQ BX, X7

	// Round 0: add the first round key.
	MOVOU (AX), X8
	PXOR  X8, X0
	PXOR  X8, X1
	PXOR  X8, X2
	PXOR  X8, X3
	PXOR  X8, X4
	PXOR  X8, X5
	PXOR  X8, X6
	PXOR  X8, X7
	ADDQ  $16, AX
	DECQ  CX

	// Rounds 1 .. rounds-1.
loop:
	MOVOU  (AX), X8
	AESENC X8, X0
	AESENC X8, X1
	AESENC X8, X2
	AESENC X8, X3
	AESENC X8, X4
	AESENC X8, X5
	AESENC X8, X6
	AESENC X8, X7
	ADDQ   $16, AX
	DECQ   CX
	JNZ    loop

	// Last round.
	MOVOU      (AX), X8
	AESENCLAST X8, X0
	AESENCLAST X8, X1
	AESENCLAST X8, X2
	AESENCLAST X8, X3
	AESENCLAST X8, X4
	AESENCLAST X8, X5
	AESENCLAST X8, X6
	AESENCLAST X8, X7

	MOVOU X0, 0(DI)
	MOVOU X1, 16(DI)
	MOVOU X2, 32(DI)
	MOVOU X3, 48(DI)
	MOVOU X4, 64(DI)
	MOVOU X5, 80(DI)
	MOVOU X6, 96(DI)
	MOVOU X7, 112(DI)
	RET
