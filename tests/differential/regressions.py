"""The shrunk programs of every mismatch the differential fuzzer found (each fixed): replayed
against PyTorch by test_fuzz.py and on the CUDA backend by tests/test_cuda_programs.py."""

NAN, INF = float("nan"), float("inf")

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
    # ---- found by the 200k-program campaigns
    # cumprod's gradient with -INF after a zero: only the products before the first zero count
    {'base': {'dtype': 'float64',
              'shape': (3, 4, 3),
              'values': [-INF, -INF, -INF, -0.0, 0.0, 1.0000000474974514e+17, 0.0, -0.0, 0.0,
                         -5.894279956817627e+20, -INF, -INF, -7.352421879768371e+19, -INF, 0.0,
                         NAN, NAN, NAN, -INF, 0.0, 6.143311262130737e+19, INF,
                         -4.121391773223877e+20, -5.729713439941406e+20, -0.0, NAN, 0.0,
                         -1.4612864255905151e+20, 0.0, -INF, 1e+20, 5.160061836242676e+20,
                         -2e+20, -0.0, 0.0, 3.7677745819091796e+20]},
     'grad': True,
     'steps': [('d', 'cumprod', -3)],
     'view': 'expand'},
    # 1 ulp of PyTorch's float32 exp, blown up by sin: accepted by the re-run that continues from
    # numtorch's value
    {'base': {'dtype': 'int64', 'shape': (2,), 'values': [2, 2]},
     'grad': False,
     'steps': [('u', 'exp'), ('u', 'exp'), ('u', 'sin')],
     'view': 'slice'},
    # addmm with nothing to multiply refuses to cast beta * input back to bool
    {'base': {'dtype': 'bool', 'shape': (0, 1), 'values': []},
     'grad': False,
     'steps': [('u', 'addmm_self')],
     'view': 'slice'},
    # a BLAS signs a zero product its own way: the re-run continues from numtorch's zeros
    {'base': {'dtype': 'float32', 'shape': (2, 1), 'values': [0.75, -0.0]},
     'grad': False,
     'steps': [('u', 'inner_self'),
               ('b', 'atan2', {'dtype': 'int32', 'shape': (2, 1), 'values': [-1, -6]}),
               ('p', 'floor_divide_', {'dtype': 'bool', 'shape': (1,), 'values': [False]})],
     'view': 'none'},
    # two NaNs on a line are a tie: kthvalue's index among them is implementation-defined, so it is
    # fenced
    {'base': {'dtype': 'float32',
              'shape': (1, 3, 4),
              'values': [-0.00036840554093942046, 3.820944309234619, -2.1588358879089355,
                         3.1603336334228516, 0.0, INF, 3.558000326156616, 1.0,
                         -1.726782202720642, INF, 9.999999717180685e-10,
                         -2.403352590257508e-18]},
     'grad': True,
     'steps': [('p', 'addcmul_', {'dtype': 'float64', 'shape': (1,), 'values': [NAN]}),
               ('d', 'max', 2), ('d', 'kthvalue', 1)],
     'view': 'transpose'},
    # atan2's partials as PyTorch computes them (g * b * r, r = 1 / (a^2 + b^2) overflowing)
    {'base': {'dtype': 'float64',
              'shape': (3, 2),
              'values': [-3.541245937347412, 1.0, 5.406500339508057, NAN, 1.0, -INF]},
     'grad': True,
     'steps': [('u', 'nansum'),
               ('b', 'atan2',
                {'dtype': 'float32',
                 'shape': (3, 1),
                 'values': [0.0, -3.541245937347412, NAN]})],
     'view': 'none'},
    # PyTorch's vectorised float32 fmod gives NaN where a / b overflows: fenced
    {'base': {'dtype': 'float32',
              'shape': (3, 3, 3),
              'values': [4.7617085875227496e-14, -0.0, -0.0, -INF, INF, 0.0, NAN, 0.0, INF,
                         -1.5e+20, INF, 3.5834686756134034e+20, -1.4762156009674074e+20,
                         3.346401214599609e+20, 999999974737875.1, 0.0, 7.978845834732056e+19,
                         3.31287145614624e+20, 0.0, -5.768493175506592e+20, -0.0, 0.0, 0.0,
                         -0.0, 1.793460726737976e+20, -INF, INF]},
     'grad': False,
     'steps': [('d', 'squeeze', 0),
               ('b', 'fmod',
                {'dtype': 'float64', 'shape': (), 'values': [4.76170858752275e-34]}),
               ('u', 'abs')],
     'view': 'none'},
    # nan_to_num's gradient is g times the mask (INF * 0 = NaN)
    {'base': {'dtype': 'float64',
              'shape': (3, 4, 1),
              'values': [-INF, 0.0, NAN, 0.0, 1.0, NAN, -2.827157974243164, 1.0507010221481323,
                         INF, 0.2591968774795532, INF, 1.0]},
     'grad': True,
     'steps': [('u', 'nan_to_num'), ('u', 'nan_to_num'), ('d', 'mode_free_max', 1),
               ('u', 'reciprocal')],
     'view': 'slice'},
    # the 2-norm's gradient at 0 is g * 0, NaN for an infinite g
    {'base': {'dtype': 'float32', 'shape': (), 'values': [0.0]},
     'grad': True,
     'steps': [('u', 'norm'),
               ('b', 'maximum', {'dtype': 'float32', 'shape': (), 'values': [0.0]}),
               ('b', 'div', {'dtype': 'float32', 'shape': (), 'values': [0.0]})],
     'view': 'expand'},
    # relu keeps -0.
    {'base': {'dtype': 'float32', 'shape': (2,), 'values': [-0.0, -0.0]},
     'grad': False,
     'steps': [('u', 'relu'), ('u', 'reciprocal')],
     'view': 'none'},
    # tril_ on an expanded view writes only zeros, row after row, as PyTorch's kernel
    {'base': {'dtype': 'float32', 'shape': (2,), 'values': [0.0, INF]},
     'grad': False,
     'steps': [('p', 'tril_', {'dtype': 'bool', 'shape': (2,), 'values': [True, False]})],
     'view': 'expand'},
    # flatten of a 1-D tensor is the tensor itself (t_ on it is t_ on the leaf)
    {'base': {'dtype': 'float32',
              'shape': (4,),
              'values': [-0.4023493230342865, -1.058890700340271, 1.0, NAN]},
     'grad': True,
     'steps': [('u', 'flatten'),
               ('p', 't_', {'dtype': 'float32', 'shape': (), 'values': [0.0]}), ('u', 'arccos'),
               ('d', 'roll', -3)],
     'view': 'transpose'},
    # norm over one element of 1e20 (float32) is 1e20, not INF
    {'base': {'dtype': 'float32', 'shape': (1,), 'values': [1e+20]},
     'grad': False,
     'steps': [('d', 'norm', -1)],
     'view': 'none'},
    # cummax of an empty tensor keeps the graph
    {'base': {'dtype': 'float64', 'shape': (0, 2, 2), 'values': []},
     'grad': True,
     'steps': [('d', 'cummax', -3), ('u', 'index_select0'), ('u', 'sum_keep01')],
     'view': 'none'},
    # logsumexp over an empty dim saves its result too
    {'base': {'dtype': 'float32', 'shape': (2, 3, 0), 'values': []},
     'grad': True,
     'steps': [('d', 'logsumexp', 2),
               ('p', 'setitem_slice', {'dtype': 'bool', 'shape': (), 'values': [True]})],
     'view': 'none'},
    # addcdiv computes value * t1 / t2 in that order
    {'base': {'dtype': 'int32', 'shape': (3, 3), 'values': [-2, -1, 6, -6, -2, 6, 0, 0, -1]},
     'grad': False,
     'steps': [('b', 'addcdiv_half',
                {'dtype': 'float32',
                 'shape': (3, 3),
                 'values': [NAN, 1.1920928955078125e-07, -1.1754943508222875e-38, NAN, NAN, INF,
                            -1.1754943508222875e-38, -1.1754943508222875e-38, 0.0]})],
     'view': 'expand'},
    # float32 prod accumulates in float32, as PyTorch's
    {'base': {'dtype': 'float32',
              'shape': (4, 2, 3),
              'values': [0.0, -0.0, INF, 4.1666269302368164e+18, 1e+20, 0.0, INF,
                         4.297070503234863e+20, -0.0, 1e+20, 4.098990917205811e+20,
                         -1.9791836738586427e+20, -4.8074913024902346e+20, 1e+20, INF, INF,
                         -INF, 6.59801185131073e+19, 4.034916400909424e+20,
                         1.5009577274322508e+20, -2.746295690536499e+20, -INF,
                         7.978845834732056e+19, 5e+20]},
     'grad': True,
     'steps': [('d', 'prod', -3),
               ('b', 'subtract', {'dtype': 'int64', 'shape': (), 'values': [-5]})],
     'view': 'transpose'},
    # median() returns a fresh tensor, not a view, so tanh_ on it invalidates the saved result
    {'base': {'dtype': 'float32',
              'shape': (2, 3, 3),
              'values': [INF, -4.6943030357360837e-20, -5.435081005096435e-20, 1e-20, 1e-20,
                         0.0, -INF, 1e-20, -INF, 1e-20, 1.7444022893905638e-20, -INF, NAN, -INF,
                         -3.397726058959961e-20, INF, 1.3285322189331054e-20, -INF]},
     'grad': True,
     'steps': [('u', 'median'),
               ('p', 'tanh_',
                {'dtype': 'float32',
                 'shape': (2, 3, 1),
                 'values': [-0.0, -0.0, -0.0, -2.4193878173828125, NAN, 1.0]}),
               ('u', 'bmm_self')],
     'view': 'transpose'},
    # norm over one element is |x| forward and x / norm backward (INF / INF = NaN)
    {'base': {'dtype': 'float32',
              'shape': (1, 4, 1),
              'values': [INF, -0.5227514505386353, NAN, INF]},
     'grad': True,
     'steps': [('d', 'min', -1), ('d', 'norm', 0), ('u', 'squeeze'), ('u', 'erf')],
     'view': 'transpose'},
    # std_mean's mean is NaN when an INF comes before the last element (a running mean)
    {'base': {'dtype': 'float32', 'shape': (1, 1, 2), 'values': [INF, INF]},
     'grad': True,
     'steps': [('u', 'std_mean0')],
     'view': 'none'},
    # which matmul check comes first (bool bmm or the dtypes) follows PyTorch's stride test, size-1
    # dims included
    {'base': {'dtype': 'bool', 'shape': (1, 3, 1), 'values': [False, False, False]},
     'grad': False,
     'steps': [('b', 'matmul', {'dtype': 'int32', 'shape': (1,), 'values': [-3]}),
               ('p', 't_', {'dtype': 'int64', 'shape': (1, 1), 'values': [-6]})],
     'view': 'transpose'},
    # ravel of an expanded tensor is a contiguous copy, which add_ may write
    {'base': {'dtype': 'int64', 'shape': (), 'values': [2]},
     'grad': False,
     'steps': [('u', 'ravel'), ('p', 'add_', {'dtype': 'bool', 'shape': (), 'values': [True]}),
               ('b', 'sub',
                {'dtype': 'float32', 'shape': (), 'values': [-3.1686909198760986]})],
     'view': 'expand'},
    # maximum's tie of -0. and 0. is implementation-defined in PyTorch: fenced
    {'base': {'dtype': 'float64',
              'shape': (3, 3, 4),
              'values': [0.0, 0.0, 1.8442504405975342, 3.904127359390259, NAN,
                         2.9574224948883057, 0.00833342969417572, 0.0, INF, -5.324866771697998,
                         0.5452351570129395, NAN, INF, -4.423982620239258,
                         5.368968567377248e-39, -2.8592875003814697, -1.2686903476715088, INF,
                         -4.82156229019165, -0.0, 1.1920928955078125e-07, -0.0, -0.0, -0.0,
                         -0.0, 1.0, 1.0, -INF, -5.445530414581299, 0.0, -5.0, INF, -0.5, -0.0,
                         4.374864101409912, -0.0]},
     'grad': True,
     'steps': [('b', 'maximum', {'dtype': 'float64', 'shape': (), 'values': [0.0]}),
               ('u', 'log')],
     'view': 'slice'},
    # the same for minimum, with an integer 0 against -0.
    {'base': {'dtype': 'int32',
              'shape': (4, 4, 4),
              'values': [0, 6, -2, 1, 0, 0, 0, 0, -5, -3, 0, 0, -6, 3, 0, 0, 0, -2, 0, -3, -4,
                         0, 0, 0, 0, 0, 0, -3, 0, 0, 0, 0, 0, -4, 0, 0, 0, 0, 2, 1, 0, 4, 0, 0,
                         0, 0, 0, 0, 0, 0, -2, 0, 0, 0, 2, -3, -3, -6, -3, 0, 0, 0, 0, 3]},
     'grad': False,
     'steps': [('d', 'index_select', -1),
               ('b', 'minimum', {'dtype': 'float64', 'shape': (1, 1, 1), 'values': [-0.0]}),
               ('u', 'reciprocal')],
     'view': 'expand'},
    # median() of an empty tensor saves its result, as PyTorch's node
    {'base': {'dtype': 'float32', 'shape': (2, 0), 'values': []},
     'grad': True,
     'steps': [('b', 'add', {'dtype': 'float64', 'shape': (2, 0), 'values': []}),
               ('u', 'median'),
               ('p', 'uniform_zero', {'dtype': 'int64', 'shape': (1,), 'values': [0]})],
     'view': 'slice'},
    # rsqrt's gradient takes y ** 3 first, as PyTorch (its overflow makes NaN of 0 * INF)
    {'base': {'dtype': 'float32',
              'shape': (1, 4, 1),
              'values': [-4.06553840637207e-20, 2.2409652444821404e-27, -0.0, 1e-20]},
     'grad': True,
     'steps': [('b', 'subtract', {'dtype': 'int32', 'shape': (1,), 'values': [0]}),
               ('u', 'rsqrt'),
               ('b', 'multiply', {'dtype': 'float32', 'shape': (1, 1, 1), 'values': [-0.0]})],
     'view': 'expand'},
    # cat's skipped 1-D empty inputs get an empty gradient, not none
    {'base': {'dtype': 'float32', 'shape': (0,), 'values': []},
     'grad': True,
     'steps': [('u', 'concat_self'),
               ('b', 'matmul', {'dtype': 'float32', 'shape': (0,), 'values': []})],
     'view': 'slice'},
    # index_copy's backward checks the index only for the source's gradient
    {'base': {'dtype': 'float64', 'shape': (0, 1, 1), 'values': []},
     'grad': True,
     'steps': [('d', 'mode_free_max', 1), ('i', 'index_copy', [-5]), ('u', 'var')],
     'view': 'transpose'},
    # float64 too: a BLAS signs a zero product its own way (the re-run continues from numtorch's)
    {'base': {'dtype': 'float64',
              'shape': (4, 1),
              'values': [INF, -0.0, 3.888141632080078, 4.115952491760254]},
     'grad': False,
     'steps': [('u', 'einsum_self'),
               ('b', 'atan2', {'dtype': 'float64', 'shape': (), 'values': [-INF]}),
               ('p', 'masked_fill_', {'dtype': 'int32', 'shape': (1,), 'values': [0]})],
     'view': 'none'},
    # reciprocal's gradient takes y * y first, as PyTorch
    {'base': {'dtype': 'float32', 'shape': (), 'values': [1e-20]},
     'grad': True,
     'steps': [('u', 'reciprocal'), ('u', 'log')],
     'view': 'slice'},
]
