"""Build an ONNX sentence-embedding graph from BERT safetensors weights, without torch.

The graph is a plain BERT encoder (as in ``transformers.BertModel``) followed by
sentence-transformers' mean pooling and L2 normalisation::

    inputs : input_ids int64 [batch, seq], attention_mask int64 [batch, seq]
    output : sentence_embedding float32 [batch, hidden]  (unit-length rows)

token_type_ids are always 0 for single-sentence embedding, so token-type row 0 is
folded into the position-embedding table; the 1/sqrt(head_dim) attention scale is
folded into the query projection. Everything else is a one-to-one transcription.

Only ``numpy`` and ``onnx`` are needed; ``onnxruntime`` only for int8 quantization.
"""

from __future__ import annotations

import json
import logging
import struct
from pathlib import Path

import numpy as np

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


def build_bert_embedding_model(model_dir: Path, opset: int = 17):
    """Return an ``onnx.ModelProto`` for mean-pooled, L2-normalised BERT sentence embeddings."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

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

    hidden = int(cfg["hidden_size"])
    heads = int(cfg["num_attention_heads"])
    layers = int(cfg["num_hidden_layers"])
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    head_dim = hidden // heads

    w = _strip_prefix(load_safetensors(model_dir / "model.safetensors"))

    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    f32 = np.float32
    const("one_f", np.array(1.0, f32))
    const("half_f", np.array(0.5, f32))
    const("inv_sqrt2", np.array(1.0 / np.sqrt(2.0), f32))
    const("mask_neg", np.array(-10000.0, f32))
    const("tiny_count", np.array(1e-9, f32))
    const("tiny_norm", np.array(1e-12, f32))
    const("zero_1d", np.array([0], np.int64))
    const("ax0", np.array([0], np.int64))
    const("ax1", np.array([1], np.int64))
    const("ax2", np.array([2], np.int64))
    const("ax12", np.array([1, 2], np.int64))
    const("shape_bshd", np.array([0, 0, heads, head_dim], np.int64))
    const("shape_bsh", np.array([0, 0, hidden], np.int64))

    # --- embeddings -------------------------------------------------------------
    const("word_emb", w["embeddings.word_embeddings.weight"].astype(f32))
    pos = w["embeddings.position_embeddings.weight"].astype(f32)
    tok0 = w["embeddings.token_type_embeddings.weight"][0].astype(f32)
    const("pos_emb", pos + tok0[None, :])
    const("emb_ln_w", w["embeddings.LayerNorm.weight"].astype(f32))
    const("emb_ln_b", w["embeddings.LayerNorm.bias"].astype(f32))

    node("Gather", ["word_emb", "input_ids"], "tok_emb", axis=0)
    node("Shape", ["input_ids"], "seq_len_1d", start=1, end=2)
    node("Slice", ["pos_emb", "zero_1d", "seq_len_1d", "ax0"], "pos_slice")
    node("Add", ["tok_emb", "pos_slice"], "emb_sum")
    x = node(
        "LayerNormalization", ["emb_sum", "emb_ln_w", "emb_ln_b"], "emb_out", axis=-1, epsilon=eps
    )

    # --- attention mask ---------------------------------------------------------
    node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    node("Sub", ["one_f", "mask_f"], "mask_inv")
    node("Mul", ["mask_inv", "mask_neg"], "mask_add2d")
    node("Unsqueeze", ["mask_add2d", "ax12"], "mask_add")  # [B,1,1,S]

    scale = 1.0 / np.sqrt(head_dim)

    def linear(inp: str, prefix: str, out: str, pre_scale: float = 1.0) -> str:
        wt = (w[f"{prefix}.weight"].astype(f32).T * pre_scale).astype(f32)  # [in, out]
        bias = (w[f"{prefix}.bias"].astype(f32) * pre_scale).astype(f32)
        node("MatMul", [inp, const(f"{out}_W", wt)], f"{out}_mm")
        return node("Add", [f"{out}_mm", const(f"{out}_b", bias)], out)

    for i in range(layers):
        p = f"encoder.layer.{i}"
        t = f"l{i}"
        q = linear(x, f"{p}.attention.self.query", f"{t}_q", pre_scale=scale)
        k = linear(x, f"{p}.attention.self.key", f"{t}_k")
        v = linear(x, f"{p}.attention.self.value", f"{t}_v")
        node("Reshape", [q, "shape_bshd"], f"{t}_q4")
        node("Transpose", [f"{t}_q4"], f"{t}_qh", perm=[0, 2, 1, 3])
        node("Reshape", [k, "shape_bshd"], f"{t}_k4")
        node("Transpose", [f"{t}_k4"], f"{t}_kh", perm=[0, 2, 3, 1])
        node("Reshape", [v, "shape_bshd"], f"{t}_v4")
        node("Transpose", [f"{t}_v4"], f"{t}_vh", perm=[0, 2, 1, 3])
        node("MatMul", [f"{t}_qh", f"{t}_kh"], f"{t}_scores")
        node("Add", [f"{t}_scores", "mask_add"], f"{t}_scores_m")
        node("Softmax", [f"{t}_scores_m"], f"{t}_probs", axis=-1)
        node("MatMul", [f"{t}_probs", f"{t}_vh"], f"{t}_ctx")
        node("Transpose", [f"{t}_ctx"], f"{t}_ctx_t", perm=[0, 2, 1, 3])
        node("Reshape", [f"{t}_ctx_t", "shape_bsh"], f"{t}_ctx3")
        ao = linear(f"{t}_ctx3", f"{p}.attention.output.dense", f"{t}_attn_o")
        node("Add", [ao, x], f"{t}_attn_res")
        x1 = node(
            "LayerNormalization",
            [
                f"{t}_attn_res",
                const(f"{t}_ln1_w", w[f"{p}.attention.output.LayerNorm.weight"].astype(f32)),
                const(f"{t}_ln1_b", w[f"{p}.attention.output.LayerNorm.bias"].astype(f32)),
            ],
            f"{t}_ln1",
            axis=-1,
            epsilon=eps,
        )
        h = linear(x1, f"{p}.intermediate.dense", f"{t}_ff1")
        # exact (erf) GELU: 0.5 * h * (1 + erf(h / sqrt(2))); ORT fuses this into Gelu
        node("Mul", [h, "inv_sqrt2"], f"{t}_g0")
        node("Erf", [f"{t}_g0"], f"{t}_g1")
        node("Add", [f"{t}_g1", "one_f"], f"{t}_g2")
        node("Mul", [h, f"{t}_g2"], f"{t}_g3")
        node("Mul", [f"{t}_g3", "half_f"], f"{t}_gelu")
        o = linear(f"{t}_gelu", f"{p}.output.dense", f"{t}_ff2")
        node("Add", [o, x1], f"{t}_ff_res")
        x = node(
            "LayerNormalization",
            [
                f"{t}_ff_res",
                const(f"{t}_ln2_w", w[f"{p}.output.LayerNorm.weight"].astype(f32)),
                const(f"{t}_ln2_b", w[f"{p}.output.LayerNorm.bias"].astype(f32)),
            ],
            f"{t}_ln2",
            axis=-1,
            epsilon=eps,
        )

    # --- mean pooling + L2 normalisation ----------------------------------------
    node("Unsqueeze", ["mask_f", "ax2"], "mask_3d")  # [B,S,1]
    node("Mul", [x, "mask_3d"], "masked_hidden")
    node("ReduceSum", ["masked_hidden", "ax1"], "sum_hidden", keepdims=0)  # [B,H]
    node("ReduceSum", ["mask_f", "ax1"], "tok_count", keepdims=1)  # [B,1]
    node("Max", ["tok_count", "tiny_count"], "tok_count_c")
    node("Div", ["sum_hidden", "tok_count_c"], "mean_pooled")
    node("ReduceL2", ["mean_pooled"], "l2", axes=[1], keepdims=1)  # axes attr in opset 17
    node("Max", ["l2", "tiny_norm"], "l2_c")
    node("Div", ["mean_pooled", "l2_c"], "sentence_embedding")

    graph = helper.make_graph(
        nodes,
        "bert_mean_pool_l2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", hidden])],
        initializer=inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", opset)],
        producer_name="paperwire-build_onnx",
    )
    model.ir_version = 8  # loadable by onnxruntime >= 1.10
    onnx.checker.check_model(model)
    return model


def build_onnx(model_dir: Path, out_path: Path) -> Path:
    """Write the fp32 graph for ``model_dir`` to ``out_path`` (atomically)."""
    import onnx

    model = build_bert_embedding_model(model_dir)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    onnx.save_model(model, str(tmp))
    tmp.replace(out_path)
    return out_path


def quantize_int8(fp32_path: Path, out_path: Path, *, per_channel: bool = True) -> Path:
    """Dynamic int8 quantization (weights int8, activations quantized at run time)."""
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
        )
    finally:
        root.setLevel(level)
    tmp.replace(out_path)
    return out_path
