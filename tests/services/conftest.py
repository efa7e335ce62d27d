"""The services tier: tests that start a process serving on loopback (Redis, nginx, the action
server, `make run`'s supervisor with a stand-in server), each stopped when its tests end.

Redis is pytest-redis's throwaway `redis-server` (the executable on PATH) with a password, as the
deployments run it; nginx is the one on PATH. `make test-services` installs Debian's packages
when either is missing, so no test installs anything."""

from pytest_redis import factories

REDIS_PASSWORD = "services-tier-redis-password"

# one Redis for the session, and one that a test stops and starts again
redis_server = factories.redis_proc(password=REDIS_PASSWORD)
redis_to_restart = factories.redis_proc(password=REDIS_PASSWORD)
