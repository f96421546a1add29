"""imitate from Python: load a policy checkpoint (.safetensors, written by `imitate train` or PyTorch) and
run it, through the library's C interface (imitate.h) with ctypes and NumPy only.

    import numpy as np, imitate
    policy = imitate.Policy("policy.safetensors")
    chunk = policy.predict(np.array([1, 0, 0], np.float32))   # (H, A): the same numbers as `imitate predict`
    draws = policy.sample(obs_batch, seed=7)                   # (B, H, A) from the head's distribution

Errors from the library raise ImitateError with its one-line message. A Policy is not to be used by two
threads at once (it keeps scratch buffers); open one per thread.
"""
import ctypes
import ctypes.util
import os

import numpy as np

__all__ = ["ImitateError", "Policy", "version"]

# Filled in by python/meson.build. The build tree's copy: _LIBDIR is the build directory. The installed copy:
# _LIBDIR and _PYDIR are relative to the install prefix, which is this file's directory minus _PYDIR. In the
# source file they are still placeholders: then IMITATE_LIBRARY or the system's library path decides.
_LIBDIR = "@IMITATE_LIBDIR@"
_PYDIR = "@IMITATE_PYDIR@"
_SOVERSION = "@IMITATE_SOVERSION@"


class ImitateError(RuntimeError):
    """A failure reported by the library (imitate_last_error())."""


def _library_dirs():
    if _LIBDIR.startswith("@"):
        return []
    if os.path.isabs(_LIBDIR):
        return [_LIBDIR]
    here = os.path.dirname(os.path.abspath(__file__))
    root = here
    for _ in _PYDIR.strip("/").split("/"):
        root = os.path.dirname(root)
    return [os.path.join(root, _LIBDIR)]


def _load():
    """libimitate-io (the C interface) and, first, libimitate beside it, which libimitate-io needs."""
    explicit = os.environ.get("IMITATE_LIBRARY")  # a path to libimitate-io.so*
    candidates = []
    if explicit:
        candidates.append((os.path.dirname(explicit), explicit))
    for d in _library_dirs():
        for suffix in ([".so." + _SOVERSION] if not _SOVERSION.startswith("@") else []) + [".so"]:
            candidates.append((d, os.path.join(d, "libimitate-io" + suffix)))
    tried = []
    for d, io in candidates:
        if not os.path.exists(io):
            tried.append(io)
            continue
        suffix = os.path.basename(io)[len("libimitate-io"):]
        core = os.path.join(d, "libimitate" + suffix)
        if os.path.exists(core):
            ctypes.CDLL(core, mode=ctypes.RTLD_GLOBAL)  # resolves libimitate-io's DT_NEEDED by its soname
        return ctypes.CDLL(io)
    found = ctypes.util.find_library("imitate-io")
    if found:
        return ctypes.CDLL(found)
    raise ImportError("imitate: cannot find libimitate-io (tried %s; set IMITATE_LIBRARY)" % ", ".join(tried))


_lib = _load()
_lib.imitate_policy_open.argtypes = [ctypes.c_char_p]
_lib.imitate_policy_open.restype = ctypes.c_void_p
_lib.imitate_last_error.argtypes = []
_lib.imitate_last_error.restype = ctypes.c_char_p
for _f in ("imitate_policy_obs_dim", "imitate_policy_act_dim", "imitate_policy_chunk"):
    getattr(_lib, _f).argtypes = [ctypes.c_void_p]
    getattr(_lib, _f).restype = ctypes.c_int
_float_p = ctypes.POINTER(ctypes.c_float)
_lib.imitate_policy_predict.argtypes = [ctypes.c_void_p, _float_p, ctypes.c_int, _float_p]
_lib.imitate_policy_predict.restype = ctypes.c_int
_lib.imitate_policy_sample.argtypes = [ctypes.c_void_p, _float_p, ctypes.c_int, ctypes.c_ulonglong, _float_p]
_lib.imitate_policy_sample.restype = ctypes.c_int
_lib.imitate_policy_stateful.argtypes = [ctypes.c_void_p]
_lib.imitate_policy_stateful.restype = ctypes.c_int
_lib.imitate_policy_reset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_double]
_lib.imitate_policy_reset.restype = ctypes.c_int
_lib.imitate_policy_reward.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_double), ctypes.c_int]
_lib.imitate_policy_reward.restype = ctypes.c_int
_lib.imitate_policy_close.argtypes = [ctypes.c_void_p]
_lib.imitate_policy_close.restype = None
_lib.imitate_version.argtypes = []
_lib.imitate_version.restype = ctypes.c_char_p


def _error():
    return ImitateError(_lib.imitate_last_error().decode("utf-8", "replace"))


def version():
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return _lib.imitate_version().decode()


class Policy:
    """A policy checkpoint, opened with imitate_policy_open. obs_dim (S), act_dim (A) and chunk (H)."""

    def __init__(self, path):
        self._h = None
        h = _lib.imitate_policy_open(os.fsencode(os.fspath(path)))
        if not h:
            raise _error()
        self._h = h
        self.obs_dim = _lib.imitate_policy_obs_dim(h)
        self.act_dim = _lib.imitate_policy_act_dim(h)
        self.chunk = _lib.imitate_policy_chunk(h)
        self.stateful = _lib.imitate_policy_stateful(h) == 1  # dt: reset, then predict and reward in turn

    def _run(self, obs, seed):
        if self._h is None:
            raise ImitateError("imitate.Policy: the policy is closed")
        x = np.ascontiguousarray(obs, dtype=np.float32)
        single = x.ndim == 1
        if single:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.obs_dim or x.shape[0] < 1:
            raise ValueError("imitate.Policy: observations have shape %s, expected (%d,) or (B, %d)"
                             % (np.shape(obs), self.obs_dim, self.obs_dim))
        B = x.shape[0]
        out = np.empty((B, self.chunk, self.act_dim), dtype=np.float32)
        xp, op = x.ctypes.data_as(_float_p), out.ctypes.data_as(_float_p)
        if seed is None:
            rc = _lib.imitate_policy_predict(self._h, xp, B, op)
        else:
            rc = _lib.imitate_policy_sample(self._h, xp, B, seed, op)
        if rc != 0:
            raise _error()
        return out[0] if single else out

    def predict(self, obs):
        """obs (S,) or (B, S) -> the deterministic action chunk, (H, A) or (B, H, A) float32."""
        return self._run(obs, None)

    def sample(self, obs, seed):
        """As predict, but a draw from the head's distribution; the same seed gives the same draw."""
        if not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2 ** 64:
            raise ValueError("imitate.Policy.sample: seed must be an integer in [0, 2^64), got %r" % (seed,))
        return self._run(obs, int(seed))

    def reset(self, batch=1, target_return=None):
        """A stateful policy (dt): begin `batch` episodes asking for target_return (None: the policy's default).
        A no-op for the other heads."""
        if self._h is None:
            raise ImitateError("imitate.Policy: the policy is closed")
        t = float("nan") if target_return is None else float(target_return)
        if _lib.imitate_policy_reset(self._h, int(batch), t) != 0:
            raise _error()

    def reward(self, rewards):
        """A stateful policy (dt): the rewards (scalar or (B,)) the last predict's actions earned."""
        if self._h is None:
            raise ImitateError("imitate.Policy: the policy is closed")
        r = np.ascontiguousarray(np.atleast_1d(rewards), dtype=np.float64)
        if r.ndim != 1:
            raise ValueError("imitate.Policy.reward: rewards have shape %s, expected () or (B,)" % (np.shape(rewards),))
        if _lib.imitate_policy_reward(self._h, r.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), r.shape[0]) != 0:
            raise _error()

    def close(self):
        if self._h is not None:
            _lib.imitate_policy_close(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if getattr(self, "_h", None) is not None and _lib is not None:
            self.close()
