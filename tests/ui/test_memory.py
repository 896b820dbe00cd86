"""The app's allocator policy: applied on glibc, harmless elsewhere, and memory freed by a big job goes back."""

from __future__ import annotations

import subprocess
import sys

import pytest

from repcompanion.ui import memory

CHILD = """
import sys
from repcompanion.ui.memory import release_free_memory, tune_allocator

def rss_mb():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20

tuned = sys.argv[1] == "tuned"
if tuned:
    tune_allocator()
before = rss_mb()
blocks = [bytes(2000 + i % 1000) for i in range(100_000)]  # ~250 MB in the C heap, like a sync's page burst
survivors = blocks[::64]  # a few stay alive, scattered through the heap
del blocks
if tuned:
    release_free_memory()
print(round(rss_mb() - before))
"""


def _kept_mb(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(memory._glibc() is None, reason="the allocator policy applies to glibc (Linux) only")
def test_memory_freed_around_survivors_goes_back_to_the_system():
    assert _kept_mb("plain") > 150  # glibc's defaults keep the freed pages between the survivors
    assert _kept_mb("tuned") < 40


def test_the_policy_is_a_no_op_without_glibc(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    assert memory.tune_allocator() is False
    memory.release_free_memory()
