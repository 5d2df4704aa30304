"""A small progress bar for training loops (tqdm's look, none of its dependencies).

    for epoch in (bar := progress(range(epochs), desc="train", unit="epoch")):
        ...
        bar.set_postfix(loss=loss)

On a terminal the bar redraws in place at most every `interval` seconds; into a file or pipe
(CI logs, tests) it writes a line only every 25% so logs stay short.
"""

import sys
import time

__all__ = ["progress"]


def _clock(seconds):
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


class progress:
    def __init__(self, iterable=None, total=None, desc="", unit="it", file=None, interval=0.1,
                 width=24):
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.unit = total, desc, unit
        self.file = file if file is not None else sys.stderr
        self.interval, self.width = interval, width
        self.tty = hasattr(self.file, "isatty") and self.file.isatty()
        self.n = 0
        self.postfix = ""
        self.start = self._last = time.perf_counter()
        self._last_quarter = -1
        self._closed = False

    def __iter__(self):
        try:
            for item in self.iterable:
                yield item
                self.update()
        finally:
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def set_postfix(self, **values):
        parts = []
        for k, v in values.items():
            v = v.item() if hasattr(v, "item") else v
            parts.append(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}")
        self.postfix = ", ".join(parts)

    def update(self, n=1):
        self.n += n
        now = time.perf_counter()
        if self.tty:
            if now - self._last >= self.interval or self.n == self.total:
                self._last = now
                self.file.write("\r" + self.line(now))
                self.file.flush()
        elif self.total:
            quarter = 4 * self.n // self.total
            if quarter != self._last_quarter and quarter > 0:
                self._last_quarter = quarter
                self.file.write(self.line(now) + "\n")
                self.file.flush()

    def line(self, now=None):
        elapsed = (now or time.perf_counter()) - self.start
        rate = self.n / elapsed if elapsed > 0 else 0.0
        rate_s = f"{rate:.1f} {self.unit}/s" if rate >= 1 or rate == 0 \
            else f"{1 / rate:.2f} s/{self.unit}"
        head = f"{self.desc}: " if self.desc else ""
        if self.total:
            frac = min(self.n / self.total, 1.0)
            filled = int(round(frac * self.width))
            left = (self.total - self.n) / rate if rate > 0 else 0.0
            body = (f"{100 * frac:3.0f}%|{'#' * filled}{' ' * (self.width - filled)}| "
                    f"{self.n}/{self.total} [{_clock(elapsed)}<{_clock(left)}, {rate_s}")
        else:
            body = f"{self.n} {self.unit} [{_clock(elapsed)}, {rate_s}"
        tail = f", {self.postfix}]" if self.postfix else "]"
        return head + body + tail

    def close(self):
        if self._closed:
            return
        self._closed = True
        if self.tty:
            self.file.write("\r" + self.line() + "\n")
            self.file.flush()
