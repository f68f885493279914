"""The simulator kernel: the only implementation of the event rules (numba-compiled;
plain Python under ``NUMBA_DISABLE_JIT=1``). See ``docs/simulator.md``.

Modules: :mod:`.state` (named arrays), :mod:`.ops` (heap, stack, records), :mod:`.trains`
and :mod:`.vessels` (one handler per event or action), :mod:`.loop` (the event loop),
:mod:`.run` (network arrays, replication runs, tracking log).
"""

import hashlib
from pathlib import Path


def _drop_stale_cache() -> None:
    """Delete numba's cached machine code when any kernel module changed.

    numba checks only the file that defines a function, but the loop inlines handlers from
    the other modules; a digest of all of them keeps the cache honest.
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(here.glob("*.py")))).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "kernel-sources.sha256"
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
            f.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:   # read-only install: numba uses its own cache directory
        pass


_drop_stale_cache()

from transcaspian.sim.kernel.run import (  # noqa: E402
    TRACK_COLUMNS,
    KernelModel,
    array_caps,
    build_network,
    first_samples,
    memory_bytes,
    run_replication,
)

__all__ = ["TRACK_COLUMNS", "KernelModel", "array_caps", "build_network", "first_samples", "memory_bytes",
           "run_replication"]
