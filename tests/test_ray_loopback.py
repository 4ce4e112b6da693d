"""A local Ray started by neural-hpo listens on 127.0.0.1 only, whatever the environment: run in
a clean one (no RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER, which the test session sets), every listening
socket of the driver and of the Ray processes it started is on loopback (``ss -ltnp``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from ray_helpers import ROOT

LOOPBACK = {"127.0.0.1", "[::ffff:127.0.0.1]", "[::1]"}

PROBE = """
import json, os, re, subprocess
from neural_hpo.distributed.runtime import connected

def family(pid):
    rows = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True)
    kids = {}
    for line in rows.stdout.splitlines():
        p, pp = map(int, line.split())
        kids.setdefault(pp, []).append(p)
    seen, todo = {pid}, [pid]
    while todo:
        for k in kids.get(todo.pop(), []):
            seen.add(k)
            todo.append(k)
    return seen

def pid():
    return os.getpid()

with connected(num_cpus=1):
    import ray
    ray.get(ray.remote(pid).remote())  # a worker process is up
    ours = family(os.getpid())
    ss = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = [
        (line.split()[3], re.findall(r'\\("([^"]+)"', line))
        for line in ss.splitlines()
        if ours & {int(p) for p in re.findall(r"pid=(\\d+)", line)}
    ]
print(json.dumps(found))
"""


def test_a_local_ray_listens_on_loopback_only_in_a_clean_environment() -> None:
    clean = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": ROOT,
        "RAY_AUTH_MODE": "disabled",
    }
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr[-2000:]
    sockets = json.loads(out.stdout.strip().splitlines()[-1])
    names = {name for _, procs in sockets for name in procs}
    assert {"gcs_server", "raylet"} <= names, sockets
    outside = [(a, p) for a, p in sockets if a.rsplit(":", 1)[0] not in LOOPBACK]
    assert not outside, outside
