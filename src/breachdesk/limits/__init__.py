"""Limits that hold across workers and servers: counted in the store every node shares.

`rate` is the public rate limit per client address. The other limits live with what they
guard and are counted in the same store, each by one atomic statement or under a lock: failed
logins (`auth.service`), the register's self-check (`register.limits`) and callback requests
(`inquiries.callbacks`).
"""

from breachdesk.limits.rate import LimitStoreError, Rate, SharedRateLimit, public_rate_limit

__all__ = ["LimitStoreError", "Rate", "SharedRateLimit", "public_rate_limit"]
