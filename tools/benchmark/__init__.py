"""The load benchmark (`make bench`, `python tools/bench.py`), by responsibility:

    workload.py     what the simulated parents say (English, and a Spanish share) and which reply is right
    load.py         the load driver: conversations over the REST channel, one turn at a time
    probes.py       the processes and the machine, from psutil: process trees, memory, CPU, other load
    summary.py      one level's figures: messages per second, percentiles, errors, memory, CPU
    deployments.py  the servers of one assistant in one deployment (single, workers, replicas)
    report.py       bench.md: the table, the target verdict, urgent-message latency, the machine
    plot.py         latency.png
    run.py          the command line and the run: deployments in turn, levels in turn, bench.json

tools/bench.py is the command; its docstring says what the benchmark measures and how.
"""
