#include "textflag.h"

// func dotAVX(x, y []float64) float64
TEXT ·dotAVX(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $~15, BX

dotloop:
	CMPQ AX, BX
	JGE  dotreduce
	VMOVUPD (SI)(AX*8), Y4
	VMOVUPD 32(SI)(AX*8), Y5
	VMOVUPD 64(SI)(AX*8), Y6
	VMOVUPD 96(SI)(AX*8), Y7
	VFMADD231PD (DI)(AX*8), Y4, Y0
	VFMADD231PD 32(DI)(AX*8), Y5, Y1
	VFMADD231PD 64(DI)(AX*8), Y6, Y2
	VFMADD231PD 96(DI)(AX*8), Y7, Y3
	ADDQ $16, AX
	JMP  dotloop

dotreduce:
	VADDPD Y1, Y0, Y0
	VADDPD Y3, Y2, Y2
	VADDPD Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD X1, X0, X0
	VHADDPD X0, X0, X0

dottail:
	CMPQ AX, CX
	JGE  dotdone
	VMOVSD (SI)(AX*8), X1
	VFMADD231SD (DI)(AX*8), X1, X0
	INCQ AX
	JMP  dottail

dotdone:
	VZEROUPPER
	MOVSD X0, ret+48(FP)
	RET

// func axpyAVX(a float64, x, y []float64)
TEXT ·axpyAVX(SB), NOSPLIT, $0-56
	VBROADCASTSD a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $~15, BX

axpyloop:
	CMPQ AX, BX
	JGE  axpytail
	VMOVUPD (DI)(AX*8), Y1
	VMOVUPD 32(DI)(AX*8), Y2
	VMOVUPD 64(DI)(AX*8), Y3
	VMOVUPD 96(DI)(AX*8), Y4
	VFMADD231PD (SI)(AX*8), Y0, Y1
	VFMADD231PD 32(SI)(AX*8), Y0, Y2
	VFMADD231PD 64(SI)(AX*8), Y0, Y3
	VFMADD231PD 96(SI)(AX*8), Y0, Y4
	VMOVUPD Y1, (DI)(AX*8)
	VMOVUPD Y2, 32(DI)(AX*8)
	VMOVUPD Y3, 64(DI)(AX*8)
	VMOVUPD Y4, 96(DI)(AX*8)
	ADDQ $16, AX
	JMP  axpyloop

axpytail:
	CMPQ AX, CX
	JGE  axpydone
	VMOVSD (DI)(AX*8), X1
	VFMADD231SD (SI)(AX*8), X0, X1
	VMOVSD X1, (DI)(AX*8)
	INCQ AX
	JMP  axpytail

axpydone:
	VZEROUPPER
	RET

// func dot4AVX(x0, x1, x2, x3, w []float64) (s0, s1, s2, s3 float64)
// Four dot products against one w: four row streams in flight at once
// (memory-level parallelism), and w loaded once for all four.
TEXT ·dot4AVX(SB), NOSPLIT, $0-152
	MOVQ x0_base+0(FP), R8
	MOVQ x1_base+24(FP), R9
	MOVQ x2_base+48(FP), R10
	MOVQ x3_base+72(FP), R11
	MOVQ w_base+96(FP), DI
	MOVQ w_len+104(FP), CX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX
	MOVQ CX, BX
	ANDQ $~7, BX

d4loop:
	CMPQ AX, BX
	JGE  d4reduce
	VMOVUPD (DI)(AX*8), Y8
	VMOVUPD 32(DI)(AX*8), Y9
	VFMADD231PD (R8)(AX*8), Y8, Y0
	VFMADD231PD (R9)(AX*8), Y8, Y1
	VFMADD231PD (R10)(AX*8), Y8, Y2
	VFMADD231PD (R11)(AX*8), Y8, Y3
	VFMADD231PD 32(R8)(AX*8), Y9, Y4
	VFMADD231PD 32(R9)(AX*8), Y9, Y5
	VFMADD231PD 32(R10)(AX*8), Y9, Y6
	VFMADD231PD 32(R11)(AX*8), Y9, Y7
	ADDQ $8, AX
	JMP  d4loop

d4reduce:
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	// Horizontal sums: lane pairs, then halves.
	VHADDPD Y1, Y0, Y0 // [a0+a1, b0+b1, a2+a3, b2+b3]
	VHADDPD Y3, Y2, Y2 // [c0+c1, d0+d1, c2+c3, d2+d3]
	VPERM2F128 $0x20, Y2, Y0, Y4 // [a01, b01, c01, d01]
	VPERM2F128 $0x31, Y2, Y0, Y5 // [a23, b23, c23, d23]
	VADDPD Y5, Y4, Y4            // [a, b, c, d]

d4tail:
	CMPQ AX, CX
	JGE  d4done
	VMOVSD (DI)(AX*8), X8
	VMOVSD (R8)(AX*8), X9
	VMOVSD (R9)(AX*8), X10
	VMOVSD (R10)(AX*8), X11
	VMOVSD (R11)(AX*8), X12
	VUNPCKLPD X10, X9, X9   // [x0, x1]
	VUNPCKLPD X12, X11, X11 // [x2, x3]
	VINSERTF128 $1, X11, Y9, Y9
	VBROADCASTSD X8, Y8
	VFMADD231PD Y9, Y8, Y4
	INCQ AX
	JMP  d4tail

d4done:
	VMOVUPD Y4, s0+120(FP)
	VZEROUPPER
	RET

// func dot4F32AVX(x0, x1, x2, x3 []float32, w []float64) (s0, s1, s2, s3 float64)
// As dot4AVX with float32 rows widened to float64 on load; it covers the
// first len(w) &^ 7 elements, the caller adds the rest.
TEXT ·dot4F32AVX(SB), NOSPLIT, $0-152
	MOVQ x0_base+0(FP), R8
	MOVQ x1_base+24(FP), R9
	MOVQ x2_base+48(FP), R10
	MOVQ x3_base+72(FP), R11
	MOVQ w_base+96(FP), DI
	MOVQ w_len+104(FP), BX
	ANDQ $~7, BX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX

f4loop:
	CMPQ AX, BX
	JGE  f4reduce
	PREFETCHT0 512(R8)(AX*4)
	PREFETCHT0 512(R9)(AX*4)
	PREFETCHT0 512(R10)(AX*4)
	PREFETCHT0 512(R11)(AX*4)
	VMOVUPD (DI)(AX*8), Y8
	VMOVUPD 32(DI)(AX*8), Y9
	VCVTPS2PD (R8)(AX*4), Y10
	VCVTPS2PD (R9)(AX*4), Y11
	VCVTPS2PD (R10)(AX*4), Y12
	VCVTPS2PD (R11)(AX*4), Y13
	VFMADD231PD Y10, Y8, Y0
	VFMADD231PD Y11, Y8, Y1
	VFMADD231PD Y12, Y8, Y2
	VFMADD231PD Y13, Y8, Y3
	VCVTPS2PD 16(R8)(AX*4), Y10
	VCVTPS2PD 16(R9)(AX*4), Y11
	VCVTPS2PD 16(R10)(AX*4), Y12
	VCVTPS2PD 16(R11)(AX*4), Y13
	VFMADD231PD Y10, Y9, Y4
	VFMADD231PD Y11, Y9, Y5
	VFMADD231PD Y12, Y9, Y6
	VFMADD231PD Y13, Y9, Y7
	ADDQ $8, AX
	JMP  f4loop

f4reduce:
	VADDPD Y4, Y0, Y0
	VADDPD Y5, Y1, Y1
	VADDPD Y6, Y2, Y2
	VADDPD Y7, Y3, Y3
	VHADDPD Y1, Y0, Y0
	VHADDPD Y3, Y2, Y2
	VPERM2F128 $0x20, Y2, Y0, Y4
	VPERM2F128 $0x31, Y2, Y0, Y5
	VADDPD Y5, Y4, Y4
	VMOVUPD Y4, s0+120(FP)
	VZEROUPPER
	RET

// func axpyF32AVX(a float64, x []float32, y []float64)
// y += a x over the first len(y) &^ 7 elements; the caller does the rest.
TEXT ·axpyF32AVX(SB), NOSPLIT, $0-56
	VBROADCASTSD a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ y_base+32(FP), DI
	MOVQ y_len+40(FP), BX
	ANDQ $~7, BX
	XORQ AX, AX

fxloop:
	CMPQ AX, BX
	JGE  fxdone
	VCVTPS2PD (SI)(AX*4), Y1
	VCVTPS2PD 16(SI)(AX*4), Y2
	VMOVUPD (DI)(AX*8), Y3
	VMOVUPD 32(DI)(AX*8), Y4
	VFMADD231PD Y1, Y0, Y3
	VFMADD231PD Y2, Y0, Y4
	VMOVUPD Y3, (DI)(AX*8)
	VMOVUPD Y4, 32(DI)(AX*8)
	ADDQ $8, AX
	JMP  fxloop

fxdone:
	VZEROUPPER
	RET

// func axpy4AVX(a *[4]float64, x0, x1, x2, x3, y []float64)
// y += a0 x0 + a1 x1 + a2 x2 + a3 x3 over the first len(y) &^ 3 elements:
// y is loaded and stored once for four rows.
TEXT ·axpy4AVX(SB), NOSPLIT, $0-128
	MOVQ a+0(FP), AX
	VBROADCASTSD (AX), Y0
	VBROADCASTSD 8(AX), Y1
	VBROADCASTSD 16(AX), Y2
	VBROADCASTSD 24(AX), Y3
	MOVQ x0_base+8(FP), R8
	MOVQ x1_base+32(FP), R9
	MOVQ x2_base+56(FP), R10
	MOVQ x3_base+80(FP), R11
	MOVQ y_base+104(FP), DI
	MOVQ y_len+112(FP), BX
	ANDQ $~3, BX
	XORQ AX, AX

a4loop:
	CMPQ AX, BX
	JGE  a4done
	VMOVUPD (DI)(AX*8), Y4
	VFMADD231PD (R8)(AX*8), Y0, Y4
	VFMADD231PD (R9)(AX*8), Y1, Y4
	VFMADD231PD (R10)(AX*8), Y2, Y4
	VFMADD231PD (R11)(AX*8), Y3, Y4
	VMOVUPD Y4, (DI)(AX*8)
	ADDQ $4, AX
	JMP  a4loop

a4done:
	VZEROUPPER
	RET

// func axpy4F32AVX(a *[4]float64, x0, x1, x2, x3 []float32, y []float64)
// As axpy4AVX with float32 rows widened on load.
TEXT ·axpy4F32AVX(SB), NOSPLIT, $0-128
	MOVQ a+0(FP), AX
	VBROADCASTSD (AX), Y0
	VBROADCASTSD 8(AX), Y1
	VBROADCASTSD 16(AX), Y2
	VBROADCASTSD 24(AX), Y3
	MOVQ x0_base+8(FP), R8
	MOVQ x1_base+32(FP), R9
	MOVQ x2_base+56(FP), R10
	MOVQ x3_base+80(FP), R11
	MOVQ y_base+104(FP), DI
	MOVQ y_len+112(FP), BX
	ANDQ $~3, BX
	XORQ AX, AX

b4loop:
	CMPQ AX, BX
	JGE  b4done
	VMOVUPD (DI)(AX*8), Y4
	VCVTPS2PD (R8)(AX*4), Y5
	VCVTPS2PD (R9)(AX*4), Y6
	VCVTPS2PD (R10)(AX*4), Y7
	VCVTPS2PD (R11)(AX*4), Y8
	VFMADD231PD Y5, Y0, Y4
	VFMADD231PD Y6, Y1, Y4
	VFMADD231PD Y7, Y2, Y4
	VFMADD231PD Y8, Y3, Y4
	VMOVUPD Y4, (DI)(AX*8)
	ADDQ $4, AX
	JMP  b4loop

b4done:
	VZEROUPPER
	RET
