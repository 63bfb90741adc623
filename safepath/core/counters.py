"""Counters in the cache over a fixed window: abuse flags and follow-up throttles.

``count_in_window`` adds one to a key that lives ``seconds`` from its first count, and
returns the new count. Django's cache API needs three round trips for that on Redis (ADD, an
EXISTS inside INCR, INCR); a reporter's every saved answer counts one, inside its
transaction, so on Redis it is one pipelined round trip (SET NX EX and INCR) instead.
"""

from __future__ import annotations

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache


def count_in_window(key: str, seconds: int) -> int:
    """Add one to ``key`` (a window of ``seconds`` from its first count); the new count."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_key = backend.make_and_validate_key(key)
        client = backend._cache.get_client(full_key, write=True)  # Django's own connection
        pipe = client.pipeline(transaction=False)
        # An integer is stored as itself (as the cache API would), so INCR works on it.
        pipe.set(full_key, 0, nx=True, ex=seconds)
        pipe.incr(full_key)
        return int(pipe.execute()[1])
    cache.add(key, 0, seconds)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        return 1
