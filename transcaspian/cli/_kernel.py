"""Whether the simulator's compiled kernel is already in numba's on-disk cache.

The first simulation after an install (or after the kernel's sources change) compiles the
kernel, about 25 s; later runs load the machine code numba cached (``cache=True``). The CLI
says so before the progress bar starts instead of showing a bar frozen at 0.
"""

from __future__ import annotations

import os

#: What the CLI says before a run that compiles the kernel.
COMPILING = "compiling the simulation kernel once (~25 s; later runs reuse it)"


def kernel_compiled() -> bool:
    """True when the kernel's event loop has machine code in numba's cache (or runs as plain
    Python under ``NUMBA_DISABLE_JIT=1``, or the cache cannot be inspected: then nothing is
    said)."""
    if os.environ.get("NUMBA_DISABLE_JIT") == "1":
        return True
    try:
        from transcaspian.sim.kernel.loop import advance

        return bool(advance._cache._cache_file._load_index())
    except Exception:   # numba's cache internals differ: stay silent rather than fail a run
        return True
