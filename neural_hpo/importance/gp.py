"""Sobol indices of a Gaussian-process surrogate, in closed form, with bootstrap spread.

The GP posterior mean is m(x) = a * sum_l alpha_l prod_j k_j(x_j, x_lj) with an ARD squared-
exponential kernel, a product over parameters. Every integral a Sobol index needs then factorises
per parameter into c_lj = E[k_j(X_j, x_lj)] and I_j[l, m] = E[k_j(X_j, x_lj) k_j(X_j, x_mj)] under
the search space's measure, evaluated by quadrature (Gauss-Legendre on continuous parameters,
the exact values of discrete and categorical ones). First- and total-order indices follow
without Monte Carlo noise. Kernel hyperparameters are fitted once on a subsample; the spread
comes from refitting the weights on bootstrap resamples of the trials.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from threadpoolctl import threadpool_limits

from neural_hpo.importance.encoding import ParamSpace
from neural_hpo.importance.result import Estimate

#: trials used to fit kernel hyperparameters, and at most to condition on (O(n^3) cost)
N_HYPER = 256
MAX_POINTS = 1000
N_BOOTSTRAP = 8
N_QUADRATURE = 96
LENGTH_BOUNDS = (0.03, 100.0)
NOISE_BOUNDS = (1e-6, 1.0)


@dataclass
class Quadrature:
    """Nodes (in the parameter's feature columns) and weights of one parameter's measure."""

    columns: np.ndarray
    nodes: np.ndarray  # (Q, len(columns))
    weights: np.ndarray  # (Q,)


def quadrature(spaces: list[ParamSpace]) -> list[Quadrature]:
    """Per parameter: exact values for discrete and categorical ones, Gauss-Legendre otherwise."""
    out, col = [], 0
    gl_x, gl_w = np.polynomial.legendre.leggauss(N_QUADRATURE)
    for s in spaces:
        if s.kind == "categorical":
            k = s.n_values
            out.append(Quadrature(np.arange(col, col + k), np.eye(k), np.full(k, 1.0 / k)))
            col += k
            continue
        if s.kind == "discrete" and s.n_values <= N_QUADRATURE:
            nodes = (np.arange(s.n_values) + 0.5) / s.n_values
            weights = np.full(s.n_values, 1.0 / s.n_values)
        else:
            nodes, weights = (gl_x + 1) / 2, gl_w / 2
        out.append(Quadrature(np.array([col]), nodes[:, None], weights))
        col += 1
    return out


def features(X: np.ndarray, spaces: list[ParamSpace]) -> np.ndarray:
    """GP inputs: unit positions, categoricals one-hot (an order among choices means nothing)."""
    cols = []
    for j, s in enumerate(spaces):
        if s.kind == "categorical":
            index = np.clip(np.floor(X[:, j] * s.n_values), 0, s.n_values - 1).astype(int)
            cols.append(np.eye(s.n_values)[index])
        else:
            cols.append(X[:, j : j + 1])
    return np.hstack(cols)


@dataclass
class Kernel:
    """Fitted hyperparameters of ``amplitude * RBF(lengths) + noise``."""

    amplitude: float
    lengths: np.ndarray
    noise: float

    def matrix(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        diff = (A[:, None, :] - B[None, :, :]) / self.lengths
        return self.amplitude * np.exp(-0.5 * np.sum(diff**2, axis=2))


def fit_kernel(F: np.ndarray, y: np.ndarray, seed: int) -> Kernel:
    """Hyperparameters by marginal likelihood on at most ``N_HYPER`` trials."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(y), size=min(N_HYPER, len(y)), replace=False)
    kernel = ConstantKernel(1.0, (1e-3, 1e4)) * RBF(
        np.full(F.shape[1], 0.3), LENGTH_BOUNDS
    ) + WhiteKernel(1e-2, NOISE_BOUNDS)
    gp = GaussianProcessRegressor(kernel, n_restarts_optimizer=0, random_state=seed)
    with warnings.catch_warnings():
        # hyperparameters at a bound (e.g. no noise on a deterministic metric) are a fit, not
        # a failure; the leave-one-out R² judges the surrogate
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = gp.fit(F[rows], y[rows]).kernel_
    return Kernel(
        float(fitted.k1.k1.constant_value),
        np.atleast_1d(fitted.k1.k2.length_scale).astype(float),
        float(fitted.k2.noise_level),
    )


@dataclass
class Integrals:
    """Per parameter, over the trials: factor at the nodes (Q, n), c_j (n) and I_j (n, n)."""

    phis: list[np.ndarray]
    weights: list[np.ndarray]
    c: np.ndarray
    grams: list[np.ndarray]

    @classmethod
    def of(cls, kernel: Kernel, F: np.ndarray, quads: list[Quadrature]) -> Integrals:
        phis = []
        for q in quads:
            diff = (q.nodes[:, None, :] - F[None, :, q.columns]) / kernel.lengths[q.columns]
            phis.append(np.exp(-0.5 * np.sum(diff**2, axis=2)))
        weights = [q.weights for q in quads]
        c = np.array([w @ phi for w, phi in zip(weights, phis)])
        grams = [(phi.T * w) @ phi for phi, w in zip(phis, weights)]
        return cls(phis, weights, c, grams)

    def take(self, rows: np.ndarray) -> Integrals:
        """The same integrals over a subset of trials."""
        return Integrals(
            [phi[:, rows] for phi in self.phis],
            self.weights,
            self.c[:, rows],
            [g[np.ix_(rows, rows)] for g in self.grams],
        )


def sobol(alpha: np.ndarray, amplitude: float, ints: Integrals) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order indices of the posterior mean with weights ``alpha``."""
    c, grams = ints.c, ints.grams
    p = len(grams)
    mean = amplitude * float(alpha @ np.prod(c, axis=0))
    full = np.prod(grams, axis=0)
    variance = amplitude**2 * float(alpha @ full @ alpha) - mean**2
    if variance <= 0:
        return np.zeros(p), np.zeros(p)
    first, total = np.zeros(p), np.zeros(p)
    for i in range(p):
        others = np.prod(np.delete(c, i, axis=0), axis=0)
        marginal = amplitude * (ints.phis[i] @ (alpha * others))
        first[i] = (ints.weights[i] @ marginal**2 - mean**2) / variance
        rest = np.prod(grams[:i] + grams[i + 1 :], axis=0) if p > 1 else np.ones_like(full)
        weighted = alpha * c[i]
        closed = amplitude**2 * float(weighted @ rest @ weighted) - mean**2
        total[i] = 1.0 - closed / variance
    return np.clip(first, 0.0, 1.0), np.clip(total, 0.0, 1.0)


def gp_importance(X: np.ndarray, y: np.ndarray, spaces: list[ParamSpace], seed: int) -> Estimate:
    """Closed-form Sobol indices of a GP fitted to ``X, y``; bootstrap std; leave-one-out R².

    BLAS runs single-threaded here: these matrices are small enough that threads mostly wait
    on each other (ten times slower on two cores).
    """
    with threadpool_limits(1, user_api="blas"):
        return _gp_importance(X, y, spaces, seed)


def _gp_importance(X: np.ndarray, y: np.ndarray, spaces: list[ParamSpace], seed: int) -> Estimate:
    rng = np.random.default_rng(seed)
    if len(y) > MAX_POINTS:
        rows = rng.choice(len(y), size=MAX_POINTS, replace=False)
        X, y = X[rows], y[rows]
    F = features(X, spaces)
    yn = (y - y.mean()) / y.std()
    kernel = fit_kernel(F, yn, seed)
    ints = Integrals.of(kernel, F, quadrature(spaces))
    gram = kernel.matrix(F, F)
    factor = cho_factor(gram + kernel.noise * np.eye(len(yn)))
    alpha = cho_solve(factor, yn)
    loo = alpha / np.diag(cho_solve(factor, np.eye(len(yn))))
    r2 = float(1.0 - np.sum(loo**2) / np.sum(yn**2))
    first, total = sobol(alpha, kernel.amplitude, ints)
    draws = []
    for _ in range(N_BOOTSTRAP):
        # a trial drawn k times is one observation with noise / k: same posterior, no duplicates
        b, counts = np.unique(rng.integers(0, len(yn), size=len(yn)), return_counts=True)
        K_b = gram[np.ix_(b, b)] + np.diag(kernel.noise / counts)
        alpha_b = cho_solve(cho_factor(K_b), yn[b])
        draws.append(sobol(alpha_b, kernel.amplitude, ints.take(b)))
    spread = np.array(draws).std(axis=0)  # (2, p)
    return Estimate(first, spread[0], r2, first, spread[0], total, spread[1])
