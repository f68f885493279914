"""The simulator kernel: the only implementation of the event rules (numba-compiled;
plain Python under ``NUMBA_DISABLE_JIT=1``). See ``docs/simulator.md``.

Modules: :mod:`.state` (named arrays), :mod:`.ops` (heap, stack, records), :mod:`.trains`
and :mod:`.vessels` (one handler per event or action), :mod:`.loop` (the event loop),
:mod:`.run` (network arrays, replication runs, tracking log).
"""

from transcaspian.sim.kernel.run import TRACK_COLUMNS, KernelModel, build_network, run_replication

__all__ = ["TRACK_COLUMNS", "KernelModel", "build_network", "run_replication"]
