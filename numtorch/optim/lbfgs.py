"""L-BFGS as torch.optim.LBFGS: every step runs up to max_iter quasi-Newton iterations, each
asking the closure for the loss and gradient.  The inverse Hessian is never formed: the two-loop
recursion applies it from the last history_size (step, gradient change) pairs."""

from .. import cat, zeros
from ..autograd.grad_mode import enable_grad, no_grad
from .optimizer import Optimizer


class LBFGS(Optimizer):
    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn is not None:
            # PyTorch's only search is 'strong_wolfe'; numtorch has none yet
            raise NotImplementedError(f"numtorch.optim.LBFGS: line_search_fn="
                                      f"{line_search_fn!r} is not supported; use None")
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size, line_search_fn=None))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def _flat_grad(self):
        return cat([zeros(p.numel(), dtype=p.dtype, device=p.device) if p.grad is None
                    else p.grad.reshape(-1) for p in self._params])

    def _move(self, t, d):
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(d[offset:offset + n].view_as(p), alpha=t)
            offset += n

    def _two_loop(self, g, s_hist, y_hist, rho, h_diag):
        """-H g for the inverse Hessian H the (s, y) pairs define, scaled by h_diag."""
        q = -g
        alpha = [0.0] * len(s_hist)
        for i in range(len(s_hist) - 1, -1, -1):
            alpha[i] = s_hist[i].dot(q).item() * rho[i]
            q.add_(y_hist[i], alpha=-alpha[i])
        r = q * h_diag
        for i in range(len(s_hist)):
            beta = y_hist[i].dot(r).item() * rho[i]
            r.add_(s_hist[i], alpha=alpha[i] - beta)
        return r

    def step(self, closure):
        if closure is None:
            raise RuntimeError("LBFGS requires a closure that reevaluates the model and "
                               "returns the loss")
        with no_grad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        def evaluate():
            with enable_grad():
                loss = closure()
            state["func_evals"] += 1
            return loss

        orig_loss = evaluate()
        loss = float(orig_loss)
        evals = 1
        g = self._flat_grad()
        if g.abs().max().item() <= tol_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        s_hist, y_hist = state.setdefault("old_stps", []), state.setdefault("old_dirs", [])
        rho = state.setdefault("ro", [])
        h_diag = state.get("H_diag", 1.0)
        g_prev, loss_prev = state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                s_hist.clear(), y_hist.clear(), rho.clear()
                h_diag = 1.0
            else:
                y, s = g - g_prev, d * t
                ys = y.dot(s).item()
                if ys > 1e-10:  # keep the pair only while the curvature condition holds
                    if len(s_hist) == group["history_size"]:
                        s_hist.pop(0), y_hist.pop(0), rho.pop(0)
                    s_hist.append(s), y_hist.append(y), rho.append(1.0 / ys)
                    h_diag = ys / y.dot(y).item()
                d = self._two_loop(g, s_hist, y_hist, rho, h_diag)
            g_prev = g.clone()
            loss_prev = loss
            # the first step ever is scaled down so that it cannot overshoot wildly
            t = min(1.0, 1.0 / g.abs().sum().item()) * lr if state["n_iter"] == 1 else lr
            if g.dot(d).item() > -tol_change:  # not a descent direction any more
                break
            self._move(t, d)
            converged = False
            if n_iter != max_iter:
                loss = float(evaluate())
                evals += 1
                g = self._flat_grad()
                converged = g.abs().max().item() <= tol_grad
            if (n_iter == max_iter or evals >= max_eval or converged
                    or (d * t).abs().max().item() <= tol_change
                    or abs(loss - loss_prev) < tol_change):
                break
        state.update(d=d, t=t, H_diag=h_diag, prev_flat_grad=g_prev, prev_loss=loss_prev)
        return orig_loss
