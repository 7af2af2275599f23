/* The trigger CSRs of a hart with no triggers (RISC-V debug spec 1.0: the
 * Sdtrig "Enumeration" steps and the tselect, tdata1-3 and tinfo register
 * descriptions). They exist in M mode so that software probing them gets
 * an answer instead of a trap: tselect is WARL and holds 0, tdata1 reads
 * type 0 ("no trigger at this tselect"), tdata2 and tdata3 read 0, tinfo
 * reads 1 ("the selected trigger doesn't exist"); writes are ignored.
 * The optional tcontrol and mcontext are not implemented, and the Debug
 * Mode registers (0x7b0-0x7bf) are illegal in M mode, as the privileged
 * spec recommends. From S and U every trigger CSR is illegal. */
#include "priv_test.h"

    TEST_BEGIN
    INSTALL_MTRAP
    PMP_ALLOW_ALL

    /* ================= what a probe reads ================= */
    TEST_NO_TRAP(1, csrwi tselect, 0)
    csrr a0, tselect
    CHECK(2, a0, 0)
    csrr a0, tinfo
    CHECK(3, a0, 1)
    csrr a0, tdata1
    CHECK(4, a0, 0)
    csrr a0, tdata2
    CHECK(5, a0, 0)
    csrr a0, tdata3
    CHECK(6, a0, 0)

    /* ================= tselect is WARL: it stays 0 ================= */
    TEST_NO_TRAP(7, csrwi tselect, 1)
    csrr a0, tselect
    CHECK(8, a0, 0)
    li a1, -1
    TEST_NO_TRAP(9, csrw tselect, a1)
    csrr a0, tselect
    CHECK(10, a0, 0)
    li a1, 3
    TEST_NO_TRAP(11, csrrw a0, tselect, a1)
    CHECK(12, a0, 0)
    TEST_NO_TRAP(13, csrrs a0, tselect, a1)
    CHECK(14, a0, 0)
    csrr a0, tselect
    CHECK(15, a0, 0)

    /* ================= writes to the others are ignored ================= */
    li a1, -1
    TEST_NO_TRAP(16, csrw tdata1, a1)
    csrr a0, tdata1
    CHECK(17, a0, 0)
    /* an mcontrol6 execute trigger in M mode at address 0 */
    li a1, (6 << 60) | (1 << 6) | (1 << 2)
    TEST_NO_TRAP(18, csrw tdata1, a1)
    csrr a0, tdata1
    CHECK(19, a0, 0)
    li a1, 0x80000000
    TEST_NO_TRAP(20, csrw tdata2, a1)
    csrr a0, tdata2
    CHECK(21, a0, 0)
    TEST_NO_TRAP(22, csrw tdata3, a1)
    csrr a0, tdata3
    CHECK(23, a0, 0)
    TEST_NO_TRAP(24, csrwi tinfo, 0)
    csrr a0, tinfo
    CHECK(25, a0, 1)
    TEST_NO_TRAP(26, csrrci a0, tdata1, 1)
    CHECK(27, a0, 0)

    /* ================= the spec's enumeration finds none ================= */
    /* for i = 0, 1, ...: write i to tselect; stop if it does not read back
     * i, or tinfo says the trigger does not exist (info 1), or tdata1 says
     * so (type 0) */
    li a2, 0                        /* triggers found */
1:  csrw tselect, a2
    csrr a0, tselect
    bne a0, a2, 2f
    csrr a0, tinfo
    li t0, 1
    beq a0, t0, 2f
    csrr a0, tdata1
    srli a0, a0, 60
    beqz a0, 2f
    addi a2, a2, 1
    li t0, 64
    bltu a2, t0, 1b
2:  CHECK(28, a2, 0)

    /* ================= not implemented ================= */
    TEST_ILLEGAL(29, csrr a0, tcontrol)
    TEST_ILLEGAL(30, csrr a0, mcontext)
    TEST_ILLEGAL(31, csrr a0, dcsr)
    TEST_ILLEGAL(32, csrw dpc, a1)
    TEST_ILLEGAL(33, csrr a0, dscratch0)

    /* ================= M mode only ================= */
    MRET_TO(PRV_S, 1f)
1:  TEST_ILLEGAL(34, csrr a0, tselect)
    TEST_ILLEGAL(35, csrwi tselect, 0)
    TEST_ILLEGAL(36, csrr a0, tdata1)
    TEST_ILLEGAL(37, csrw tdata2, a1)
    TEST_ILLEGAL(38, csrr a0, tinfo)
    GOTO_M(1f)
1:  MRET_TO(PRV_U, 1f)
1:  TEST_ILLEGAL(39, csrr a0, tselect)
    TEST_ILLEGAL(40, csrr a0, tdata1)
    TEST_ILLEGAL(41, csrr a0, tinfo)
    GOTO_M(1f)
1:  csrr a0, tselect                /* back in M: still readable */
    CHECK(42, a0, 0)

    TEST_PASS
    TEST_END
    TRAP_HANDLERS
