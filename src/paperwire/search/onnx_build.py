"""Build an ONNX sentence-embedding graph from BERT safetensors weights, without torch.

The graph is a BERT encoder (as in ``transformers.BertModel``), written with ONNX
Runtime's fused transformer operators (``Attention``, ``SkipLayerNormalization``,
``BiasGelu``; the CPU and CUDA providers both have them), followed by
sentence-transformers' mean pooling and L2 normalisation::

    inputs : input_ids int64 [batch, seq], attention_mask int64 [batch, seq]
    output : sentence_embedding float32 [batch, hidden]  (unit-length rows)
             phrase_space float32 [batch, hidden]  (the same pooling after the first
             ``PHRASE_LAYERS`` layers: where concept phrases are compared with the paper)

The phrase graph is the first ``PHRASE_LAYERS`` layers alone, with ``phrase_space`` as
its only output, pooled over the phrase's words (not ``[CLS]``/``[SEP]``): concept
phrases run through it at a third of the full model's cost, and land in the same
space as the paper's own ``phrase_space`` row.

token_type_ids are always 0 for single-sentence embedding, so token-type row 0 is
folded into the position-embedding table. Everything else is a one-to-one
transcription; ``tests/test_model.py`` checks it against a numpy forward pass.
The fused operators cut the int8 model's CPU time per abstract by 6-8 % against the
same graph in plain ONNX operators (docs/benchmarks.md).

Only ``numpy`` and ``onnx`` are needed; ``onnxruntime`` only for int8 quantization.
"""

from __future__ import annotations

import json
import logging
import struct
from pathlib import Path

import numpy as np

MS_DOMAIN = "com.microsoft"  # ONNX Runtime's contrib operators
_FUSED_OPS = frozenset({"Attention", "SkipLayerNormalization", "BiasGelu"})
#: Layers a concept phrase goes through. Which phrases MMR picks moves as much between
#: the 5th and the 6th layer as between the 2nd and the 6th (docs/benchmarks.md).
PHRASE_LAYERS = 2
_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "BF16": None}


def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file into numpy arrays (float tensors returned as float32)."""
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    out: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        start, end = info["data_offsets"]
        raw = data[base + start : base + end]
        if dtype == "BF16":
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u16.view(np.float32)
        elif dtype in _DTYPES:
            arr = np.frombuffer(raw, dtype=_DTYPES[dtype])
        else:
            raise ValueError(f"unsupported safetensors dtype {dtype} for {name}")
        arr = arr.reshape(info["shape"])
        if arr.dtype == np.float16:
            arr = arr.astype(np.float32)
        out[name] = arr
    return out


def _strip_prefix(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # Some checkpoints are saved from BertForX / SentenceTransformer wrappers.
    for prefix in ("bert.", "model.", "0.auto_model."):
        if any(k.startswith(prefix + "embeddings.") for k in weights):
            return {k[len(prefix) :]: v for k, v in weights.items() if k.startswith(prefix)}
    return weights


def _check_config(model_dir: Path) -> dict:
    cfg = json.loads((model_dir / "config.json").read_text())
    if cfg.get("model_type", "bert") != "bert":
        raise ValueError(
            f"only BERT-architecture models are supported, got {cfg.get('model_type')}"
        )
    if cfg.get("hidden_act", "gelu") != "gelu":
        raise ValueError(f"only erf-gelu activation is supported, got {cfg.get('hidden_act')}")
    pooling_cfg = model_dir / "1_Pooling" / "config.json"
    if pooling_cfg.exists() and not json.loads(pooling_cfg.read_text()).get(
        "pooling_mode_mean_tokens"
    ):
        raise ValueError(
            "only mean pooling is implemented (1_Pooling/config.json asks for another)"
        )
    return cfg


class _GraphBuilder:
    """Collects initializers and nodes; every node's one output is named after it."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.inits: list = []
        self.nodes: list = []

    def const(self, name: str, array: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def weight(self, name: str, key: str) -> str:
        return self.const(name, self.weights[key].astype(np.float32))

    def dense(self, name: str, prefix: str) -> str:
        """A linear layer's weight as the [in, out] matrix MatMul takes."""
        return self.const(name, self.weights[f"{prefix}.weight"].astype(np.float32).T)

    def node(self, op: str, inputs: list[str], output: str, **attrs: object) -> str:
        from onnx import helper

        domain = MS_DOMAIN if op in _FUSED_OPS else ""
        self.nodes.append(
            helper.make_node(op, inputs, [output], name=output, domain=domain, **attrs)
        )
        return output


def _embeddings(g: _GraphBuilder, eps: float) -> str:
    # token_type_ids are always 0 here: token-type row 0 is folded into the positions.
    w = g.weights
    positions = w["embeddings.position_embeddings.weight"].astype(np.float32)
    token_type0 = w["embeddings.token_type_embeddings.weight"][0].astype(np.float32)
    g.const("pos_emb", positions + token_type0[None, :])
    g.weight("word_emb", "embeddings.word_embeddings.weight")
    g.const("zero_1d", np.array([0], np.int64))
    g.node("Gather", ["word_emb", "input_ids"], "tok_emb", axis=0)
    g.node("Shape", ["input_ids"], "seq_len_1d", start=1, end=2)
    g.node("Slice", ["pos_emb", "zero_1d", "seq_len_1d", "zero_1d"], "pos_slice")
    g.node("Add", ["tok_emb", "pos_slice"], "emb_sum")
    scale = g.weight("emb_ln_w", "embeddings.LayerNorm.weight")
    shift = g.weight("emb_ln_b", "embeddings.LayerNorm.bias")
    return g.node("LayerNormalization", ["emb_sum", scale, shift], "emb_out", axis=-1, epsilon=eps)


def _encoder_layer(g: _GraphBuilder, i: int, x: str, heads: int, eps: float) -> str:
    """One BERT layer as ONNX Runtime's fused CPU kernels: Attention (one packed QKV
    projection, softmax with the padding mask), SkipLayerNormalization (residual add,
    bias and LayerNorm in one pass) and BiasGelu (exact erf GELU). quantize_dynamic
    turns Attention into QAttention and the dense MatMuls into int8 MatMulInteger."""
    w, p, t = g.weights, f"encoder.layer.{i}", f"l{i}"
    qkv = [f"{p}.attention.self.{part}" for part in ("query", "key", "value")]
    qkv_weight = np.concatenate([w[f"{q}.weight"].astype(np.float32).T for q in qkv], axis=1)
    qkv_bias = np.concatenate([w[f"{q}.bias"].astype(np.float32) for q in qkv])
    attention = g.node(
        "Attention",
        [x, g.const(f"{t}_qkv_W", qkv_weight), g.const(f"{t}_qkv_b", qkv_bias), "mask_i32"],
        f"{t}_attn",
        num_heads=heads,
    )
    out = f"{p}.attention.output"
    g.node("MatMul", [attention, g.dense(f"{t}_ao_W", f"{out}.dense")], f"{t}_ao_mm")
    x1 = g.node(
        "SkipLayerNormalization",
        [f"{t}_ao_mm", x, g.weight(f"{t}_ln1_w", f"{out}.LayerNorm.weight"),
         g.weight(f"{t}_ln1_b", f"{out}.LayerNorm.bias"),
         g.weight(f"{t}_ao_b", f"{out}.dense.bias")],
        f"{t}_ln1",
        epsilon=eps,
    )
    g.node("MatMul", [x1, g.dense(f"{t}_ff1_W", f"{p}.intermediate.dense")], f"{t}_ff1_mm")
    gelu = g.node(
        "BiasGelu",
        [f"{t}_ff1_mm", g.weight(f"{t}_ff1_b", f"{p}.intermediate.dense.bias")],
        f"{t}_gelu",
    )
    g.node("MatMul", [gelu, g.dense(f"{t}_ff2_W", f"{p}.output.dense")], f"{t}_ff2_mm")
    return g.node(
        "SkipLayerNormalization",
        [f"{t}_ff2_mm", x1, g.weight(f"{t}_ln2_w", f"{p}.output.LayerNorm.weight"),
         g.weight(f"{t}_ln2_b", f"{p}.output.LayerNorm.bias"),
         g.weight(f"{t}_ff2_b", f"{p}.output.dense.bias")],
        f"{t}_ln2",
        epsilon=eps,
    )


def _pool_constants(g: _GraphBuilder) -> None:
    g.const("tiny_count", np.array(1e-9, np.float32))
    g.const("tiny_norm", np.array(1e-12, np.float32))
    g.const("ax1", np.array([1], np.int64))
    g.const("ax2", np.array([2], np.int64))


def _pooling_weights(g: _GraphBuilder, name: str, mask: str) -> None:
    """``{name}_3d`` [B,S,1] and ``{name}_count`` [B,1] for mean pooling over ``mask``."""
    g.node("Unsqueeze", [mask, "ax2"], f"{name}_3d")
    g.node("ReduceSum", [mask, "ax1"], f"{name}_sum", keepdims=1)
    g.node("Max", [f"{name}_sum", "tiny_count"], f"{name}_count")


def _content_mask(g: _GraphBuilder) -> str:
    """The attention mask without ``[CLS]`` and ``[SEP]``: in a phrase of a few tokens
    they would outweigh its words in the mean (a one-word phrase is two-thirds them)."""
    g.const("zero_i64", np.array(0, np.int64))
    g.const("one_i64", np.array(1, np.int64))
    g.const("zero_f", np.array(0.0, np.float32))
    g.const("one_f", np.array(1.0, np.float32))
    g.node("Squeeze", ["seq_len_1d", "zero_1d"], "seq_len")
    g.node("Range", ["zero_i64", "seq_len", "one_i64"], "positions")
    g.node("Cast", ["positions"], "positions_f", to=1)  # float
    g.node("ReduceSum", ["mask_f", "ax1"], "tokens", keepdims=1)  # [B,1]
    g.node("Sub", ["tokens", "one_f"], "sep_position")
    g.node("Less", ["positions_f", "sep_position"], "before_sep")  # [B,S]
    g.node("Greater", ["positions_f", "zero_f"], "after_cls")  # [S]
    g.node("And", ["before_sep", "after_cls"], "inside")
    return g.node("Cast", ["inside"], "content_mask_f", to=1)


def _mean_pool_and_normalize(g: _GraphBuilder, x: str, output: str, weights: str) -> str:
    g.node("Mul", [x, f"{weights}_3d"], f"{output}_masked")
    g.node("ReduceSum", [f"{output}_masked", "ax1"], f"{output}_sum", keepdims=0)  # [B,H]
    g.node("Div", [f"{output}_sum", f"{weights}_count"], f"{output}_mean")
    g.node("ReduceL2", [f"{output}_mean"], f"{output}_l2", axes=[1], keepdims=1)
    g.node("Max", [f"{output}_l2", "tiny_norm"], f"{output}_l2_c")
    return g.node("Div", [f"{output}_mean", f"{output}_l2_c"], output)


def build_bert_embedding_model(model_dir: Path, opset: int = 17, *, phrases: bool = False):
    """Return an ``onnx.ModelProto`` for mean-pooled, L2-normalised BERT sentence
    embeddings (with ``phrase_space`` beside them), or, with ``phrases``, the phrase
    graph: the first ``PHRASE_LAYERS`` layers and ``phrase_space`` alone."""
    import onnx
    from onnx import TensorProto, helper

    cfg = _check_config(model_dir)
    hidden, heads = int(cfg["hidden_size"]), int(cfg["num_attention_heads"])
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    g = _GraphBuilder(_strip_prefix(load_safetensors(model_dir / "model.safetensors")))

    x = _embeddings(g, eps)
    g.node("Cast", ["attention_mask"], "mask_i32", to=TensorProto.INT32)
    g.node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    _pool_constants(g)
    _pooling_weights(g, "tokens", "mask_f")
    if phrases:
        _pooling_weights(g, "words", _content_mask(g))
    outputs = []
    for i in range(PHRASE_LAYERS if phrases else int(cfg["num_hidden_layers"])):
        x = _encoder_layer(g, i, x, heads, eps)
        if i + 1 == PHRASE_LAYERS:
            outputs.append(
                _mean_pool_and_normalize(g, x, "phrase_space", "words" if phrases else "tokens")
            )
    if not phrases:
        outputs.insert(0, _mean_pool_and_normalize(g, x, "sentence_embedding", "tokens"))

    graph = helper.make_graph(
        g.nodes,
        "bert_mean_pool_l2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", hidden])
         for name in outputs],
        initializer=g.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid(MS_DOMAIN, 1)],
        producer_name="paperwire-build_onnx",
    )
    model.ir_version = 8  # loadable by onnxruntime >= 1.10
    onnx.checker.check_model(model)
    return model


def build_onnx(model_dir: Path, out_path: Path, *, phrases: bool = False) -> Path:
    """Write the fp32 graph (or the phrase graph) for ``model_dir`` to ``out_path``
    (atomically)."""
    import onnx

    model = build_bert_embedding_model(model_dir, phrases=phrases)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    onnx.save_model(model, str(tmp))
    tmp.replace(out_path)
    return out_path


def quantize_int8(fp32_path: Path, out_path: Path, *, per_channel: bool = True) -> Path:
    """Dynamic int8 quantization (weights int8, activations quantized at run time)."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_name(out_path.stem + ".tmp.onnx")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic warns "consider pre-processing" on root
    try:
        quantize_dynamic(
            str(fp32_path),
            str(tmp),
            per_channel=per_channel,
            weight_type=QuantType.QInt8,
            # shape inference cannot type the contrib operators' outputs
            extra_options={"DefaultTensorType": TensorProto.FLOAT},
        )
    finally:
        root.setLevel(level)
    tmp.replace(out_path)
    return out_path
