"""What a GGUF file says about itself (architecture, context length, quantisation, chat template), read without
loading the weights.

llama-cpp-python reads it (``vocab_only=True`` maps the header and vocabulary only: about 0.25 s for SmolLM2) rather
than the ``gguf`` package, whose pure-Python reader takes ~3.5 s on the same file and would be a new runtime
dependency; llama-cpp-python is already one, and it is the reader that decides whether ``analyze`` can use the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alsate_cli.errors import AlsateError
from alsate_cli.models.resolve import ModelError, _checked

FTYPE_PREFIX = "LLAMA_FTYPE_MOSTLY_"


class GgufReadError(AlsateError):
    """The file starts like a GGUF but llama.cpp cannot read its header."""


@dataclass(frozen=True, slots=True)
class GgufInfo:
    path: Path
    size: int
    architecture: str | None
    name: str | None
    context_length: int | None
    quantisation: str | None
    has_chat_template: bool
    license: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    """Every key llama.cpp reports, as text (long values such as the chat template included)."""


def read_gguf_info(path: Path) -> GgufInfo:
    """The file's metadata; raises ModelError for a missing or non-GGUF file, GgufReadError if llama.cpp fails."""
    _checked(path, "the path")  # one-line errors for missing, unreadable and non-GGUF files
    import llama_cpp

    from alsate_cli.explain.engine import silence_llama_logs

    silence_llama_logs()
    try:
        model = llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False)
    except (ValueError, RuntimeError, OSError) as error:
        raise GgufReadError(f"{path} cannot be read by llama.cpp ({type(error).__name__})") from None
    try:
        metadata = {str(key): str(value) for key, value in model.metadata.items()}
    finally:
        model.close()
    architecture = metadata.get("general.architecture")
    return GgufInfo(
        path=path,
        size=path.stat().st_size,
        architecture=architecture,
        name=metadata.get("general.name"),
        context_length=_int(metadata.get(f"{architecture}.context_length")) if architecture else None,
        quantisation=quantisation_name(_int(metadata.get("general.file_type"))),
        has_chat_template=bool(metadata.get("tokenizer.chat_template", "").strip()),
        license=metadata.get("general.license"),
        metadata=metadata,
    )


def quantisation_name(file_type: int | None) -> str | None:
    """``general.file_type`` as llama.cpp names it (15 → "Q4_K_M"), from llama-cpp-python's own constants."""
    if file_type is None:
        return None
    import llama_cpp

    for attribute in dir(llama_cpp):
        if attribute.startswith("LLAMA_FTYPE_") and getattr(llama_cpp, attribute) == file_type:
            name = attribute.removeprefix(FTYPE_PREFIX).removeprefix("LLAMA_FTYPE_")
            return "F32" if name == "ALL_F32" else name
    return f"type {file_type}"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


__all__ = ["GgufInfo", "GgufReadError", "ModelError", "quantisation_name", "read_gguf_info"]
