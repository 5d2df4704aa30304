"""A walk through the seed tutorials' tensor basics on numtorch (the main demo until the
training demos land).  Run:  python examples/tensor_basics.py"""

import time

import numpy as np

t0 = time.perf_counter()
import numtorch as torch  # noqa: E402

print(f"import numtorch: {time.perf_counter() - t0:.2f}s")

t0 = time.perf_counter()
x = torch.Tensor([[1, 2], [3, 4]])
print(x)
x = torch.rand(5, 3)
y = torch.rand(5, 3)
print(x + y)
print(f"first ops (JIT warm-up, cached after the first run): {time.perf_counter() - t0:.2f}s")

print(x.size(), x.size()[1], x.size(1))
result = torch.empty(5, 3)
torch.add(x, y, out=result)
y.add_(x)
print("in-place add equals out= add:", torch.equal(y, result))
print(x[:, 1])

a = torch.ones(5)
b = a.numpy()
a.add_(1)
print("tensor -> numpy shares memory:", a, b)
n = np.ones(5)
t = torch.from_numpy(n)
np.add(n, 1, out=n)
print("numpy -> tensor shares memory:", t)

scalar = t[0]
print(scalar, scalar.size(), scalar.item())
print(torch.tensor([2]), torch.tensor(3))

m = torch.arange(0, 12).view(2, 6)
mt = m.t()
print("transposed is contiguous:", mt.is_contiguous())
try:
    mt.view(3, 4)
except RuntimeError as e:
    print("view of a transposed tensor:", e)
print(mt.reshape(3, 4))

x = torch.randn(4, 4)
print(x.view(16).size(), x.view(-1, 8).size())
print(torch.cat([torch.ones(2, 2)] * 2, dim=0))
T1 = torch.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
T2 = torch.tensor([[10, 20, 30], [40, 50, 60], [70, 80, 90]])
print(torch.stack((T1, T2), dim=1))
print(torch.arange(1, 6), torch.arange(1, 0.6, -0.1))
print(torch.normal(mean=torch.arange(4.0), std=torch.arange(1.0, 0.6, -0.1)).reshape(2, 2))
i = torch.tensor(1)
print(i.float(), i.type(torch.float), i.type_as(torch.tensor(1.0)))
print(torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(3), value=1))
X = 10 * torch.rand([400, 2]) - 5.0
w0 = torch.tensor([[2.0], [-3.0]])
Y = X @ w0 + 10.0 + torch.normal(0.0, 2.0, size=[400, 1])
print("least-squares fit of the seed's regression data:",
      torch.from_numpy(np.linalg.lstsq(np.c_[X.numpy(), np.ones(400)], Y.numpy(),
                                       rcond=None)[0].astype(np.float32)).view(-1))
values, indices = torch.max(torch.softmax(torch.randn(4, 10), dim=1), 1)
print(torch.return_types.max(values, indices))
