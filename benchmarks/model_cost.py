"""Model cost per new group: alsate's engine path beside a bare llama.cpp call with the same tokens.

Usage: ``python benchmarks/model_cost.py [--layers 28] [--threads 2] [--groups 6] [--gpu-layers 0]``

A GGUF with Llama-3.2-3B's exact shapes (hidden 3072, 28 blocks, 24 heads / 8 KV heads, FFN 8192, vocabulary
128,256, tied embeddings) and Q4_K_M's type mix (Q4_K, with Q6_K for the embeddings and for ``attn_v`` /
``ffn_down`` in the layers llama.cpp's ``use_more_bits`` picks) is generated with the ``gguf`` package. Its
weights are zeros: speed depends on shapes and types, not values. ``--layers`` fewer than 28 keeps the same
per-layer shapes for a machine too slow to run all of them (say so when reporting).

Its vocabulary is a placeholder that cannot encode text, so prompts are token ids: a shared system-prompt
prefix plus a different log line per group, as alsate's prompts are. Both paths decode ``--max-tokens`` greedy
tokens (the zero model never emits end-of-turn):

* **alsate**: ``LlamaEngine.complete`` — what ``Explainer`` calls per new group (perf reset, stop strings, the
  Completion with usage and evaluated prompt tokens). Its text tokenizer is replaced by a lookup of the same ids
  (the one stand-in here, because the placeholder vocabulary cannot tokenize text).
* **bare**: ``Llama.create_completion(prompt=[ids …])`` on a second, separately loaded model.

Evaluated prompt tokens per call show the KV-cache reuse: after the first group only the new line's tokens (and
the few template tokens around it) are evaluated, not the system prompt again.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HIDDEN, BLOCKS, HEADS, KV_HEADS, FFN, VOCAB = 3072, 28, 24, 8, 8192, 128_256
HEAD_DIM = HIDDEN // HEADS
SYSTEM_TOKENS = 260
"""About the length of alsate's system prompt in Llama 3 tokens."""
LINE_TOKENS = 40
"""A typical warning line plus its identifier and count."""


def use_more_bits(layer: int, layers: int) -> bool:
    """llama.cpp's choice of the Q4_K_M layers whose attn_v and ffn_down get Q6_K."""
    return layer < layers // 8 or layer >= 7 * layers // 8 or (layer - layers // 8) % 3 == 2


def write_gguf(path: Path, layers: int) -> None:
    import gguf
    import numpy as np

    q4, q6, f32 = gguf.GGMLQuantizationType.Q4_K, gguf.GGMLQuantizationType.Q6_K, gguf.GGMLQuantizationType.F32
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("llama-3.2-3b-shapes-zero")
    writer.add_context_length(131_072)
    writer.add_embedding_length(HIDDEN)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(FFN)
    writer.add_head_count(HEADS)
    writer.add_head_count_kv(KV_HEADS)
    writer.add_rope_dimension_count(HEAD_DIM)
    writer.add_rope_freq_base(500_000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_Q4_K_M)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(["<unk>", "<s>", "</s>", *(f"t{index}" for index in range(3, VOCAB))])
    writer.add_token_scores([0.0] * VOCAB)
    writer.add_token_types([2, 3, 3, *([1] * (VOCAB - 3))])
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)

    def tensor(name: str, rows: int, cols: int, kind: gguf.GGMLQuantizationType) -> None:
        if kind == f32:
            writer.add_tensor(name, np.ones(cols, dtype=np.float32))
            return
        shape = gguf.quant_shape_to_byte_shape((rows, cols), kind)
        writer.add_tensor(name, np.zeros(shape, dtype=np.uint8), raw_dtype=kind)

    tensor("token_embd.weight", VOCAB, HIDDEN, q6)
    tensor("output_norm.weight", 1, HIDDEN, f32)
    for layer in range(layers):
        more = q6 if use_more_bits(layer, layers) else q4
        prefix = f"blk.{layer}"
        tensor(f"{prefix}.attn_norm.weight", 1, HIDDEN, f32)
        tensor(f"{prefix}.attn_q.weight", HIDDEN, HIDDEN, q4)
        tensor(f"{prefix}.attn_k.weight", KV_HEADS * HEAD_DIM, HIDDEN, q4)
        tensor(f"{prefix}.attn_v.weight", KV_HEADS * HEAD_DIM, HIDDEN, more)
        tensor(f"{prefix}.attn_output.weight", HIDDEN, HIDDEN, q4)
        tensor(f"{prefix}.ffn_norm.weight", 1, HIDDEN, f32)
        tensor(f"{prefix}.ffn_gate.weight", FFN, HIDDEN, q4)
        tensor(f"{prefix}.ffn_up.weight", FFN, HIDDEN, q4)
        tensor(f"{prefix}.ffn_down.weight", HIDDEN, FFN, more)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def prompts(groups: int) -> list[list[int]]:
    """Token-id prompts: one shared system prefix, then a different log line per group, then the turn header."""
    system = [1, *(1000 + index for index in range(SYSTEM_TOKENS))]
    tail = [7, 8, 9, 10, 11]
    return [system + [20_000 + group * LINE_TOKENS + index for index in range(LINE_TOKENS)] + tail
            for group in range(groups)]  # fmt: skip


def time_alsate(path: Path, ids: list[list[int]], args: argparse.Namespace) -> list[tuple[float, int]]:
    from alsate_cli.explain.engine import LlamaEngine

    engine = LlamaEngine(path, n_threads=args.threads, n_gpu_layers=args.gpu_layers, max_tokens=args.max_tokens,
                         alsate=True)  # fmt: skip
    engine.load()
    by_text = {f"prompt {number}": tokens for number, tokens in enumerate(ids)}
    llama = engine._loaded()
    llama.tokenize = lambda text, add_bos=True, special=False: list(by_text[text.decode()])  # type: ignore[method-assign]
    results = []
    for text in by_text:
        start = time.perf_counter()
        completion = engine.complete(text)
        results.append((time.perf_counter() - start, completion.evaluated_prompt_tokens))
    engine.close()
    return results


def time_bare(path: Path, ids: list[list[int]], args: argparse.Namespace) -> list[tuple[float, int]]:
    import llama_cpp

    llama = llama_cpp.Llama(str(path), n_ctx=2048, n_threads=args.threads, n_threads_batch=args.threads,
                            n_gpu_layers=args.gpu_layers, verbose=False)  # fmt: skip
    results = []
    for tokens in ids:
        llama_cpp.llama_perf_context_reset(llama.ctx)
        start = time.perf_counter()
        llama.create_completion(tokens, max_tokens=args.max_tokens, temperature=0.0, repeat_penalty=1.0, seed=0)
        seconds = time.perf_counter() - start
        results.append((seconds, llama_cpp.llama_perf_context(llama.ctx).n_p_eval))
    llama.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=BLOCKS, help=f"transformer blocks (Llama-3.2-3B: {BLOCKS})")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gpu-layers", type=int, default=0)
    parser.add_argument("--groups", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--gguf", type=Path, help="reuse (or keep) the generated GGUF at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.gguf or Path(scratch) / "llama-3.2-3b-shapes.gguf"
        if not path.exists():
            start = time.perf_counter()
            write_gguf(path, args.layers)
            print(f"generated {path.stat().st_size / 1e9:.2f} GB GGUF, {args.layers} blocks, "
                  f"in {time.perf_counter() - start:.0f} s", file=sys.stderr)  # fmt: skip
        ids = prompts(args.groups)
        bare = time_bare(path, ids, args)
        alsate = time_alsate(path, ids, args)
    print(f"{args.layers} of {BLOCKS} blocks, {args.threads} threads, gpu layers {args.gpu_layers}, prompt "
          f"{len(ids[0])} tokens ({SYSTEM_TOKENS + 1} shared), {args.max_tokens} new tokens per group")  # fmt: skip
    print("group | bare s | alsate s | bare prompt tokens evaluated | alsate prompt tokens evaluated")
    for number, ((bare_s, bare_n), (alsate_s, alsate_n)) in enumerate(zip(bare, alsate, strict=True), 1):
        print(f"{number} | {bare_s:.3f} | {alsate_s:.3f} | {bare_n} | {alsate_n}")
    later_bare = statistics.median(seconds for seconds, _ in bare[1:])
    later_alsate = statistics.median(seconds for seconds, _ in alsate[1:])
    overhead = later_alsate / later_bare - 1
    print(f"per new group after the first (median): bare {later_bare:.3f} s, alsate {later_alsate:.3f} s → "
          f"overhead {overhead:+.1%} (target ≤ 10%); "
          f"{args.max_tokens / later_alsate:.1f} tokens/s generated incl. prompt")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
