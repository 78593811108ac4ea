/* Drives the QEMU counting plugin's markers in every order a forger could try (test_qemu_meter.py).
 * argv[1]: scenario. The program forks first (the parent never marks: it must write nothing),
 * then the child runs the scenario and exits. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../../reward_service/meter/_rsmarker.h"

static volatile uint64_t sink;

static void work(int n) {
    for (int i = 0; i < n; i++)
        sink += (uint64_t)i * i;
}

static long mark(long op, uint64_t nonce, uint64_t arg) {
    return syscall(RS_MARK_NR, RS_MARK_MAGIC, op, nonce, arg);
}

int main(int argc, char **argv) {
    const char *s = argc > 1 ? argv[1] : "plain";
    work(1000000);  /* the template's own work: never part of a run's count */
    pid_t pid = fork();
    if (pid != 0) {
        int status;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
    }
    if (strcmp(s, "unsealed") == 0) {  /* open and close without a seal: ignored */
        mark(RS_MARK_OPEN, 7, 0);
        work(1000);
        mark(RS_MARK_CLOSE, 7, 0);
        _exit(0);
    }
    mark(RS_MARK_SEAL, 7, 0);
    pid_t child = fork();  /* the filter is in place: no process creation */
    if (child == 0)
        _exit(0);
    if (child > 0)
        _exit(3);
    if (strcmp(s, "wrong-nonce") == 0) {
        mark(RS_MARK_OPEN, 8, 0);
        work(1000);
        mark(RS_MARK_CLOSE, 8, 0);
        _exit(0);
    }
    mark(RS_MARK_OPEN, 7, 0);
    work(strcmp(s, "big") == 0 ? 20000 : 10000);
    if (strcmp(s, "early-close") == 0) {  /* a close, then a second open/close pair: the first close wins */
        mark(RS_MARK_CLOSE, 7, 0);
        mark(RS_MARK_OPEN, 7, 0);
        work(100000);
    }
    mark(RS_MARK_CLOSE, 7, 0);
    work(100000);  /* after the close: not counted */
    if (strcmp(s, "exit-marker") == 0)
        mark(RS_MARK_EXIT, 7, 0);  /* the count is written here, and the process ends */
    _exit(0);
}
