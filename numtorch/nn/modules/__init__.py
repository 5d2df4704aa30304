from .activation import (
                         ELU,
                         GELU,
                         LeakyReLU,
                         LogSigmoid,
                         LogSoftmax,
                         ReLU,
                         Sigmoid,
                         SiLU,
                         Softmax,
                         Softplus,
                         Tanh,
)
from .container import ModuleDict, ModuleList, Sequential
from .conv import AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, Conv1d, Conv2d, MaxPool1d, MaxPool2d
from .layers import (
                         BatchNorm1d,
                         BatchNorm2d,
                         Bilinear,
                         Dropout,
                         Embedding,
                         Flatten,
                         Identity,
                         LayerNorm,
                         Linear,
                         Unflatten,
)
from .loss import (
                         BCELoss,
                         BCEWithLogitsLoss,
                         CrossEntropyLoss,
                         HuberLoss,
                         KLDivLoss,
                         L1Loss,
                         MSELoss,
                         NLLLoss,
                         SmoothL1Loss,
)
from .module import Module
