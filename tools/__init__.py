"""Development tools: the benchmark, local PostgreSQL/Redis/nginx, content and docs checks, the
NLU gate and evaluations, the spaCy pipeline builder, the dependency lock. Nothing a server runs
imports them."""
