#include "textflag.h"

// func classifyBlocks(p *byte, n int, t *nibbleTab, out *[3]uint64)
//
// For each 64-byte block at p: class = lo[c&15] & hi[c>>4] per byte (VPSHUFB
// gives 0 for bytes >= 0x80), then one mask of the bytes with the quote
// bit, one with the backslash bit and one with any other bit.
TEXT ·classifyBlocks(SB), NOSPLIT, $0-32
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
// The mask of the bytes equal to a or c among the 64 at p.
TEXT ·find2x64(SB), NOSPLIT, $0-24
	MOVQ         p+0(FP), SI
	MOVBLZX      a+8(FP), AX
	MOVBLZX      c+9(FP), BX
	MOVQ         AX, X0
	VPBROADCASTB X0, Y0
	MOVQ         BX, X1
	VPBROADCASTB X1, Y1
	VMOVDQU      0(SI), Y2
	VMOVDQU      32(SI), Y3
	VPCMPEQB     Y0, Y2, Y4
	VPCMPEQB     Y1, Y2, Y5
	VPOR         Y4, Y5, Y4
	VPCMPEQB     Y0, Y3, Y6
	VPCMPEQB     Y1, Y3, Y7
	VPOR         Y6, Y7, Y6
	VPMOVMSKB    Y4, AX
	VPMOVMSKB    Y6, BX
	SHLQ         $32, BX
	ORQ          BX, AX
	VZEROUPPER
	MOVQ         AX, ret+16(FP)
	RET
