"""NumPy's own BLAS, called directly for what NumPy cannot fuse (float32 only).

Training spends most of its time in matrix products, which NumPy hands to
BLAS, and the rest in element-wise passes over the same arrays. Three BLAS
routines take most of those passes away:

- ``gemm``: C = alpha * A @ B + beta * C. A constant factor (1/255 for raw
  pixels, 1/N for the batch mean) is applied inside the product, for free.
- ``axpy``: y += a * x in one pass, without the temporary that NumPy's
  ``y -= a * x`` writes and reads back.
- ``scal``: x *= a, and ``axpby``: y = a * x + b * y (momentum's v = mu v + g).

They run in the library NumPy itself loaded (found through threadpoolctl),
on its thread pool, so a thread limit set on that library (the workshop
gate's) holds here too. Where no such library is found, every function falls
back to NumPy with the same results up to rounding; ``MLP_CORE_BLAS=numpy``
in the environment forces that. Arrays must not overlap one another.
"""

from __future__ import annotations

import ctypes
import os
import weakref

import numpy as np

_F32 = np.dtype(np.float32)
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # CBLAS enums


class _Routines:
    """The three entry points of one BLAS library, with their integer width."""

    def __init__(self, lib: ctypes.CDLL, prefix: str, suffix: str, int_type) -> None:
        I, F, P, E = int_type, ctypes.c_float, ctypes.c_void_p, ctypes.c_int
        self.gemm = getattr(lib, f"{prefix}sgemm{suffix}")
        self.gemm.argtypes = [E, E, E, I, I, I, F, P, I, P, I, F, P, I]
        self.axpy = getattr(lib, f"{prefix}saxpy{suffix}")
        self.axpy.argtypes = [I, F, P, I, P, I]
        self.scal = getattr(lib, f"{prefix}sscal{suffix}")
        self.scal.argtypes = [I, F, P, I]
        self.axpby = getattr(lib, f"{prefix}saxpby{suffix}")
        self.axpby.argtypes = [I, F, P, I, F, P, I]
        for f in (self.gemm, self.axpy, self.scal, self.axpby):
            f.restype = None


def _numpy_blas_path() -> str | None:
    """The file of the BLAS library NumPy loaded, or None if it cannot be told apart."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return None
    libs = [i for i in threadpool_info() if i.get("user_api") == "blas" and i.get("internal_api") == "openblas"]
    wheel_dir = os.path.dirname(os.path.abspath(np.__file__)) + ".libs"  # where NumPy's wheels keep it
    own = [i["filepath"] for i in libs if os.path.dirname(i["filepath"]) == wheel_dir]
    if own:
        return own[0]
    return libs[0]["filepath"] if len(libs) == 1 else None


def _open(path: str) -> _Routines | None:
    lib = ctypes.CDLL(path)  # the already loaded library: the same handle and thread pool
    for prefix, suffix in (("scipy_cblas_", "64_"), ("cblas_", "64_"), ("scipy_cblas_", ""), ("cblas_", "")):
        if not hasattr(lib, f"{prefix}sgemm{suffix}"):
            continue
        config = next(
            (
                getattr(lib, n)
                for n in (
                    "scipy_openblas_get_config64_",
                    "openblas_get_config64_",
                    "scipy_openblas_get_config",
                    "openblas_get_config",
                )
                if hasattr(lib, n)
            ),
            None,
        )
        wide = suffix == "64_"
        if config is not None:
            config.restype = ctypes.c_char_p
            wide = b"USE64BITINT" in (config() or b"")
        return _Routines(lib, prefix, suffix, ctypes.c_int64 if wide else ctypes.c_int32)
    return None


def _load() -> _Routines | None:
    if os.environ.get("MLP_CORE_BLAS", "").strip().lower() == "numpy":
        return None
    try:
        path = _numpy_blas_path()
        routines = _open(path) if path else None
    except (OSError, AttributeError, ValueError):
        return None
    return routines if routines is not None and _self_test(routines) else None


_ptrs: dict[int, tuple[weakref.ref, int]] = {}


def _ptr(x: np.ndarray) -> int:
    """x's data address; remembered per live array (reading it costs a microsecond each time)."""
    key = id(x)
    hit = _ptrs.get(key)
    if hit is not None and hit[0]() is x:
        return hit[1]
    address = x.ctypes.data
    _ptrs[key] = (weakref.ref(x, lambda _, key=key: _ptrs.pop(key, None)), address)
    return address


def _layout(x: np.ndarray) -> tuple[int, int] | None:
    """(CBLAS transpose flag, leading dimension) that reads x in place, or None."""
    rows, cols = x.shape
    s0, s1 = x.strides
    it = x.itemsize
    if (s1 == it or cols == 1) and (rows == 1 or (s0 >= cols * it and s0 % it == 0)):
        return _NO_TRANS, s0 // it if rows > 1 else max(cols, 1)
    if (s0 == it or rows == 1) and (cols == 1 or (s1 >= rows * it and s1 % it == 0)):
        return _TRANS, s1 // it if cols > 1 else max(rows, 1)
    return None


def gemm(
    a: np.ndarray,
    b: np.ndarray,
    out: np.ndarray,
    alpha: float = 1.0,
    beta: float = 0.0,
    *,
    ta: bool = False,
    tb: bool = False,
) -> np.ndarray:
    """out = alpha * A @ B + beta * out for 2-D arrays, where A is a (or a.T with ``ta``)
    and B is b (or b.T with ``tb``); returns out. Passing the flags rather than
    ``a.T`` spares a new view object per call, whose address BLAS must look up anew."""
    blas = _routines
    if blas is not None and a.dtype == b.dtype == out.dtype == _F32 and a.size and b.size and out.size:
        la, lb, lo = _layout(a), _layout(b), _layout(out)
        if la is not None and lb is not None and lo is not None and lo[0] == _NO_TRANS:
            m, n = out.shape
            k = a.shape[0] if ta else a.shape[1]
            flag_a = la[0] if not ta else (_TRANS if la[0] == _NO_TRANS else _NO_TRANS)
            flag_b = lb[0] if not tb else (_TRANS if lb[0] == _NO_TRANS else _NO_TRANS)
            pa, pb, po = _ptr(a), _ptr(b), _ptr(out)
            blas.gemm(_ROW_MAJOR, flag_a, flag_b, m, n, k, alpha, pa, la[1], pb, lb[1], beta, po, lo[1])
            return out
    A, B = (a.T if ta else a), (b.T if tb else b)
    if beta == 0.0:
        np.matmul(A, B, out=out)
        if alpha != 1.0:
            out *= alpha
        return out
    product = np.matmul(A, B)
    if alpha != 1.0:
        product *= alpha
    out *= beta
    out += product
    return out


def _flat(x: np.ndarray) -> bool:
    return x.dtype == _F32 and x.flags.c_contiguous


def axpy(alpha: float, x: np.ndarray, y: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """y += alpha * x for arrays of the same shape; returns y. Without BLAS,
    ``scratch`` (shaped like y) holds alpha * x instead of a new temporary."""
    if _routines is not None and _flat(x) and _flat(y) and x.size == y.size:
        _routines.axpy(y.size, alpha, _ptr(x), 1, _ptr(y), 1)
        return y
    y += np.multiply(x, alpha, out=scratch)
    return y


def scal(alpha: float, x: np.ndarray) -> np.ndarray:
    """x *= alpha; returns x."""
    if _routines is not None and _flat(x):
        _routines.scal(x.size, alpha, _ptr(x), 1)
        return x
    x *= alpha
    return x


def axpby(alpha: float, x: np.ndarray, beta: float, y: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """y = alpha * x + beta * y for arrays of the same shape, in one pass; returns y."""
    if _routines is not None and _flat(x) and _flat(y) and x.size == y.size:
        _routines.axpby(y.size, alpha, _ptr(x), 1, beta, _ptr(y), 1)
        return y
    y *= beta
    y += x if alpha == 1.0 else np.multiply(x, alpha, out=scratch)
    return y


def available() -> bool:
    """Whether float32 work goes through BLAS directly (False: plain NumPy)."""
    return _routines is not None


def _self_test(routines: _Routines) -> bool:
    """A wrong entry point or integer width must never compute anything: try each on known numbers."""
    global _routines
    saved, _routines = _routines, routines
    try:
        rng = np.random.default_rng(0)
        a = rng.standard_normal((5, 3)).astype(np.float32)
        b = rng.standard_normal((4, 3)).astype(np.float32)
        c = rng.standard_normal((5, 4)).astype(np.float32)
        want = 0.5 * a @ b.T + 2.0 * c
        got = gemm(a, b, c.copy(), 0.5, 2.0, tb=True)
        y = np.arange(7, dtype=np.float32)
        axpy(2.0, np.ones(7, np.float32), y)
        scal(0.5, y)
        axpby(3.0, np.ones(7, np.float32), 2.0, y)
        return bool(np.allclose(got, want, rtol=1e-5, atol=1e-5)) and np.array_equal(y, np.arange(7) + 5)
    finally:
        _routines = saved


_routines: _Routines | None = None
_routines = _load()
