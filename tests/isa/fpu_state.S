# FP state and control: the fcsr/fflags/frm CSRs, mstatus.FS (Off makes every
# FP instruction and FP CSR access illegal, compressed ones included; FP
# writes make it Dirty), and reserved rounding modes (static rm 5/6 and
# dynamic frm 5/6/7 are illegal for instructions with an rm field only).
#include "fpu_test.h"

#define FS_MASK 0x6000
#define FS_DIRTY 0x6000

TEST_BEGIN
    FPU_ON

    # fcsr = frm << 5 | fflags
    li t0, 0xff
    csrw fcsr, t0
    csrr a0, fflags
    CHECK(1, a0, 0x1f)
    csrr a0, frm
    CHECK(2, a0, 7)
    csrwi frm, 2
    csrr a0, fcsr
    CHECK(3, a0, 0x5f)
    csrwi fflags, 0
    csrr a0, fcsr
    CHECK(4, a0, 0x40)
    li t0, 0x21
    csrrw a0, fcsr, t0
    CHECK(5, a0, 0x40)
    csrr a0, frm
    CHECK(6, a0, 1)
    csrrci a0, fflags, 1
    CHECK(7, a0, 1)
    csrr a0, fcsr
    CHECK(8, a0, 0x20)
    # an FP op ORs its flags into fflags
    csrwi fflags, DZ
    LOAD_S(fa0, 0x3f800000)
    LOAD_S(fa1, 0x40400000)
    fdiv.s fa2, fa0, fa1
    CHECK_FLAGS(9, DZ | NX)
    csrwi fcsr, 0

    TRAP_EXPECT

    # reserved static rounding modes (the assembler has no names for them)
    LOAD_D(fa0, 0x1234)
1:  .word 0x00c5d553                # fadd.s fa0, fa1, fa2, rm=5
    CHECK_ILLEGAL(20, 1b, 4)
    li s2, -1
1:  .word 0x00c5e553                # fadd.s fa0, fa1, fa2, rm=6
    CHECK_ILLEGAL(21, 1b, 4)
    li s2, -1
1:  .word 0x02c5d553                # fadd.d fa0, fa1, fa2, rm=5
    CHECK_ILLEGAL(22, 1b, 4)
    li s2, -1
1:  .word 0x6ac5e543                # fmadd.d fa0, fa1, fa2, fa3, rm=6
    CHECK_ILLEGAL(23, 1b, 4)
    li s2, -1
1:  .word 0x4205d553                # fcvt.d.s fa0, fa1, rm=5
    CHECK_ILLEGAL(24, 1b, 4)
    # the trapping instructions wrote nothing
    CHECK_D(25, fa0, 0x1234)

    # reserved dynamic rounding modes
    li s2, -1
    csrwi frm, 5
1:  fadd.s fa0, fa1, fa2, dyn
    CHECK_ILLEGAL(30, 1b, 4)
    li s2, -1
    csrwi frm, 6
1:  fsqrt.d fa0, fa1, dyn
    CHECK_ILLEGAL(31, 1b, 4)
    li s2, -1
    csrwi frm, 7
1:  fcvt.w.s a0, fa1, dyn
    CHECK_ILLEGAL(32, 1b, 4)
    li s2, -1
1:  .word 0xd2057553                # fcvt.d.w fa0, a0, dyn
    CHECK_ILLEGAL(33, 1b, 4)
    li s2, -1
1:  fmadd.s fa0, fa1, fa2, fa3, dyn
    CHECK_ILLEGAL(34, 1b, 4)
    CHECK_D(35, fa0, 0x1234)
    # a static mode still works while frm holds a reserved value
    TEST_F2(36, S, fadd.s, 0x40800000, 0, 0x3f800000, 0x40400000, rne)
    # instructions without a rounding mode do not look at frm
    li s2, -1
    csrwi frm, 5
    TEST_F2(40, S, fsgnjn.s, 0xbf800000, 0, 0x3f800000, 0x3f800000)
    TEST_F2(41, D, fmax.d, 0x4000000000000000, 0, 0x3ff0000000000000, 0x4000000000000000)
    TEST_X2(42, D, feq.d, 1, 0, 0x3ff0000000000000, 0x3ff0000000000000)
    TEST_X1(43, S, fclass.s, 1 << 6, 0, 0x3f800000)
    TEST_X1(44, S, fmv.x.w, 0xffffffffbf800000, 0, 0xbf800000)
    CHECK(45, s2, -1)
    # the CSR accepts the reserved value and reads it back
    csrr a0, frm
    CHECK(46, a0, 5)
    csrwi frm, 0

    # mstatus.FS = Off: FP instructions and FP CSRs are illegal
    la a1, fdata
    LOAD_D(fa0, 0x1234)
    li t0, FS_MASK
    csrc mstatus, t0
    li s2, -1
1:  fadd.d fa0, fa1, fa2
    CHECK_ILLEGAL(50, 1b, 4)
    li s2, -1
1:  flw fa0, 0(a1)
    CHECK_ILLEGAL(51, 1b, 4)
    li s2, -1
    mv t1, a1
1:  fsd ft0, 0(t1)                  # not compressible: a 32-bit fsd
    CHECK_ILLEGAL(52, 1b, 4)
    li s2, -1
1:  fmv.x.d a0, fa0
    CHECK_ILLEGAL(53, 1b, 4)
    li s2, -1
1:  fsgnj.s fa0, fa1, fa2
    CHECK_ILLEGAL(54, 1b, 4)
    li s2, -1
1:  csrr a0, fflags
    CHECK_ILLEGAL(55, 1b, 4)
    li s2, -1
1:  csrw frm, zero
    CHECK_ILLEGAL(56, 1b, 4)
    li s2, -1
1:  csrr a0, fcsr
    CHECK_ILLEGAL(57, 1b, 4)
    li s2, -1
    mv s0, a1
1:  c.fld fa0, 0(s0)
    CHECK_ILLEGAL(58, 1b, 2)
    li s2, -1
1:  c.fsd fa0, 0(s0)
    CHECK_ILLEGAL(59, 1b, 2)
    li s2, -1
    mv sp, a1
1:  c.fldsp fa0, 0(sp)
    CHECK_ILLEGAL(60, 1b, 2)
    li s2, -1
1:  c.fsdsp fa0, 0(sp)
    CHECK_ILLEGAL(61, 1b, 2)
    # memory was not written by the trapping stores
    ld a0, 0(a1)
    CHECK(62, a0, 0x5555555555555555)
    # back on: the registers kept their values
    li t0, 0x2000
    csrs mstatus, t0
    CHECK_D(63, fa0, 0x1234)

    # FS goes from Initial to Dirty (and SD is set) when FP state changes
    li t0, FS_MASK
    csrc mstatus, t0
    li t0, 0x2000
    csrs mstatus, t0
    fadd.d fa0, fa1, fa2
    csrr a0, mstatus
    li t0, FS_MASK
    and a2, a0, t0
    CHECK(70, a2, FS_DIRTY)
    srli a2, a0, 63
    CHECK(71, a2, 1)
    li t0, FS_MASK
    csrc mstatus, t0
    li t0, 0x2000
    csrs mstatus, t0
    fld fa0, 0(a1)
    csrr a0, mstatus
    li t0, FS_MASK
    and a2, a0, t0
    CHECK(72, a2, FS_DIRTY)
    li t0, FS_MASK
    csrc mstatus, t0
    li t0, 0x2000
    csrs mstatus, t0
    csrwi fflags, 1
    csrr a0, mstatus
    li t0, FS_MASK
    and a2, a0, t0
    CHECK(73, a2, FS_DIRTY)

    TRAP_RESTORE
    TEST_PASS
    TRAP_HANDLER
TEST_END

    .data
    .balign 8
fdata:
    .dword 0x5555555555555555
