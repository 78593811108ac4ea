/*
 * The counted region's markers under QEMU user mode (shared by _rsmeter.c, which issues
 * them, and _rsqemu.c, the plugin that acts on them).
 *
 * A marker is a system call with a number no kernel and no QEMU implements (the guest gets
 * ENOSYS and QEMU makes no host call); the plugin's syscall callback sees it first. Only
 * native code can issue a system call by number, and the sandbox policy refuses native code
 * to candidates, so only _rsmeter.run issues markers; the plugin also accepts them only in
 * order (seal, open, close), each once per process, the last two with the nonce the seal
 * chose.
 */
#ifndef RS_MARKER_H
#define RS_MARKER_H

#define RS_MARK_NR 0x52534dL              /* "RSM": far above any system call number */
#define RS_MARK_MAGIC 0x7273726567696f6eULL /* "rsregion" */
#define RS_MARK_SEAL 1  /* a3: nonce, a4: RLIMIT_AS for the run (0: none); installs the filter */
#define RS_MARK_OPEN 2  /* a3: nonce: the count starts */
#define RS_MARK_CLOSE 3 /* a3: nonce: the count stops; written at the process's exit */
#define RS_MARK_EXIT 4  /* a3: nonce, a4: exit code: write the count and end the process now */

#endif
