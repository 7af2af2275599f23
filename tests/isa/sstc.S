/* Sstc: with menvcfg.STCE set, mip.STIP follows time >= stimecmp (and
 * M-mode writes to it are ignored); stimecmp moves clear it again; an
 * S-mode access to stimecmp needs mcounteren.TM, else it is illegal. */
#include "test.h"

#define CSR_STIMECMP 0x14d
#define MIP_STIP (1 << 5)

TEST_BEGIN
    li t0, 1
    slli t0, t0, 63
    csrs menvcfg, t0
    csrr a0, menvcfg
    srli a0, a0, 63
    CHECK(1, a0, 1)

    /* compare in the past: STIP at once */
    csrw CSR_STIMECMP, zero
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(2, a0, MIP_STIP)
    /* M cannot clear it by writing mip while Sstc drives it */
    li t0, MIP_STIP
    csrc mip, t0
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(3, a0, MIP_STIP)
    /* far in the future: clear */
    li t0, -1
    csrw CSR_STIMECMP, t0
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(4, a0, 0)
    /* a little ahead: clear now, set once time passes it */
    rdtime t0
    addi t0, t0, 200
    csrw CSR_STIMECMP, t0
    csrr a0, mip
    andi a0, a0, MIP_STIP
    CHECK(5, a0, 0)
1:  csrr a0, mip
    andi a0, a0, MIP_STIP
    beqz a0, 1b
    csrr a1, CSR_STIMECMP
    li gp, 6
    bne a1, t0, test_fail

    /* S-mode with mcounteren.TM = 0: stimecmp is illegal */
    csrw mcounteren, zero
    la t0, s_trap
    csrw mtvec, t0
    li t0, 3 << 11
    csrc mstatus, t0
    li t0, 1 << 11
    csrs mstatus, t0            /* MPP = S */
    la t0, s_code
    csrw mepc, t0
    mret
s_code:
    csrr a0, CSR_STIMECMP       /* traps */
    li gp, 7
    j test_fail
    .balign 4
s_trap:
    csrr a0, mcause
    CHECK(8, a0, 2)
    csrr a0, mepc
    la t0, s_code
    li gp, 9
    bne a0, t0, test_fail
    TEST_PASS
TEST_END
