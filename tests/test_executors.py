"""The one executor abstraction (model/executors.py): a local pool, a Dask LocalCluster and
an address of an existing scheduler give the same ordered results; bad input is a UserError."""

from __future__ import annotations

import math

import pytest

from transcaspian.model.errors import UserError
from transcaspian.model.executors import LOCAL_CLUSTER, open_executor


def test_local_pool_and_dask_give_the_same_ordered_results() -> None:
    xs = [0.5 * i for i in range(20)]
    want = [math.sqrt(x) for x in xs]
    with open_executor(workers=2) as pool:
        assert pool.workers == 2 and pool.client is None
        assert list(pool.executor.map(math.sqrt, xs)) == want
    with open_executor(LOCAL_CLUSTER, workers=2) as pool:
        assert pool.workers == 2 and pool.label == "LocalCluster, 2 worker processes"
        assert list(pool.executor.map(math.sqrt, xs)) == want
        assert pool.executor.submit(pow, 3, 4).result() == 81
        address = pool.client.scheduler.address
        with open_executor(address) as other:  # an existing cluster, by its address
            assert other.workers == 2 and other.label.startswith(f"Dask scheduler {address}")
            assert list(other.executor.map(math.sqrt, xs)) == want


def test_bad_scheduler_and_workers_are_named() -> None:
    with pytest.raises(UserError) as err, open_executor("http//nowhere", workers=0):
        pass
    fields = [p.field for p in err.value.problems]
    assert fields == ["scheduler", "workers"]
    with pytest.raises(UserError, match=r"no Dask scheduler answers at tcp://127\.0\.0\.1:9"), \
            open_executor("tcp://127.0.0.1:9"):
        pass
