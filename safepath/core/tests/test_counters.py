"""Window counters in the cache (abuse flags, follow-up throttles), on whichever cache is set."""

from __future__ import annotations

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from safepath.core.counters import count_in_window


def test_a_counter_counts_from_one_and_starts_again_after_its_window() -> None:
    assert [count_in_window("test:window", 60) for _ in range(3)] == [1, 2, 3]
    assert cache.get("test:window") == 3  # what the cache API reads is the same number

    cache.delete("test:window")  # as when its window ends

    assert count_in_window("test:window", 60) == 1


def test_on_redis_the_window_is_set_once_at_the_first_count() -> None:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return  # the local-memory cache keeps the window through cache.add
    key = backend.make_and_validate_key("test:window-ttl")
    client = backend._cache.get_client(key, write=True)
    count_in_window("test:window-ttl", 60)
    client.expire(key, 30)
    count_in_window("test:window-ttl", 60)

    assert 0 < client.ttl(key) <= 30  # a later count does not push the window out
    cache.delete("test:window-ttl")
