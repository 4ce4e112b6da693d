#!/usr/bin/env python3
"""Stands in for ``python -m neural_hpo.cli run ... --json-events`` in the job tests: prints the
engine's JSON events, one trial every 0.2 s, and stops on SIGINT like the engine does."""

import json
import signal
import sys
import time
from pathlib import Path

argv = sys.argv
trials = int(argv[argv.index("--trials") + 1])
record = Path(argv[argv.index("--storage") + 1].removeprefix("sqlite:///") + ".argv")
record.parent.mkdir(parents=True, exist_ok=True)
record.write_text(json.dumps(argv))


def stop(signum, frame):
    print(json.dumps({"event": "interrupted"}), flush=True)
    sys.exit(130)


signal.signal(signal.SIGINT, stop)
print(json.dumps({"event": "study_start", "study": "fake", "n_trials": trials}), flush=True)
best = 0.0
for i in range(trials):
    time.sleep(0.2)
    best = max(best, 0.5 + i / (2 * trials))
    event = {
        "event": "trial_complete",
        "number": i,
        "value": best,
        "best_value": best,
        "metric": "accuracy",
    }
    print(json.dumps(event), flush=True)
print("not json: ignored", flush=True)
