"""Helpers shared by the asv benchmark modules."""
from __future__ import annotations

import accel

BACKENDS = list(accel.BACKEND_NAMES)


def backend_or_skip(name: str) -> accel.Backend:
    """The backend, or NotImplementedError (asv: skip) when it cannot run on this machine."""
    try:
        return accel.backend(name)
    except accel.BackendUnavailable as e:
        raise NotImplementedError(str(e)) from e
