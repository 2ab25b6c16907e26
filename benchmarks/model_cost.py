"""Model cost per new group: alsate's explain path beside a bare llama.cpp call with the same tokens.

Usage: ``python benchmarks/model_cost.py [--layers 28] [--threads 2] [--groups 4] [--max-tokens 32]``

A GGUF with Llama-3.2-3B's exact shapes (hidden 3072, 28 blocks, 24 heads / 8 KV heads, FFN 8192, vocabulary
128,256, tied embeddings) and Q4_K_M's type mix (Q4_K, with Q6_K for the embeddings and for ``attn_v`` /
``ffn_down`` in the layers llama.cpp's ``use_more_bits`` picks) is generated with the ``gguf`` package. Speed
depends on shapes and types, not values, but values must be valid: every quantized block gets random quants
with a fixed, normal fp16 scale (``d`` = 2^-12; Q4_K's ``dmin`` = 7.5·d and equal sub-block scales and mins, so
weights are zero-mean), i.e. weights of standard deviation ~0.02 and no NaN, inf or denormal scale; the logits
come out finite (standard deviation ~1). ``--weights zero`` writes all-zero blocks instead (for comparison: the
same speed, measured). ``--layers`` fewer than
28 keeps the same per-layer shapes for a machine too slow to run all of them (say so when reporting).

Its vocabulary is a placeholder that cannot encode text, so prompts are token ids: a shared system-prompt
prefix plus a different log line per group, as alsate's prompts are. Both paths decode ``--max-tokens`` greedy
tokens and are loaded side by side; each group is timed on both, alternating which goes first, so load from
other processes hits both alike (on a loaded machine it still makes their wall times differ by far more than
alsate's own work; the verdict is therefore alsate's time outside llama.cpp minus bare's, paired per group):

* **alsate**: ``Explainer.explain([group])`` for a group that misses the cache: the cache lookup (SQLite, in a
  temporary folder), rendering the prompt, ``LlamaEngine.complete`` (perf reset, stop strings, Completion),
  parsing the answer and storing it. The one stand-in: the text tokenizer is replaced by a lookup of the
  group's ids, because the placeholder vocabulary cannot tokenize text (``--tokenizer GGUF`` times a real
  tokenizer on alsate's real prompt text, to add to the figure).
* **bare**: ``Llama.create_completion(prompt=[ids …])`` on a second, separately loaded model.

Per call it reports wall seconds and llama.cpp's own counters (prompt tokens evaluated and their time, generated
tokens and their time): "prompt tokens evaluated" shows the KV-cache reuse (after the first group only the new
line and the turn header are evaluated, not the system prompt again), and wall minus llama.cpp's time is
what runs outside the engine (llama-cpp-python's sampling loop, and for alsate its own work).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HIDDEN, BLOCKS, HEADS, KV_HEADS, FFN, VOCAB = 3072, 28, 24, 8, 8192, 128_256
HEAD_DIM = HIDDEN // HEADS
SYSTEM_TOKENS = 260
"""About the length of alsate's system prompt in Llama 3 tokens."""
LINE_TOKENS = 40
"""A typical warning line plus its identifier and count."""
SCALE = 2.0**-12
"""The fp16 block scale of the random weights: a normal fp16 number (no denormal), weights' std ~0.02."""


def use_more_bits(layer: int, layers: int) -> bool:
    """llama.cpp's choice of the Q4_K_M layers whose attn_v and ffn_down get Q6_K."""
    return layer < layers // 8 or layer >= 7 * layers // 8 or (layer - layers // 8) % 3 == 2


def quantized_blocks(kind: Any, rows: int, cols: int, weights: str, rng: Any) -> Any:
    """The raw bytes of a ``rows`` × ``cols`` Q4_K or Q6_K tensor: zeros, or random quants with valid scales."""
    import gguf
    import numpy as np

    shape = gguf.quant_shape_to_byte_shape((rows, cols), kind)
    if weights == "zero":
        return np.zeros(shape, dtype=np.uint8)
    data = rng.integers(0, 256, size=shape, dtype=np.uint8)
    block_bytes = gguf.GGML_QUANT_SIZES[kind][1]
    blocks = data.reshape(-1, block_bytes)

    def fp16(value: float) -> Any:
        return np.array([value], dtype=np.float16).view(np.uint8)

    if kind == gguf.GGMLQuantizationType.Q4_K:  # d, dmin (fp16), 12 bytes of 6-bit scales and mins, 128 of quants
        blocks[:, 0:2] = fp16(SCALE)
        blocks[:, 2:4] = fp16(7.5 * SCALE)  # w = d·sc·q − dmin·m with sc = m: d·sc·(q − 7.5), zero-mean
        blocks[:, 4:16] = 0x55  # every sub-block's scale and min = 21
    elif kind == gguf.GGMLQuantizationType.Q6_K:  # 128 + 64 bytes of quants, 16 int8 scales, d (fp16)
        blocks[:, 192:208] = 4  # w = d·4·(q − 32), zero-mean
        blocks[:, 208:210] = fp16(SCALE)
    else:
        raise ValueError(f"no block layout for {kind}")
    return data


def write_gguf(path: Path, layers: int, weights: str = "random") -> None:
    import gguf
    import numpy as np

    q4, q6, f32 = gguf.GGMLQuantizationType.Q4_K, gguf.GGMLQuantizationType.Q6_K, gguf.GGMLQuantizationType.F32
    rng = np.random.default_rng(0)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(f"llama-3.2-3b-shapes-{weights}")
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
        else:
            writer.add_tensor(name, quantized_blocks(kind, rows, cols, weights, rng), raw_dtype=kind)

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


@dataclass(frozen=True, slots=True)
class Call:
    """One timed call: wall seconds and llama.cpp's own counters for it."""

    seconds: float
    prompt_evaluated: int
    prompt_ms: float
    generated: int
    """Decode steps llama.cpp ran (the first new token comes from the prompt's evaluation)."""
    generate_ms: float

    @property
    def engine_seconds(self) -> float:
        return (self.prompt_ms + self.generate_ms) / 1000

    @property
    def outside_ms(self) -> float:
        """Wall time not spent in llama.cpp's prompt evaluation or decoding."""
        return (self.seconds - self.engine_seconds) * 1000


def perf_call(llama: Any, seconds: float) -> Call:
    import llama_cpp

    perf = llama_cpp.llama_perf_context(llama.ctx)
    return Call(seconds, perf.n_p_eval, perf.t_p_eval_ms, perf.n_eval, perf.t_eval_ms)


class AlsatePath:
    """``Explainer.explain`` on one new group at a time, over a real cache file and ``LlamaEngine``."""

    def __init__(self, path: Path, ids: list[list[int]], args: argparse.Namespace, scratch: Path) -> None:
        from alsate_cli.cache import Cache
        from alsate_cli.explain.engine import LlamaEngine
        from alsate_cli.explain.explainer import Explainer
        from alsate_cli.grouping.group import Group

        self.engine = LlamaEngine(path, n_threads=args.threads, n_gpu_layers=args.gpu_layers,
                                  max_tokens=args.max_tokens, alsate=True)  # fmt: skip
        self.engine.load()
        self.llama = self.engine._loaded()
        line = re.compile(rb"bench log line (\d+)\b")

        def tokenize(text: bytes, add_bos: bool = True, special: bool = False) -> list[int]:
            found = line.search(text)
            assert found is not None, "the rendered prompt lost its log line"
            return list(ids[int(found.group(1))])

        self.llama.tokenize = tokenize  # type: ignore[method-assign]
        self.cache = Cache(scratch / "cache.sqlite3")
        self.explainer = Explainer(self.engine, self.cache, "model-cost-benchmark")
        line_of = "Nov 23 04:00:00 host bench[1]: bench log line {}".format
        self.groups = [
            Group(f"g{number}", "bench", f"bench log line {number}", 4, representative=line_of(number))
            for number in range(len(ids))
        ]

    def __call__(self, number: int) -> Call:
        calls = self.explainer.model_calls
        start = time.perf_counter()
        self.explainer.explain([self.groups[number]])
        seconds = time.perf_counter() - start
        assert self.explainer.model_calls == calls + 1, "a new group must cost exactly one model call"
        return perf_call(self.llama, seconds)  # LlamaEngine.complete resets the counters at its start

    def close(self) -> None:
        self.cache.close()
        self.engine.close()


class BarePath:
    """``Llama.create_completion`` with the token ids, nothing else."""

    def __init__(self, path: Path, ids: list[list[int]], args: argparse.Namespace) -> None:
        import llama_cpp

        self.ids, self.max_tokens = ids, args.max_tokens
        self.llama = llama_cpp.Llama(str(path), n_ctx=2048, n_threads=args.threads, n_threads_batch=args.threads,
                                     n_gpu_layers=args.gpu_layers, verbose=False)  # fmt: skip

    def __call__(self, number: int) -> Call:
        import llama_cpp

        llama_cpp.llama_perf_context_reset(self.llama.ctx)
        start = time.perf_counter()
        self.llama.create_completion(self.ids[number], max_tokens=self.max_tokens, temperature=0.0,
                                     repeat_penalty=1.0, seed=0)  # fmt: skip
        return perf_call(self.llama, time.perf_counter() - start)

    def close(self) -> None:
        self.llama.close()


def tokenizer_ms(model: Path, repeat: int = 200) -> tuple[float, int]:
    """Median milliseconds (and tokens) for ``model``'s tokenizer on alsate's real prompt for a typical line."""
    from alsate_cli.explain.engine import LlamaEngine

    engine = LlamaEngine(model, n_threads=1, alsate=True)
    llama = engine._loaded()
    prompt = engine.prompt_format.render(
        "Nov 23 04:00:00 web1 sshd[4242]: Failed password for invalid user admin from 203.0.113.7 port 52144 ssh2"
    ).encode()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = llama.tokenize(prompt, add_bos=False, special=True)
        times.append(time.perf_counter() - start)
    engine.close()
    return statistics.median(times) * 1000, len(tokens)


def rate(tokens: int, milliseconds: float) -> str:
    return f"{tokens / (milliseconds / 1000):.1f}" if milliseconds > 0 else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", type=int, default=BLOCKS, help=f"transformer blocks (Llama-3.2-3B: {BLOCKS})")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gpu-layers", type=int, default=0)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--weights", choices=("random", "zero"), default="random")
    parser.add_argument("--gguf", type=Path, help="reuse (or keep) the generated GGUF at this path")
    parser.add_argument("--tokenizer", type=Path, help="a GGUF whose tokenizer is timed on alsate's real prompt")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as scratch:
        path = args.gguf or Path(scratch) / "llama-3.2-3b-shapes.gguf"
        if not path.exists():
            start = time.perf_counter()
            write_gguf(path, args.layers, args.weights)
            print(f"generated {path.stat().st_size / 1e9:.2f} GB GGUF, {args.layers} blocks, {args.weights} "
                  f"weights, in {time.perf_counter() - start:.0f} s", file=sys.stderr)  # fmt: skip
        ids = prompts(args.groups)
        start = time.perf_counter()
        paths = {"bare": BarePath(path, ids, args), "alsate": AlsatePath(path, ids, args, Path(scratch))}
        print(f"loaded both in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        calls: dict[str, list[Call]] = {"bare": [], "alsate": []}
        for number in range(args.groups):
            order = ("bare", "alsate") if number % 2 == 0 else ("alsate", "bare")
            for name in order:
                calls[name].append(paths[name](number))
                print(f"group {number + 1} {name}: {calls[name][-1].seconds:.2f} s", file=sys.stderr, flush=True)
        for runner in paths.values():
            runner.close()
    load_after = os.getloadavg()
    print(f"{args.layers} of {BLOCKS} blocks, {args.weights} weights, {args.threads} threads, gpu layers "
          f"{args.gpu_layers}, prompt {len(ids[0])} tokens ({SYSTEM_TOKENS + 1} shared), {args.max_tokens} new "
          f"tokens per group; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")  # fmt: skip
    print("| group | path | wall s | prompt tokens evaluated | prompt tok/s | decode steps | gen tok/s "
          "| outside llama.cpp ms |")  # fmt: skip
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for number in range(args.groups):
        for name in ("bare", "alsate"):
            call = calls[name][number]
            print(f"| {number + 1} | {name} | {call.seconds:.2f} | {call.prompt_evaluated} | "
                  f"{rate(call.prompt_evaluated, call.prompt_ms)} | {call.generated} | "
                  f"{rate(call.generated, call.generate_ms)} | {call.outside_ms:.1f} |")  # fmt: skip
    pairs = list(zip(calls["alsate"], calls["bare"], strict=True))
    if any((a.prompt_evaluated, a.generated) != (b.prompt_evaluated, b.generated) for a, b in pairs):
        print("WARNING: the two paths did different llama.cpp work (tokens evaluated or generated differ)")
    first_alsate, first_bare = pairs[0]
    print(f"first group (whole prompt): bare {first_bare.seconds:.2f} s, alsate {first_alsate.seconds:.2f} s")
    later = pairs[1:]
    if not later:
        return 0
    own_ms = statistics.median(a.outside_ms - b.outside_ms for a, b in pairs)
    tokenize_ms = 0.0
    if args.tokenizer:
        tokenize_ms, tokens = tokenizer_ms(args.tokenizer)
        print(f"real tokenization ({args.tokenizer.name}, alsate's prompt, {tokens} tokens): {tokenize_ms:.2f} ms")
    for name, index in (("bare", 1), ("alsate", 0)):
        runs = [pair[index] for pair in later]
        prompt = sum(c.prompt_evaluated for c in runs) / (sum(c.prompt_ms for c in runs) / 1000)
        generated = sum(c.generated for c in runs) / (sum(c.generate_ms for c in runs) / 1000)
        wall, engine = statistics.median(c.seconds for c in runs), statistics.median(c.engine_seconds for c in runs)
        print(f"later groups, {name}: wall median {wall:.2f} s (best {min(c.seconds for c in runs):.2f} s), "
              f"llama.cpp {engine:.2f} s; {prompt:.1f} prompt tok/s, {generated:.1f} gen tok/s")  # fmt: skip
    engine = min(call.engine_seconds for pair in later for call in pair)  # the least: the largest share
    ratio = statistics.median(a.seconds / b.seconds for a, b in later) - 1
    overhead = (own_ms + tokenize_ms) / 1000 / engine
    print(f"wall ratio alsate/bare − 1 (paired median, later groups): {ratio:+.1%} — both paths run the same "
          "llama.cpp work, so under load from other processes this is noise")  # fmt: skip
    tokenizing = f" + {tokenize_ms:.2f} ms tokenizing" if args.tokenizer else ""
    verdict = "met" if overhead <= 0.10 else "not met"
    print(f"alsate's own work per group: {own_ms:.2f} ms (its time outside llama.cpp minus bare's, paired median)"
          f"{tokenizing} = {overhead:+.3%} of llama.cpp's best {engine:.2f} s per later group → overhead ≤ 10%: "
          f"{verdict}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
