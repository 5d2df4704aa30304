"""torch.nn.functional: the functional form of every layer, activation and loss.

A thin public layer: the ops are defined in numtorch/_ops/ (activation, layers,
normalization, loss, spatial) beside the Tensor ops they are built on, and the losses that
are plain compositions of public tensor ops in nn/_losses.py."""

from .._ops.activation import (  # noqa: F401  (this module is their public face)
    celu,
    elu,
    gelu,
    glu,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
)
from .._ops.layers import (  # noqa: F401  (this module is their public face)
    bilinear,
    cosine_similarity,
    dropout,
    dropout2d,
    embedding,
    linear,
    one_hot,
    pad,
    pairwise_distance,
    scaled_dot_product_attention,
)
from .._ops.loss import (  # noqa: F401  (this module is their public face)
    cross_entropy,
    mse_loss,
    nll_loss,
)
from .._ops.normalization import (  # noqa: F401  (this module is their public face)
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    normalize,
)
from .._ops.spatial import (  # noqa: F401  (this module is their public face)
    _pair,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    conv1d,
    conv2d,
    conv_transpose2d,
    interpolate,
    max_pool1d,
    max_pool2d,
    pixel_shuffle,
    upsample,
)
from ._losses import (  # noqa: F401  (public through this module, as in PyTorch)
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    reduce_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    warn_if_sizes_differ,
)

# every public function here, as `from numtorch.nn.functional import *` gives them
__all__ = [n for n in dir() if not n.startswith("_") and callable(globals()[n])]
