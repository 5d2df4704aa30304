"""Which public names of PyTorch numtorch has, namespace by namespace, against the installed
PyTorch -- and whether every name PyTorch's tutorials and examples use is among them.

    python benchmarks/api_coverage.py            # the table, then what is missing
    python benchmarks/api_coverage.py --missing  # every missing name, not just the common ones

Without PyTorch installed only the common names are checked.
"""

import argparse
import importlib
import sys

import numtorch  # noqa: F401  (first, before NumPy: see README)

NAMESPACES = [("torch", "numtorch"), ("torch.Tensor", "numtorch.Tensor"),
              ("torch.nn", "numtorch.nn"), ("torch.nn.functional", "numtorch.nn.functional"),
              ("torch.nn.init", "numtorch.nn.init"), ("torch.optim", "numtorch.optim"),
              ("torch.optim.lr_scheduler", "numtorch.optim.lr_scheduler"),
              ("torch.utils.data", "numtorch.utils.data"), ("torch.autograd", "numtorch.autograd")]

# the names PyTorch's own tutorials (Learning PyTorch, Learn the Basics, 60-minute blitz,
# "What is torch.nn really?", the NLP-from-scratch series) and examples (mnist, regression,
# word_language_model, dcgan, vae, super_resolution, time_sequence_prediction) use
COMMON = {
    "torch": """tensor as_tensor from_numpy zeros ones empty full eye arange linspace rand randn
        randint randperm rand_like randn_like zeros_like ones_like full_like empty_like
        manual_seed seed no_grad enable_grad set_grad_enabled inference_mode is_grad_enabled
        device dtype float float32 float64 double half float16 int int32 int64 long bool uint8
        Tensor Size Generator save load cat concat stack chunk split squeeze unsqueeze reshape
        flatten transpose permute t where gather masked_select index_select nonzero matmul mm
        bmm dot outer einsum sum mean std var max min argmax argmin amax prod cumsum logsumexp
        exp log log_softmax softmax sigmoid tanh relu abs sqrt pow clamp sin cos erf sign round
        floor ceil isnan isfinite allclose equal numel is_tensor tril triu diag flip roll
        sort topk unique bincount multinomial bernoulli normal meshgrid norm cdist
        get_default_dtype set_default_dtype set_printoptions cuda backends autograd nn optim
        utils no_grad zeros ones set_default_device get_default_device accelerator""",
    "torch.Tensor": """shape dtype device size dim ndim numel view view_as reshape reshape_as to
        cpu cuda numpy item tolist backward grad requires_grad requires_grad_ detach detach_
        grad_fn is_leaf retain_grad register_hook data zero_ fill_ clone contiguous copy_ t T
        mm matmul sum mean std var max min argmax argmin prod cumsum exp log pow sqrt abs
        clamp clamp_ sigmoid tanh relu softmax log_softmax add add_ sub sub_ mul mul_ div div_
        neg eq ne lt le gt ge all any squeeze unsqueeze unsqueeze_ permute transpose flatten
        expand expand_as repeat chunk split unbind narrow index_select gather scatter scatter_
        scatter_add_ masked_fill masked_fill_ type type_as float double long int bool half
        byte is_cuda uniform_ normal_ bernoulli_ random_ new_zeros new_ones new_full
        new_tensor new_empty stride is_contiguous element_size nelement sort topk norm
        nonzero round floor sign logical_not float_power addmm lerp_ item""",
    "torch.nn": """Module Parameter Sequential ModuleList ModuleDict ParameterList ParameterDict
        Linear Bilinear Identity Flatten Unflatten Conv1d Conv2d ConvTranspose2d MaxPool1d
        MaxPool2d AvgPool2d AdaptiveAvgPool2d BatchNorm1d BatchNorm2d LayerNorm GroupNorm
        Dropout Dropout2d Embedding ReLU ReLU6 LeakyReLU ELU SELU GELU SiLU Sigmoid Tanh
        Softmax LogSoftmax Softplus Hardtanh PReLU CrossEntropyLoss NLLLoss MSELoss L1Loss
        SmoothL1Loss HuberLoss BCELoss BCEWithLogitsLoss KLDivLoss RNN LSTM GRU RNNCell
        LSTMCell GRUCell Upsample PixelShuffle ZeroPad2d init functional utils""",
    "torch.nn.functional": """relu relu6 leaky_relu elu selu gelu silu sigmoid tanh softmax
        log_softmax softplus hardtanh dropout linear conv1d conv2d conv_transpose2d max_pool2d
        avg_pool2d adaptive_avg_pool2d batch_norm layer_norm group_norm embedding one_hot pad
        interpolate normalize cosine_similarity cross_entropy nll_loss mse_loss l1_loss
        smooth_l1_loss binary_cross_entropy binary_cross_entropy_with_logits kl_div
        pixel_shuffle scaled_dot_product_attention""",
    "torch.nn.init": """uniform_ normal_ constant_ zeros_ ones_ xavier_uniform_ xavier_normal_
        kaiming_uniform_ kaiming_normal_ orthogonal_ calculate_gain""",
    "torch.optim": "Optimizer SGD Adam AdamW RMSprop Adagrad Adadelta LBFGS lr_scheduler",
    "torch.optim.lr_scheduler": """StepLR MultiStepLR ExponentialLR CosineAnnealingLR
        ReduceLROnPlateau LambdaLR OneCycleLR LinearLR""",
    "torch.utils.data": """Dataset DataLoader TensorDataset Subset random_split
        ConcatDataset Sampler RandomSampler SequentialSampler BatchSampler IterableDataset
        default_collate""",
    "torch.autograd": "grad backward Function gradcheck Variable",
}


def _resolve(path):
    """A module or a class by dotted path (torch.Tensor is a class, not a module)."""
    head, _, tail = path.rpartition(".")
    try:
        return importlib.import_module(path)
    except ImportError:
        return getattr(importlib.import_module(head), tail)


def _public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def _has(obj, name):
    try:
        return hasattr(obj, name)
    except Exception:  # a property that needs an instance
        return name in dir(obj)


def report(show_all=False, out=sys.stdout):
    """Print the table; return the common names numtorch lacks, by namespace."""
    try:
        import torch  # noqa: F401
    except ImportError:
        torch = None
    missing_common = {}
    rows = []
    for torch_ns, nt_ns in NAMESPACES:
        ours = _resolve(nt_ns)
        common = COMMON.get(torch_ns, "").split()
        missing_common[torch_ns] = sorted({n for n in common if not _has(ours, n)})
        if torch is None:
            rows.append((torch_ns, None, None, len(common), len(missing_common[torch_ns]), []))
            continue
        theirs = _public(_resolve(torch_ns))
        have = {n for n in theirs if _has(ours, n)}
        rows.append((torch_ns, len(theirs), len(have), len(common),
                     len(missing_common[torch_ns]), sorted(theirs - have)))
    print(f"{'namespace':26} {'PyTorch':>8} {'numtorch':>9} {'share':>6}   "
          f"{'common':>6} {'missing':>7}", file=out)
    total_t = total_n = 0
    for ns, n_t, n_have, n_common, n_miss, _ in rows:
        share = f"{n_have / n_t:6.1%}" if n_t else "     -"
        print(f"{ns:26} {n_t if n_t is not None else '-':>8} "
              f"{n_have if n_have is not None else '-':>9} {share}   {n_common:>6} "
              f"{n_miss:>7}", file=out)
        total_t += n_t or 0
        total_n += n_have or 0
    if total_t:
        print(f"{'all':26} {total_t:>8} {total_n:>9} {total_n / total_t:6.1%}", file=out)
    for ns, names in missing_common.items():
        if names:
            print(f"common names missing from {ns}: {' '.join(names)}", file=out)
    if show_all:
        for ns, *_, absent in rows:
            if absent:
                print(f"\n{ns} ({len(absent)} missing):\n  " + " ".join(absent), file=out)
    return {ns: names for ns, names in missing_common.items() if names}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list every missing name")
    args = parser.parse_args()
    missing = report(args.missing)
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
