"""The model alsate uses when none is named: the ALSATE fine-tune of Llama 3.2 3B, quantised to Q4_K_M."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HubModel:
    """A GGUF file in a Hugging Face repository (what ``alsate pull`` downloads and analyze looks for)."""

    repo_id: str
    filename: str


DEFAULT_REPO_ID = "k-arthik-r/llama-3.2-3b-sys-log-analysis-alsate-Q4_K_M-GGUF"
DEFAULT_FILENAME = "llama-3.2-3b-sys-log-analysis-alsate-q4_k_m.gguf"
DEFAULT_MODEL = HubModel(repo_id=DEFAULT_REPO_ID, filename=DEFAULT_FILENAME)
