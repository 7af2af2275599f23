/* 9P2000.L wire constants: message types, qid types, the open flags, the
 * getattr/setattr masks and the lock values, as the protocol numbers them. */
#ifndef CELLA_VM_BACKEND_P9PROTO_H
#define CELLA_VM_BACKEND_P9PROTO_H

/* T-messages; each reply is the request's type + 1. */
enum {
    P9_RLERROR = 7,
    P9_TSTATFS = 8,
    P9_TLOPEN = 12,
    P9_TLCREATE = 14,
    P9_TSYMLINK = 16,
    P9_TMKNOD = 18,
    P9_TRENAME = 20,
    P9_TREADLINK = 22,
    P9_TGETATTR = 24,
    P9_TSETATTR = 26,
    P9_TXATTRWALK = 30,
    P9_TXATTRCREATE = 32,
    P9_TREADDIR = 40,
    P9_TFSYNC = 50,
    P9_TLOCK = 52,
    P9_TGETLOCK = 54,
    P9_TLINK = 70,
    P9_TMKDIR = 72,
    P9_TRENAMEAT = 74,
    P9_TUNLINKAT = 76,
    P9_TVERSION = 100,
    P9_TAUTH = 102,
    P9_TATTACH = 104,
    P9_TFLUSH = 108,
    P9_TWALK = 110,
    P9_TREAD = 116,
    P9_TWRITE = 118,
    P9_TCLUNK = 120,
    P9_TREMOVE = 122,
};

#define P9_HDR_SIZE 7u          /* size[4] type[1] tag[2] */
#define P9_IOHDR_SIZE 11u       /* Rread's header: P9_HDR_SIZE + count[4] */
#define P9_NOFID 0xffffffffu
#define P9_MAX_WALK 16u         /* names in one Twalk */
#define P9_VERSION "9P2000.L"

#define P9_QTDIR 0x80u
#define P9_QTSYMLINK 0x02u
#define P9_QTFILE 0x00u
#define P9_QID_SIZE 13u         /* type[1] version[4] path[8] */

/* Tlopen/Tlcreate flags (the Linux values, named by the protocol). */
#define P9_DOTL_ACCMODE 03u
#define P9_DOTL_RDONLY 00u
#define P9_DOTL_WRONLY 01u
#define P9_DOTL_NOACCESS 03u
#define P9_DOTL_TRUNC 01000u
#define P9_DOTL_APPEND 02000u
#define P9_DOTL_NONBLOCK 04000u
#define P9_DOTL_DSYNC 010000u
#define P9_DOTL_SYNC 04000000u

#define P9_DOTL_AT_REMOVEDIR 0x200u

#define P9_GETATTR_BASIC 0x7ffull  /* mode .. blocks */

#define P9_SETATTR_MODE 0x01u
#define P9_SETATTR_UID 0x02u
#define P9_SETATTR_GID 0x04u
#define P9_SETATTR_SIZE 0x08u
#define P9_SETATTR_ATIME 0x10u
#define P9_SETATTR_MTIME 0x20u
#define P9_SETATTR_ATIME_SET 0x80u
#define P9_SETATTR_MTIME_SET 0x100u

#define P9_LOCK_SUCCESS 0u
#define P9_LOCK_TYPE_UNLCK 2u

#endif
