"""The token bucket, on a fake clock (no real sleeping)."""

from __future__ import annotations

import threading

import pytest

from screening.eutils import RATE_WITH_KEY, RATE_WITHOUT_KEY, TokenBucket, process_bucket


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _max_in_window(times: list[float], window: float = 1.0) -> int:
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window - 1e-9:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_first_token_is_free_then_requests_are_spaced_by_one_over_rate() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.5, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.4, 0.4, 0.4])
    assert clock.now == pytest.approx(101.2)


@pytest.mark.parametrize(("rate", "limit"), [(RATE_WITHOUT_KEY, 3), (RATE_WITH_KEY, 10)],
                         ids=["without-key", "with-key"])
def test_no_one_second_window_exceeds_ncbi_limit(rate: float, limit: int) -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(200):
        bucket.acquire()
        times.append(clock.now)
    assert _max_in_window(times) <= limit
    assert len(times) / (times[-1] - times[0]) == pytest.approx(rate, rel=0.01)


def test_idle_time_refills_only_up_to_capacity() -> None:
    clock = FakeClock()
    bucket = TokenBucket(2.0, capacity=2, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.acquire()
    clock.now += 60  # a long idle spell stores no more than two tokens
    assert [bucket.acquire() for _ in range(3)] == pytest.approx([0.0, 0.0, 0.5])


def test_concurrent_reservations_queue_one_after_another() -> None:
    clock = FakeClock()
    lock = threading.Lock()
    bucket = TokenBucket(4.0, clock=clock, sleep=lambda s: None)  # reserve only
    waits: list[float] = []

    def take() -> None:
        for _ in range(25):
            wait = bucket.reserve()
            with lock:
                waits.append(wait)

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the clock never moved: 100 reservations are queued 0.25 s apart, none twice
    assert sorted(waits) == pytest.approx([i * 0.25 for i in range(100)])


def test_bad_rate_and_capacity_are_refused() -> None:
    with pytest.raises(ValueError, match=r"rate must be positive \(got 0\)"):
        TokenBucket(0)
    with pytest.raises(ValueError, match=r"capacity must be at least 1 \(got 0.5\)"):
        TokenBucket(1, capacity=0.5)


def test_one_bucket_per_process_and_key() -> None:
    assert process_bucket(None) is process_bucket(None)
    assert process_bucket("key-a") is process_bucket("key-a")
    assert process_bucket("key-a") is not process_bucket(None)
    assert process_bucket(None).rate == RATE_WITHOUT_KEY < 3
    assert process_bucket("key-a").rate == RATE_WITH_KEY < 10
