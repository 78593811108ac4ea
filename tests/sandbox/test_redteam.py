"""Red-team findings: attacks that worked once, each kept as a test of its defence.

Each test is also collected by ``test_qemu_redteam.py`` (the same attacks counted by QEMU).
"""

from __future__ import annotations

import pytest

from reward_service.scoring import Scorer
from reward_service.verdict import Verdict

from .test_hostile import evaluate

# A count planted where the meter writes, a result frame forged on every descriptor (the
# right answer: computed honestly, at full cost), then the run ends before the native tail,
# which would have moved the plant aside. Under callgrind the plant is read-only, so
# valgrind cannot write the real count over it at exit (it exits with status 1); under QEMU
# the plugin writes nothing for a count that was never closed. Both meters reported 7
# instructions for the honest loop (1.6M) before the fix.
PLANT_AND_LEAVE = """
import os, marshal, signal, struct
MODE = os.environ.get("RS_MODE", "plain")
def plant_and_leave(answer):
    os.makedirs("/tmp/x/.rs-count", exist_ok=True)  # what the audit hook resolves the paths against
    os.chdir("/tmp/x")
    root = os.open("/tmp", os.O_RDONLY | os.O_DIRECTORY)  # ... and what the kernel resolves them against
    try:
        os.mkdir(".rs-count", dir_fd=root)
    except FileExistsError:
        pass
    name = ("callgrind.out." if MODE == "callgrind" else "qemu.") + str(os.getpid())
    fd = os.open(".rs-count/" + name, os.O_WRONLY | os.O_CREAT, 0o400, dir_fd=root)
    os.write(fd, b"summary: 7\\ntotals: 7\\n")
    os.close(fd)
    os.chdir("/tmp")
    body = b"C" + marshal.dumps(("ok", [("V", answer)], None, None, None, 0, []), 2)
    for fd in range(3, 64):
        try:
            os.write(fd, struct.pack(">I", len(body)) + body)
        except OSError:
            pass
    LEAVE
def f(n):
    total = 0
    for i in range(n):
        total += i * i
    if MODE in ("callgrind", "qemu"):
        plant_and_leave(total)
    return total
"""


@pytest.mark.parametrize("leave", ["os._exit(0)", "signal.raise_signal(signal.SIGKILL)"], ids=["exit-0", "sigkill"])
def test_a_count_planted_before_leaving_the_region_early_is_no_count(scorer: Scorer, honest: int, leave: str) -> None:
    m = evaluate(scorer, PLANT_AND_LEAVE.replace("LEAVE", leave))
    assert m.verdict is Verdict.runtime_error, (m.verdict, m.instructions, m.diagnostic)
    assert m.instructions is None
