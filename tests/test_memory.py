import sys

from ethicsnlp.memory import release_freed_memory


def test_release_freed_memory_trims_on_glibc_and_is_harmless_elsewhere():
    trimmed = release_freed_memory()
    assert isinstance(trimmed, bool)
    if sys.platform.startswith("linux"):
        import platform

        if platform.libc_ver()[0] == "glibc":
            assert trimmed


def test_release_freed_memory_lowers_resident_memory_after_a_large_free():
    import pytest

    if not release_freed_memory():
        pytest.skip("no malloc_trim on this platform")

    def resident_kb() -> int:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS")

    # 8 kB strings come from glibc's heap (Python's own allocator stops at 512
    # bytes); small strings allocated between them stay live, so the freed space is
    # scattered holes that glibc keeps until asked to trim
    blocks, pins = [], []
    for i in range(8_000):  # about 64 MB of blocks
        blocks.append(f"{i:08d}" * 1024)
        pins.append(f"{i:08d}" * 80)
    del blocks
    before = resident_kb()
    release_freed_memory()
    after = resident_kb()
    assert len(pins) == 8_000
    assert before - after > 30_000, (before, after)
