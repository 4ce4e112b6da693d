"""Telling an allocator's failure from other errors: a trial whose model or batch does not fit
fails as "out of memory: ...", not with whatever error wrapped the failed allocation."""

from __future__ import annotations

import re

import torch

#: what torch's allocators say when an allocation fails: a full GPU (also from cuDNN, cuBLAS
#: and older torch, as a RuntimeError), and the CPU allocator ("DefaultCPUAllocator: can't
#: allocate memory: you tried to allocate ... bytes")
_OOM_WORDS = (
    "out of memory",
    "can't allocate memory",
    "not enough memory",
    "cannot allocate memory",
)
#: the C++ assertion torch puts before the CPU allocator's message
_ENFORCE = re.compile(r"^\[enforce fail at [^\]]*\][^.]*\.\s*")


def is_out_of_memory(exc: BaseException) -> bool:
    """torch's OutOfMemoryError, Python's MemoryError, or a RuntimeError from an allocator."""
    if isinstance(exc, (torch.cuda.OutOfMemoryError, MemoryError)):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(w in text for w in _OOM_WORDS)


def allocator_message(exc: BaseException) -> str:
    """``exc``'s text without the C++ assertion torch puts before the CPU allocator's words."""
    return _ENFORCE.sub("", str(exc))
