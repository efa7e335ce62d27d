"""Load benchmark (`make bench`, docs/benchmark.md): the assistant against a stock `rasa init`
assistant, both served three ways on this machine, in one run.

Simulated parents talk to the REST channel (POST /webhooks/rest/webhook on 127.0.0.1): each
conversation has its own sender id and a realistic mix of turns (a greeting, topic questions, a
fever report with a reading, often a sign of infection, a thank-you, sometimes a goodbye), one turn
at a time: the next message is sent as soon as the reply has arrived (no typing pause, so the
figures are what the servers hold with that many conversations open). Each conversation has its own
HTTP connection (kept alive for its turns); when it ends, its parent starts a new one with a new
sender id and a new connection. A fifth of the assistant's conversations are in Spanish
(--spanish-share, default 0.2; 0 for English only): a Spanish fever or infection report must get
"Llame ahora", and no Spanish turn an English answer. The reference's are English.

Deployments (each started fresh, with fresh stores, and stopped before the next; within one, both
assistants' servers run side by side and are measured in turn, level by level, so that a change in
the machine's speed during the run affects both alike; an idle server uses no CPU):
  single    one `rasa run` on endpoints.yml: SQLite tracker store, in-process locks
  workers   one `rasa run` with two Sanic workers (Rasa 3.6 reads SANIC_WORKERS; it has no --workers
            option) on endpoints.production.yml: PostgreSQL tracker store, Redis lock store
  replicas  two `rasa run` on endpoints.production.yml behind nginx (round robin), sharing
            PostgreSQL and Redis
PostgreSQL, Redis and nginx come from tools/local_services.py. The assistant's action server
(one process) serves every deployment. The reference, `rasa init --no-prompt` trained at bench time
in a temporary folder with its default config, is served the same three ways with Rasa's stock
stores (SQLite / PostgreSQL tracker store, in-memory / Redis lock store); it has no custom action,
so it has no action server.

For each assistant, deployment and concurrency level (1, 10, 50 conversations at once): a short
unmeasured ramp, then a fixed measured window. Messages per second count the replies that arrived in
the window; p50/p95/p99 are over those replies' latencies; peak memory is the highest sum of the
resident set sizes (RSS, from psutil) of the Rasa server processes (all workers / replicas) and the
action server, sampled twice a second. Before measuring, each deployment gets a warm-up.

Writes results/bench/bench.json (every figure), bench.md (the table, the target verdict, the
machine) and latency.png (p50 and p95 latency and messages per second against concurrency), and
prints the table.

    python tools/bench.py                       # the full run, about 20 minutes
    python tools/bench.py --duration 5 --levels 1,10 --deployments single   # a quick look
    python tools/bench.py --reference-dir DIR   # reuse a `rasa init` project trained before
    python tools/bench.py --replot              # table and plot again from bench.json
    python tools/bench.py --spanish-share 0     # the assistant's conversations all in English

The code is in tools/benchmark/, one module per responsibility (its __init__ lists them).
"""

from __future__ import annotations

import sys

from tools.benchmark.run import main

if __name__ == "__main__":
    sys.exit(main())
