#!/usr/bin/env python3
"""Times safetensors.numpy.load_file on FILE: one warm-up, then RUNS timed loads; prints JSON with the
median seconds and the bytes loaded. Called by SafetensorsReadBench (scripts/bench/safetensors.sh)."""
import json
import platform
import statistics
import sys
import time

import numpy as np
import safetensors
from safetensors.numpy import load_file


def main(path, runs):
    nbytes = sum(a.nbytes for a in load_file(path).values())  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        tensors = load_file(path)
        times.append(time.perf_counter() - t0)
        del tensors
    print(json.dumps({"median_seconds": statistics.median(times), "bytes": nbytes, "runs": runs,
                      "safetensors": safetensors.__version__, "numpy": np.__version__,
                      "python": platform.python_version()}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
