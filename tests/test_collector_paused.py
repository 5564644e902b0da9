"""Background jobs run with Python's cycle collector paused: its scans of what a job builds
hold Python's lock, and at 200,000 tenders they froze the window for half a second at a time."""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from consortium import memory
from ui.background import LatestJob
from ui.runner import run_task


def test_paused_while_any_job_runs_and_restored_after_the_last():
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def long_job() -> None:
        with memory.collector_paused():
            inside.set()
            release.wait(10)

    other = threading.Thread(target=long_job)
    other.start()
    inside.wait(10)
    with memory.collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other job still runs
    release.set()
    other.join(10)
    assert gc.isenabled()
    with pytest.raises(ValueError), memory.collector_paused():
        raise ValueError("a job that fails")
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off():
    gc.disable()
    try:
        with memory.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_windows_jobs_run_with_it_paused(qtbot):
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, bool] = {}
    job = LatestJob(parent, ThreadPoolExecutor(max_workers=1), lambda r: seen.update(latest=r))
    job.start(lambda _stale: gc.isenabled())
    qtbot.waitUntil(lambda: "latest" in seen, timeout=5000)
    run_task(parent, "A job", lambda _p, _c: gc.isenabled(), lambda r: seen.update(task=r))
    qtbot.waitUntil(lambda: "task" in seen, timeout=5000)
    assert seen == {"latest": False, "task": False}
    assert gc.isenabled()  # on again once they are done


def test_what_a_big_job_kept_is_set_aside_and_a_small_jobs_is_not():
    frozen = gc.get_freeze_count()
    kept: list = []
    with memory.collector_paused():
        kept.extend([i] for i in range(memory.KEPT_BY_A_BIG_JOB + 10_000))
    assert gc.get_freeze_count() >= frozen + memory.KEPT_BY_A_BIG_JOB and gc.isenabled()
    gc.unfreeze()  # this test's own objects back in the generations
    frozen = gc.get_freeze_count()
    gc.collect()
    with memory.collector_paused():
        small = [[i] for i in range(100)]
    assert gc.get_freeze_count() == frozen and len(small) == 100
    kept.clear()
