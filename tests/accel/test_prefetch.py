"""accel.prefetch: the numba prefetch intrinsic compiles for the arrays the kernels use and leaves
results alone; a non-array argument is a typing error, not a crash."""
import numba as nb
import numpy as np
import pytest

from accel.prefetch import prefetch


@nb.njit
def _sum_with_prefetch(values, ahead):
    total = 0
    flat = values.reshape(-1)
    for i in range(flat.shape[0]):
        if i + ahead < flat.shape[0]:
            prefetch(values, i + ahead)
        total += flat[i]
    return total


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint64, np.int32])
@pytest.mark.parametrize("shape", [(1000,), (2, 50, 64)])
def test_prefetch_leaves_results_alone(dtype, shape):
    values = np.random.default_rng(1).integers(0, 100, size=shape).astype(dtype)
    assert _sum_with_prefetch(values, 4) == int(values.sum(dtype=np.int64))


def test_prefetch_rejects_non_arrays():
    @nb.njit
    def bad(x):
        prefetch(x, 0)

    with pytest.raises(nb.core.errors.TypingError):
        bad(3)
