"""How many kernel signatures a representative program compiles (DESIGN: keep them few)."""

import subprocess
import sys
import textwrap

PROGRAM = textwrap.dedent("""
    import numtorch as torch
    from numtorch.kernels.cpu import elementwise, reduction, indexing
    x = torch.rand(64, 32)
    w = torch.randn(32, 8)
    b = torch.zeros(8)
    for dtype in (torch.float32,):
        y = (x @ w + b).relu()
        z = (y * 2 - 1).sigmoid().sum(1).mean()
        y.t() + b.unsqueeze(1).t().t().sum()
        x[:, ::2].exp().max(1)
        (x > 0.5).float().sum()
        torch.softmax(y, 1).log().sum()
        torch.rand(300, 600) + torch.rand(600)
    kernels = [getattr(m, n) for m in (elementwise, reduction, indexing) for n in dir(m)]
    total = sum(len(k.signatures) for k in kernels if hasattr(k, "signatures"))
    print(total)
""")


def test_representative_program_compiles_few_variants():
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         check=True)
    n = int(out.stdout.strip().splitlines()[-1])
    # ~15 today (flat/rows layouts x a few dtypes); a jump means a dispatch path regressed
    assert 0 < n <= 30, n
