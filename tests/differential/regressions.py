"""The shrunk programs of every mismatch the differential fuzzer found (each fixed): replayed
against PyTorch by test_fuzz.py and on the CUDA backend by tests/test_cuda_programs.py."""

REGRESSIONS = [
    # relu's gradient at NaN is 1 in PyTorch (its backward masks result <= 0 only)
    {"base": {"dtype": "float32", "shape": (3,), "values": [0.0, 0.0, float("nan")]},
     "view": "none", "steps": [("u", "relu")], "grad": True},
    # lerp wants start and end of one dtype (RuntimeError), not type promotion
    {"base": {"dtype": "float32", "shape": (0,), "values": []}, "view": "none", "grad": False,
     "steps": [("b", "lerp_half", {"dtype": "float64", "shape": (0,), "values": []})]},
    # softmax of a non-float tensor: NotImplementedError (the kernel has no such dtype)
    {"base": {"dtype": "int64", "shape": (2, 3), "values": [1] * 6}, "view": "none",
     "grad": False, "steps": [("u", "softmax_last")]},
    # ... except on an empty tensor, which PyTorch returns as it is
    {"base": {"dtype": "bool", "shape": (0, 2), "values": []}, "view": "none", "grad": False,
     "steps": [("u", "softmax_last")]},
    # floor division, remainder and fmod have no bool kernel
    {"base": {"dtype": "bool", "shape": (), "values": [False]}, "view": "none", "grad": False,
     "steps": [("b", "floor_divide", {"dtype": "bool", "shape": (), "values": [True]})]},
    # integer division by zero raises only when something is divided
    {"base": {"dtype": "int64", "shape": (0,), "values": []}, "view": "none", "grad": False,
     "steps": [("b", "floor_divide", {"dtype": "int64", "shape": (), "values": [0]})]},
    # d(0 ** 0)/dx is 0 in PyTorch, not 0 * inf
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("b", "pow", {"dtype": "float32", "shape": (), "values": [0.0]})]},
    # floor's gradient is exactly zero even where the incoming gradient is inf
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "floor"), ("b", "pow", {"dtype": "int64", "shape": (), "values": [-1]})]},
    # integer tensors to negative integer tensor powers: no error, PyTorch's values
    {"base": {"dtype": "int64", "shape": (6,), "values": [0, 1, -1, 2, -3, 5]}, "view": "none",
     "grad": False, "steps": [("b", "pow", {"dtype": "int64", "shape": (6,),
                                            "values": [-1, -1, -1, -2, -1, -2]})]},
    # cumsum of a 0-d tensor is differentiable
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "cumsum0")]},
    # cummax is differentiable (its gradient goes to the running maxima)
    {"base": {"dtype": "float64", "shape": (5,), "values": [1.0, 3.0, 2.0, 5.0, 5.0]},
     "view": "none", "grad": True, "steps": [("u", "cummax0"), ("u", "cumsum0")]},
    # nan_to_num is differentiable where the input is finite
    {"base": {"dtype": "float32", "shape": (3,), "values": [0.5, float("nan"), float("inf")]},
     "view": "none", "grad": True, "steps": [("u", "nan_to_num")]},
    # maximum's gradient with a NaN side: both inputs get all of it (PyTorch's masks)
    {"base": {"dtype": "float32", "shape": (1,), "values": [float("nan")]}, "view": "none",
     "grad": True, "steps": [("b", "maximum", {"dtype": "float32", "shape": (1,),
                                               "values": [0.0]})]},
    # floor_divide has no derivative: backward raises
    {"base": {"dtype": "float32", "shape": (), "values": [1.0]}, "view": "none", "grad": True,
     "steps": [("b", "floor_divide", {"dtype": "float32", "shape": (), "values": [2.0]})]},
    # bool ** bool has no kernel (bool ** int promotes and works)
    {"base": {"dtype": "bool", "shape": (), "values": [False]}, "view": "none", "grad": False,
     "steps": [("b", "pow", {"dtype": "bool", "shape": (), "values": [False]})]},
    # prod's gradient with zeros in the input: the product of the others, or 0
    {"base": {"dtype": "float64", "shape": (2, 3), "values": [0.0, 2.0, 3.0, 0.0, 0.0, 4.0]},
     "view": "none", "grad": True, "steps": [("u", "prod")]},
    {"base": {"dtype": "float64", "shape": (2, 3), "values": [0.0, 2.0, 3.0, 0.0, 0.0, 4.0]},
     "view": "none", "grad": True, "steps": [("u", "cumsum0"), ("u", "prod")]},
    {"base": {"dtype": "float32", "shape": (3, 2, 2), "values": [0.0] * 12}, "view": "none",
     "grad": False, "steps": [("b", "eq", {"dtype": "int64", "shape": (1,), "values": [0]}),
                              ("b", "matmul", {"dtype": "int64", "shape": (1, 2, 2),
                                               "values": [0] * 4})]},
    # amax's gradient at a NaN maximum is NaN (g * mask / count with count 0); max()'s is
    # shared among the NaNs
    {"base": {"dtype": "float32", "shape": (3,), "values": [1.0, float("nan"), 2.0]},
     "view": "none", "grad": True, "steps": [("u", "amax")]},
    {"base": {"dtype": "float32", "shape": (3,), "values": [1.0, float("nan"), 2.0]},
     "view": "none", "grad": True, "steps": [("u", "max_last")]},
    # prod of a 0-d tensor passes the gradient through, even at inf
    {"base": {"dtype": "float32", "shape": (), "values": [float("inf")]}, "view": "none",
     "grad": True, "steps": [("u", "prod")]},
    # a cast to an integer dtype leaves the graph (integer tensors never require grad)
    {"base": {"dtype": "float32", "shape": (2,), "values": [0.0, 0.0]}, "view": "none",
     "grad": True, "steps": [("u", "long"), ("b", "floor_divide",
                                               {"dtype": "float32", "shape": (),
                                                "values": [0.0]})]},
    # the population variance of one NaN is NaN
    {"base": {"dtype": "float32", "shape": (), "values": [float("nan")]}, "view": "none",
     "grad": False, "steps": [("u", "std")]},
    # std's gradient where the std is 0 is 0 (StdBackward0), not 0/0
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "std")]},
    # unbinding the last dim of a 1-D gradient gives 0-d arrays, not NumPy scalars
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "neg"), ("u", "stack_self"),
               ("b", "add", {"dtype": "int64", "shape": (), "values": [0]})]},
    # topk refuses bool
    {"base": {"dtype": "bool", "shape": (2,), "values": [False, False]}, "view": "none",
     "grad": False, "steps": [("u", "topk1")]},
    # atan2's gradient at (0, 0) is 0; hypot has a gradient (NaN at (0, 0))
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("b", "atan2", {"dtype": "int64", "shape": (), "values": [0]})]},
    {"base": {"dtype": "float32", "shape": (2,), "values": [0.0, 3.0]}, "view": "none",
     "grad": True, "steps": [("b", "hypot", {"dtype": "int64", "shape": (), "values": [4]})]},
    # integer addcmul truncates the scale; kthvalue refuses bool
    {"base": {"dtype": "int64", "shape": (2,), "values": [1, 2]}, "view": "none",
     "grad": False, "steps": [("b", "addcmul_half", {"dtype": "int64", "shape": (2,),
                                                     "values": [1, 2]})]},
    {"base": {"dtype": "bool", "shape": (2,), "values": [False, True]}, "view": "none",
     "grad": False, "steps": [("u", "kthvalue1")]},
    # fmax/fmin ignore a NaN (they were maximum/minimum: a silent wrong answer)
    {"base": {"dtype": "float32", "shape": (2,), "values": [float("nan"), 1.0]}, "view": "none",
     "grad": False, "steps": [("b", "fmax", {"dtype": "float32", "shape": (2,),
                                              "values": [0.0, float("nan")]})]},
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("b", "fmin", {"dtype": "float32", "shape": (), "values": [float("nan")]})]},
    # fmax gives ties to its first argument; the 2-norm's gradient at 0 is 0; nanmean of ints
    # is an error
    {"base": {"dtype": "float32", "shape": (3,), "values": [0.0, 1.0, float("nan")]},
     "view": "none", "grad": True, "steps": [("b", "fmax", {"dtype": "float32", "shape": (1, 3),
                                                             "values": [0.0, 2.0, 1.0]})]},
    {"base": {"dtype": "float32", "shape": (2,), "values": [0.0, 0.0]}, "view": "none",
     "grad": True, "steps": [("u", "norm")]},
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("u", "nanmean")]},
    # permute() with no dims is a TypeError, even on a 0-d tensor
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("u", "permute_rev")]},
    # gather on a 0-d tensor is differentiable; unique's backward raises, as in PyTorch
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "gather0")]},
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "unique")]},
    # trace is differentiable (TraceBackward0) and refuses bool
    {"base": {"dtype": "float32", "shape": (2, 3), "values": [1.0] * 6}, "view": "none",
     "grad": True, "steps": [("u", "trace")]},
    {"base": {"dtype": "bool", "shape": (0, 0), "values": []}, "view": "none", "grad": False,
     "steps": [("u", "trace")]},
    # addcmul has no bool kernel
    {"base": {"dtype": "bool", "shape": (2,), "values": [True, False]}, "view": "none",
     "grad": False, "steps": [("b", "addcmul_half", {"dtype": "bool", "shape": (),
                                                     "values": [False]})]},
    # diag is differentiable both ways (vector -> matrix, matrix -> diagonal)
    {"base": {"dtype": "float32", "shape": (2, 3), "values": [1.0, 2, 3, 4, 5, 6]},
     "view": "none", "grad": True, "steps": [("u", "diag"), ("u", "diag")]},
    # outer of bool vectors works (bool matrix products do not)
    {"base": {"dtype": "bool", "shape": (2,), "values": [True, False]}, "view": "none",
     "grad": False, "steps": [("u", "outer_self")]},
    # hypot of integers has no kernel
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("b", "hypot", {"dtype": "int64", "shape": (), "values": [0]})]},
    # argmax/argmin refuse bool tensors
    {"base": {"dtype": "bool", "shape": (2,), "values": [True, False]}, "view": "none",
     "grad": False, "steps": [("u", "argmax")]},
    # abs/relu/rounding refuse bool tensors; square makes them int64
    {"base": {"dtype": "bool", "shape": (2,), "values": [True, False]}, "view": "none",
     "grad": False, "steps": [("u", "abs")]},
    {"base": {"dtype": "bool", "shape": (2,), "values": [True, False]}, "view": "none",
     "grad": False, "steps": [("u", "square")]},
    # -- found once the op list covered the whole public API --
    # addcdiv of two integer tensors is refused (no integer division)
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("b", "addcdiv_half", {"dtype": "int64", "shape": (), "values": [0]})]},
    # meshgrid's grids are views with gradients, and it wants one dtype
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("b", "meshgrid", {"dtype": "float32", "shape": (), "values": [0.0]})]},
    {"base": {"dtype": "float32", "shape": (0,), "values": []}, "view": "none", "grad": False,
     "steps": [("b", "meshgrid", {"dtype": "float64", "shape": (0,), "values": []})]},
    # tensordot/einsum are differentiable; bool contractions are refused unless a side is
    # empty; inner of 0-d tensors is a product
    {"base": {"dtype": "float32", "shape": (0,), "values": []}, "view": "none", "grad": True,
     "steps": [("u", "tensordot_self")]},
    {"base": {"dtype": "float64", "shape": (2, 3), "values": [1.0, -2, 3, 0.5, 0, 4]},
     "view": "none", "grad": True, "steps": [("u", "einsum_self"), ("u", "cross_flip")]},
    {"base": {"dtype": "bool", "shape": (0,), "values": []}, "view": "none", "grad": False,
     "steps": [("u", "tensordot_self")]},
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("u", "inner_self")]},
    {"base": {"dtype": "bool", "shape": (0, 0), "values": []}, "view": "none", "grad": False,
     "steps": [("u", "mm_self")]},
    # integer addmm takes beta as an integer (the result stays int64)
    {"base": {"dtype": "int64", "shape": (0, 0), "values": []}, "view": "none", "grad": False,
     "steps": [("u", "addmm_self")]},
    # fliplr wants 2-D; diagonal is differentiable; isreal is a method; hstack takes 0-d
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("u", "fliplr")]},
    {"base": {"dtype": "float32", "shape": (2, 2), "values": [0.0] * 4}, "view": "none",
     "grad": True, "steps": [("u", "diagonal")]},
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": False,
     "steps": [("u", "isreal")]},
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "none", "grad": False,
     "steps": [("u", "hstack_self")]},
    # shifts refuse bool, and shifting by < 0 or >= the width gives 0 / the sign fill
    {"base": {"dtype": "bool", "shape": (0,), "values": []}, "view": "none", "grad": False,
     "steps": [("b", "bitwise_left_shift", {"dtype": "bool", "shape": (0,), "values": []})]},
    {"base": {"dtype": "int64", "shape": (3,), "values": [1, -8, 5]}, "view": "none",
     "grad": False, "steps": [("b", "bitwise_left_shift",
                               {"dtype": "int64", "shape": (3,), "values": [-1, 70, 2]})]},
    {"base": {"dtype": "int32", "shape": (3,), "values": [1, -8, 5]}, "view": "none",
     "grad": False, "steps": [("b", "bitwise_right_shift",
                               {"dtype": "int32", "shape": (3,), "values": [-1, 40, 2]})]},
    # bincount of floats is NotImplementedError (not the 1-d/negative RuntimeError)
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": False,
     "steps": [("u", "bincount")]},
    # logit's gradient: NaN outside [0, 1], +inf at -0.0
    {"base": {"dtype": "float32", "shape": (4,), "values": [-0.0, 2.0, -1.0, 0.5]},
     "view": "none", "grad": True, "steps": [("u", "logit")]},
    # isclose raises PyTorch's size-mismatch RuntimeError
    {"base": {"dtype": "int64", "shape": (0, 0, 2), "values": []}, "view": "transpose",
     "grad": False, "steps": [("b", "isclose", {"dtype": "int64", "shape": (0, 0, 2),
                                                "values": []})]},
    # atan2's zero partials at (0, 0) are scaled by the incoming gradient (inf * 0 is NaN)
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("b", "atan2", {"dtype": "int64", "shape": (), "values": [0]}), ("u", "log")]},
    # a NaN clamp bound gives NaN
    {"base": {"dtype": "int64", "shape": (4, 2), "values": [0] * 8}, "view": "none",
     "grad": False, "steps": [("b", "clamp_max_t", {"dtype": "float32", "shape": (4, 1),
                                                    "values": [0.0, 0.0, 0.0, float("nan")]})]},
    # unique_consecutive has no derivative
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "unique_consecutive")]},
    # an empty batched product checks no dtypes and returns mat2's dtype
    {"base": {"dtype": "int64", "shape": (0, 0, 1), "values": []}, "view": "none",
     "grad": False, "steps": [("b", "matmul", {"dtype": "float32", "shape": (0, 1, 1),
                                               "values": []})]},
    # bool baddbmm of empty batches stays bool; so does an empty bool tensordot
    {"base": {"dtype": "bool", "shape": (0, 0, 0), "values": []}, "view": "none",
     "grad": False, "steps": [("u", "baddbmm_self")]},
    {"base": {"dtype": "bool", "shape": (0,), "values": []}, "view": "expand", "grad": False,
     "steps": [("u", "tensordot_self"), ("u", "neg")]},
    # cumprod's gradient at zeros: the first zero of a line gets the product of the others
    {"base": {"dtype": "float64", "shape": (2, 4), "values": [2.0, 0, 3, 4, 0, 0, 3, 0.5]},
     "view": "none", "grad": True, "steps": [("u", "cumprod0"), ("u", "flip0"),
                                             ("u", "cumprod0")]},
    {"base": {"dtype": "float32", "shape": (4,), "values": [2.0, 0.0, 3.0, 4.0]},
     "view": "transpose", "grad": True, "steps": [("u", "cumprod0")]},
    # unique keeps every NaN (NaN != NaN); index_add is differentiable in its source too
    {"base": {"dtype": "int64", "shape": (), "values": [0]}, "view": "expand", "grad": False,
     "steps": [("u", "acosh"), ("u", "unique")]},
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "expand",
     "grad": True, "steps": [("u", "index_add0")]},
    # integer addmm with nothing to multiply refuses a float beta (PyTorch's float op)
    {"base": {"dtype": "int64", "shape": (0,), "values": []}, "view": "none", "grad": False,
     "steps": [("u", "argwhere"), ("u", "addmm_self")]},
    # sorting a 0-d tensor is differentiable; cumprod along a size-1 dim passes g (even at inf)
    {"base": {"dtype": "float32", "shape": (), "values": [0.0]}, "view": "none", "grad": True,
     "steps": [("u", "msort"), ("b", "add", {"dtype": "float32", "shape": (), "values": [0.0]})]},
    {"base": {"dtype": "float32", "shape": (1,), "values": [float("inf")]}, "view": "none",
     "grad": True, "steps": [("u", "cumprod0")]},
    # an empty batched product of mixed dtypes is mat2's integer dtype: no autograd for it
    {"base": {"dtype": "float32", "shape": (0, 0, 1), "values": []}, "view": "none",
     "grad": True, "steps": [("b", "matmul", {"dtype": "int64", "shape": (0, 1, 1),
                                              "values": []})]},
    # std_mean's std has std's gradient (0 where the std is 0)
    {"base": {"dtype": "float32", "shape": (2,), "values": [0.0, 0.0]}, "view": "none",
     "grad": True, "steps": [("u", "std_mean0")]},
    # (found by this issue's fuzzer: dims from -3..2, indices from -5..5, in-place steps)
    # an in-place write into an expanded view refuses, unless the view is empty
    {"base": {"dtype": "float32", "shape": (3, 0, 2), "values": []}, "view": "expand",
     "grad": False, "steps": [("p", "add_", {"dtype": "bool", "shape": (), "values": [False]})]},
    {"base": {"dtype": "float32", "shape": (2,), "values": [1.0, 2.0]}, "view": "expand",
     "grad": False, "steps": [("p", "add_", {"dtype": "float32", "shape": (), "values": [1.0]})]},
    # gather refuses a negative index; take_along_dim counts it from the end
    {"base": {"dtype": "float32", "shape": (3, 2), "values": [1.0] * 6}, "view": "none",
     "grad": True, "steps": [("i", "gather", [-1])]},
    {"base": {"dtype": "float32", "shape": (3, 2), "values": [1.0] * 6}, "view": "none",
     "grad": True, "steps": [("i", "take_along_dim", [-1, 0])]},
    # a dim beyond [-1, 0] on a 0-d tensor is refused by sort/softmax/topk
    {"base": {"dtype": "float32", "shape": (), "values": [2.0]}, "view": "none", "grad": False,
     "steps": [("d", "sort", 1)]},
    {"base": {"dtype": "float32", "shape": (), "values": [2.0]}, "view": "none", "grad": False,
     "steps": [("d", "softmax", -2)]},
    # scatter and index_add into a 0-d tensor address its one element
    {"base": {"dtype": "float64", "shape": (), "values": [-3.9]}, "view": "none",
     "grad": False, "steps": [("i", "scatter_add", [0, -4, -3])]},
    {"base": {"dtype": "int64", "shape": (), "values": [3]}, "view": "none", "grad": False,
     "steps": [("i", "index_add", [0])]},
    # index ops on empty tensors check no index, unless the indexed dim itself is empty
    {"base": {"dtype": "int32", "shape": (0, 0), "values": []}, "view": "none", "grad": False,
     "steps": [("i", "index_fill", [-4, 1])]},
    {"base": {"dtype": "bool", "shape": (0, 4, 0), "values": []}, "view": "none",
     "grad": False, "steps": [("i", "index_copy", [1])]},
    # pow(tensor, tensor) saves its result: writing into it fails backward
    {"base": {"dtype": "float64", "shape": (2, 2), "values": [1.0, 2.0, 3.0, 4.0]},
     "view": "none", "grad": True,
     "steps": [("b", "pow", {"dtype": "int32", "shape": (2, 1), "values": [0, 5]}),
               ("p", "scatter_", {"dtype": "bool", "shape": (1,), "values": [True]})]},
    # put_ on a tensor autograd tracks records its gradient
    {"base": {"dtype": "float32", "shape": (3, 1), "values": [-2.0, 1.5, 1.0]},
     "view": "expand", "grad": True, "steps": [("i", "put", [2, 5, -4]),
                                               ("p", "sub_", {"dtype": "float64",
                                                              "shape": (1, 1),
                                                              "values": [2.8]})]},
    # median() of ties shares the gradient evenly
    {"base": {"dtype": "float64", "shape": (2,), "values": [1.5, 1.5]}, "view": "none",
     "grad": True, "steps": [("u", "median")]},
    # writes through a diagonal view (NumPy's diagonal is read-only)
    {"base": {"dtype": "float64", "shape": (2, 3), "values": [1.0] * 6}, "view": "none",
     "grad": False, "steps": [("u", "diagonal"), ("p", "square_", {"dtype": "float64",
                                                                   "shape": (), "values": [1.0]})]},
    # std of float32 values near 1e20 is finite
    {"base": {"dtype": "float32", "shape": (4,), "values": [1e20, 3e20, -2e20, 5e20]},
     "view": "none", "grad": True, "steps": [("u", "std")]},
]
