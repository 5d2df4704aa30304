"""DataLoader and default_collate.  num_workers > 0 fetches batches in worker processes
(fork), preserving order."""

import collections.abc
import multiprocessing as mp

import numpy as np

from ... import _dtype as D
from ...tensor import Tensor, wrap
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler


def default_collate(batch):
    """Stack tensors, turn numbers into tensors (floats float64, ints int64), keep NumPy
    dtypes, recurse into tuples/lists (transposed) and dicts; strings pass through."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        from ... import stack
        return stack(list(batch), 0)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSU":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found {elem.dtype}")
        return wrap(np.stack(batch), D.from_numpy_dtype(elem.dtype))
    if isinstance(elem, np.generic):
        return wrap(np.array(batch), D.from_numpy_dtype(elem.dtype))
    if isinstance(elem, bool):
        return wrap(np.array(batch, np.bool_), D.bool_)
    if isinstance(elem, float):
        return wrap(np.array(batch, np.float64), D.float64)
    if isinstance(elem, int):
        return wrap(np.array(batch, np.int64), D.int64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem}) \
            if not isinstance(elem, dict) else {k: default_collate([d[k] for d in batch])
                                                for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem)}")


def default_convert(data):
    return data


_worker_state = {}


def _worker_fetch(indices):
    dataset, collate = _worker_state["dataset"], _worker_state["collate"]
    return collate([dataset[i] for i in indices])


class DataLoader:
    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None, generator=None,
                 *, prefetch_factor=None, persistent_workers=False, pin_memory_device=""):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if isinstance(dataset, IterableDataset):
            if shuffle:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "sampler/batch_sampler option")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.num_workers = num_workers
        self.generator = generator
        self.worker_init_fn = worker_init_fn
        self.collate_fn = collate_fn or (default_collate if batch_size is not None
                                         else default_convert)
        self._iterable = isinstance(dataset, IterableDataset)
        if not self._iterable:
            if sampler is None:
                sampler = RandomSampler(dataset, generator=generator) if shuffle \
                    else SequentialSampler(dataset)
            if batch_size is not None and batch_sampler is None:
                batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler = sampler
        self.batch_sampler = batch_sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def _iter_iterable(self):
        if self.batch_size is None:
            for item in self.dataset:
                yield self.collate_fn(item)
            return
        batch = []
        for item in self.dataset:
            batch.append(item)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __iter__(self):
        if self._iterable:
            return self._iter_iterable()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        if self.num_workers == 0:
            return (self.collate_fn([self.dataset[i] for i in batch])
                    for batch in self.batch_sampler)
        return self._iter_workers()

    def _iter_workers(self):
        _worker_state["dataset"] = self.dataset
        _worker_state["collate"] = self.collate_fn
        ctx = mp.get_context("fork")
        init = self.worker_init_fn
        with ctx.Pool(self.num_workers, initializer=_init_worker, initargs=(init,)) as pool:
            yield from pool.imap(_worker_fetch, list(self.batch_sampler))


def _init_worker(fn):
    if fn is not None:
        fn(mp.current_process()._identity[0] - 1)
