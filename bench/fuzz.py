"""Generated and mutated ``.neural`` documents through parse+check (``analyze``): 0 crashes.

    python bench/fuzz.py [--documents 100000] [--seed 0] [--jobs 2]

Each document is one of: an example file with up to six random edits (cut, insert a token),
a soup of DSL tokens, arbitrary text, or a hostile shape (brackets or ``hpo`` nested hundreds
deep, a number of thousands of digits, NULs and terminal escapes). A crash is an exception out
of ``analyze`` or a diagnostic whose range lies outside the document; the first few are printed.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import SAMPLES, TOKENS
from test_dsl_fuzz import _assert_sound

HOSTILE = [
    lambda r: "network N { input: (8,8,1) Dense(units: " + "(" * r.randint(90, 600) + "4 }",
    lambda r: "Dense(units: " + "hpo(categorical: [" * r.randint(90, 200) + "1",
    lambda r: f"network N {{ input: (8,8,1) Dense(units: {'9' * r.randint(90, 6000)}) }}",
    lambda r: r.choice(SAMPLES).replace("relu", "re\x00lu\x1b]0;x\x07", 1),
    lambda r: f"network N {{ optimizer: adam(learning_rate: 1e{r.randint(200, 999)}) }}",
]


def document(r: random.Random) -> str:
    kind = r.random()
    if kind < 0.6:
        text = r.choice(SAMPLES)
        for _ in range(r.randint(1, 6)):
            pos = r.randint(0, len(text))
            text = text[:pos] + r.choice([*TOKENS, ""]) + text[pos + r.randint(0, 20) :]
        return text
    if kind < 0.8:
        return " ".join(r.choice(TOKENS) for _ in range(r.randint(0, 80)))
    if kind < 0.95:
        return "".join(chr(r.randint(0, 0x2FF)) for _ in range(r.randint(0, 300)))
    return r.choice(HOSTILE)(r)


def run_chunk(args: tuple[int, int]) -> tuple[int, list[str]]:
    seed, n = args
    r, crashes = random.Random(seed), []
    for _ in range(n):
        text = document(r)
        try:
            _assert_sound(text)
        except BaseException as exc:  # every kind counts as a crash here
            crashes.append(f"{type(exc).__name__}: {str(exc)[:200]} in {text[:120]!r}")
    return n, crashes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--documents", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    chunk = 1000
    work = [
        (args.seed * 1_000_003 + i, min(chunk, args.documents - i * chunk))
        for i in range((args.documents + chunk - 1) // chunk)
    ]
    start, done, crashes = time.perf_counter(), 0, []
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        for n, found in pool.imap_unordered(run_chunk, work):
            done, crashes = done + n, crashes + found
            if done % 10_000 < chunk:
                print(f"  {done} documents, {len(crashes)} crashes", flush=True)
    elapsed = time.perf_counter() - start
    print(f"{done} documents in {elapsed:.0f} s: {len(crashes)} crashes")
    for line in crashes[:10]:
        print("  " + line)
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
