"""Named models ``alsate pull NAME`` knows how to fetch: the ALSATE default plus openly licensed alternatives.

Repository and file names were checked against the Hugging Face Hub's file listings. No sha256 is pinned: none could
be verified independently, so integrity is checked against the hub's LFS ETag (the file's sha256) instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from alsate_cli.models.defaults import DEFAULT_FILENAME, DEFAULT_REPO_ID, HubModel


@dataclass(frozen=True, slots=True)
class License:
    """What the user is told before a download; ``requires_consent`` models need an explicit acceptance."""

    name: str
    url: str
    requires_consent: bool = False


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    model: HubModel
    license: License
    description: str
    sha256: str | None = None
    """A pinned digest wins over the hub's ETag; None: trust the ETag (when it is a sha256)."""


ALSATE_LICENSE = License(
    name="ALSATE Contributor Consent License (use requires the authors' written consent)",
    url=f"https://huggingface.co/{DEFAULT_REPO_ID}",
    requires_consent=True,
)

PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="alsate",
            model=HubModel(DEFAULT_REPO_ID, DEFAULT_FILENAME),
            license=ALSATE_LICENSE,
            description="ALSATE fine-tune of Llama 3.2 3B for system logs, Q4_K_M (~2 GB); the default",
        ),
        Preset(
            name="llama-3.2-3b-instruct",
            model=HubModel("bartowski/Llama-3.2-3B-Instruct-GGUF", "Llama-3.2-3B-Instruct-Q4_K_M.gguf"),
            license=License("Llama 3.2 Community License", "https://www.llama.com/llama3_2/license/"),
            description="Meta Llama 3.2 3B Instruct, Q4_K_M (~2 GB); general model, llama3 profile",
        ),
        Preset(
            name="smollm2-360m",
            model=HubModel("HuggingFaceTB/SmolLM2-360M-Instruct-GGUF", "smollm2-360m-instruct-q8_0.gguf"),
            license=License("Apache-2.0", "https://www.apache.org/licenses/LICENSE-2.0"),
            description="SmolLM2 360M Instruct, Q8_0 (~390 MB); tiny, for trying alsate out",
        ),
    )
}
DEFAULT_PRESET = "alsate"


def preset_for(model: HubModel) -> Preset | None:
    """The preset that names this repository file, if any (to show its license for ``--repo`` pulls too)."""
    return next((preset for preset in PRESETS.values() if preset.model == model), None)
