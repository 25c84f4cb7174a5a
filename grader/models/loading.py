"""Loading a saved model without unpickling code, and the checks made on it before it computes.

PyTorch weights load with `weights_only=True` (or from safetensors) into the reference
architecture, Keras files in safe mode, TorchScript through its own loader, and then only if every
operator of every graph is a tensor or network operator (`refused_ops`). Loading itself can run
code that came with the model (a TorchScript `__setstate__`, a Keras layer built from its config),
so students' models are loaded only in the model process (`serve`), where no data folder exists.
"""
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np

from grader.core.errors import GraderError


class Refused(GraderError):
    """The file holds pickled code, or is not the kind of model the rubric asks for."""

    def __init__(self, message: str, ops: list[str] | None = None):
        super().__init__(message)
        self.ops = ops or []  # TorchScript operators outside the allow-list


class ArchitectureMismatch(GraderError):
    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# The operators a TorchScript model may use: those that torch.nn's layers and torch.nn.functional
# compile or trace to, the tensor operators a forward method writes by hand, and the builtins
# TorchScript compiles Python's scalars, lists, dicts and control flow to. Each is pure computation
# on the model's own values; nothing here reads or writes a file, prints to a stream the grader
# reads, or calls code outside the graph. A trailing "_" (the in-place form) is allowed with its op.
_ATEN = frozenset("""
    Bool Float Int IntImplicit FloatImplicit ScalarImplicit __and__ __contains__ __derive_index __getitem__ __is__
    __isnot__ __not__ __or__ __range_length __round_to_zero_floordiv __xor__ _set_item append clear copy count dict
    extend get insert items keys len list pop remove reverse values format str warn
    dim size numel item is_floating_point is_complex is_contiguous is_grad_enabled is_autocast_enabled
    is_autocast_cpu_enabled detach clone to type_as cpu cuda contiguous requires_grad
    add sub rsub mul div true_divide floordiv remainder fmod neg abs sign floor ceil round trunc frac
    eq ne lt le gt ge logical_and logical_or logical_not logical_xor isnan isinf isfinite nan_to_num
    exp exp2 expm1 log log1p log2 log10 pow sqrt rsqrt square reciprocal sin cos tan sinh cosh asin acos atan atan2
    erf erfc lerp addcmul addcdiv clamp clamp_min clamp_max clip maximum minimum max min amax amin argmax argmin
    sum mean std var prod cumsum cumprod norm frobenius_norm linalg_vector_norm logsumexp any all
    sort argsort topk matmul mm bmm mv dot outer einsum addmm addmv addbmm baddbmm cosine_similarity
    pairwise_distance cdist
    zeros zeros_like ones ones_like full full_like empty empty_like arange linspace eye tensor scalar_tensor
    as_tensor rand rand_like randn randn_like new_zeros new_ones new_full new_empty
    view view_as reshape reshape_as flatten unflatten squeeze unsqueeze expand expand_as repeat repeat_interleave
    permute transpose t swapaxes movedim chunk split split_with_sizes unbind stack cat concat concatenate hstack
    vstack narrow select slice index index_put index_select gather masked_fill masked_select where flip roll
    tril triu diag diagonal pad constant_pad_nd reflection_pad1d reflection_pad2d reflection_pad3d
    replication_pad1d replication_pad2d replication_pad3d one_hot im2col col2im pixel_shuffle pixel_unshuffle
    channel_shuffle broadcast_to
    linear bilinear _convolution _convolution_mode convolution conv1d conv2d conv3d conv_transpose1d
    conv_transpose2d conv_transpose3d max_pool1d max_pool2d max_pool3d max_pool1d_with_indices
    max_pool2d_with_indices max_pool3d_with_indices avg_pool1d avg_pool2d avg_pool3d adaptive_avg_pool1d
    adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d
    batch_norm native_batch_norm _batch_norm_impl_index layer_norm native_layer_norm group_norm instance_norm
    dropout feature_dropout alpha_dropout feature_alpha_dropout softmax log_softmax _softmax _log_softmax
    relu relu6 gelu silu mish elu celu selu leaky_relu prelu rrelu hardswish hardsigmoid hardtanh hardshrink
    softshrink tanhshrink softplus sigmoid log_sigmoid tanh glu threshold
    embedding embedding_bag lstm gru rnn_tanh rnn_relu lstm_cell gru_cell rnn_tanh_cell rnn_relu_cell
    scaled_dot_product_attention _native_multi_head_attention _transformer_encoder_layer_fwd
    _nested_tensor_from_mask _nested_tensor_from_mask_left_aligned to_padded_tensor
    upsample_nearest1d upsample_nearest2d upsample_nearest3d upsample_linear1d upsample_bilinear2d
    upsample_bicubic2d upsample_trilinear3d _upsample_nearest_exact1d _upsample_nearest_exact2d
    _upsample_nearest_exact3d _upsample_bilinear2d_aa _upsample_bicubic2d_aa _upsample_lanczos2d_aa
""".split())
# prim::Print is allowed: it writes to the model process's own output, which holds nothing. Calls
# left after inlining (prim::CallFunction, prim::CallMethod) are not: their code would go unread.
_PRIM = frozenset("""
    Constant GetAttr SetAttr If Loop ListConstruct ListUnpack TupleConstruct TupleIndex TupleUnpack TupleSlice
    DictConstruct NumToTensor Uninitialized RaiseException CreateObject unchecked_cast isinstance device dtype
    layout is_nested is_cuda requires_grad type data shape name min max abs tolist ConstantChunk EnumName
    EnumValue StringIndex Print
""".split())
ALLOWED_OPS = {"aten": _ATEN, "prim": _PRIM}


def refused_ops(kinds: set[str]) -> list[str]:
    """The operator kinds (`aten::relu`) outside the allow-list; every other namespace is refused."""
    def allowed(kind: str) -> bool:
        namespace, _, name = kind.partition("::")
        names = ALLOWED_OPS.get(namespace, frozenset())
        return name in names or (name.endswith("_") and not name.endswith("__") and name[:-1] in names)
    return sorted(k for k in kinds if not allowed(k))


def torchscript_ops(module: Any) -> set[str]:
    """The operator kinds of every method of the module and of each submodule, with the functions,
    methods and class code they call inlined, and the blocks of branches and loops walked."""
    kinds: set[str] = set()

    def walk(block: Any) -> None:
        for node in block.nodes():
            kinds.add(node.kind())
            for inner in node.blocks():
                walk(inner)
    for _, sub in module.named_modules():
        for name in sub._c._method_names():
            walk(sub._c._get_method(name).inlined_graph)
    return kinds


def build(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)()


def shape_problems(found: list[tuple[str, tuple]], expected: list[tuple[str, tuple]], by_name: bool) -> list[str]:
    """Differences between two lists of (parameter name, shape), by name or in order."""
    if by_name:
        f, e = dict(found), dict(expected)
        problems = [f"missing {k} {list(v)}" for k, v in e.items() if k not in f]
        problems += [f"unexpected {k} {list(v)}" for k, v in f.items() if k not in e]
        problems += [f"{k}: {list(f[k])} instead of {list(v)}" for k, v in e.items() if k in f and f[k] != v]
        return problems
    if len(found) != len(expected):
        return [f"{len(found)} weight tensors instead of {len(expected)}"]
    return [f"weight {i} ({fn}): {list(fs)} instead of {list(es)}"
            for i, ((fn, fs), (_, es)) in enumerate(zip(found, expected)) if fs != es]


@dataclass
class Loaded:
    """A model ready to compute: `predict` maps a float32 batch to its outputs as float32."""

    predict: Callable[[np.ndarray], np.ndarray]
    problems: list[str]
    parameters: int
    device: str
    peak_gpu_mib: Callable[[], float | None] = lambda: None


def _torchscript(path: Path, device: str) -> Any:
    import torch

    try:
        model = torch.jit.load(str(path), map_location=device)
    except RuntimeError as exc:  # the last line says why, after TorchScript's traceback
        lines = [line for line in str(exc).splitlines() if line.strip()] or ["?"]
        raise Refused(f"the TorchScript file could not be loaded: {lines[-1][:300]}") from None
    ops = refused_ops(torchscript_ops(model))
    if ops:
        raise Refused(f"the TorchScript model uses operators outside the allowed tensor and network "
                      f"operators: {', '.join(ops[:10])}", ops)
    return model


def _torch_model(job: dict, path: Path) -> Loaded:
    import torch

    device = "cuda" if job.get("device", "auto") != "cpu" and torch.cuda.is_available() else "cpu"
    if job["format"] == "torchscript":
        model = _torchscript(path, device)
        state = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    else:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file
            weights = load_file(str(path))
        else:
            try:
                weights = torch.load(str(path), map_location="cpu", weights_only=True)
            except Exception as exc:  # noqa: BLE001 - any failure of the safe loader is a refusal
                raise Refused(f"the file holds more than weights (pickled code is not loaded): "
                              f"{str(exc).splitlines()[0][:200]}") from None
            if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
                raise Refused("the file is not a state_dict (a dict of parameter names to tensors)")
        model = None
        state = {k: tuple(v.shape) for k, v in weights.items()}
    reference = build(job["architecture"]) if job.get("architecture") else None
    problems: list[str] = []
    if reference is not None:
        expected = [(k, tuple(v.shape)) for k, v in reference.state_dict().items()]
        problems = shape_problems(list(state.items()), expected, by_name=model is None)
    if model is None:
        if reference is None:
            raise Refused("a state_dict needs the rubric's architecture to be loaded into")
        if problems:
            raise ArchitectureMismatch(problems)
        reference.load_state_dict(weights, strict=True)
        model = reference.to(device)
    model.eval()

    def predict(x: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(torch.from_numpy(x).to(device)).float().cpu().numpy()

    def peak() -> float | None:
        return torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None
    return Loaded(predict, problems, int(sum(p.numel() for p in model.parameters())), device, peak)


def _keras_model(job: dict, path: Path) -> Loaded:
    import keras

    try:
        model = keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:  # noqa: BLE001 - safe mode raises ValueError for lambdas, others for bad files
        raise Refused(f"the Keras file could not be loaded in safe mode: {str(exc).splitlines()[0][:200]}") from None
    problems: list[str] = []
    if job.get("architecture"):
        reference = build(job["architecture"])
        found = [(w.path, tuple(w.shape)) for w in model.weights]
        expected = [(w.path, tuple(w.shape)) for w in reference.weights]
        problems = shape_problems(found, expected, by_name=False)
    return Loaded(lambda x: np.asarray(model.predict_on_batch(x)), problems, int(model.count_params()), "cpu")


def load_model(job: dict, path: Path) -> Loaded:
    """The model in `path` as the job's format says, compared with the job's architecture."""
    return _keras_model(job, path) if job["format"] == "keras" else _torch_model(job, path)
