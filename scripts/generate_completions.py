"""Write the shell completion scripts in completions/ from the Typer app (tests fail when they are stale).

Run: python scripts/generate_completions.py
"""

from __future__ import annotations

from pathlib import Path

from typer._completion_shared import get_completion_script

SHELLS = {"bash": "alsate.bash", "zsh": "_alsate", "fish": "alsate.fish"}
COMPLETIONS_DIR = Path(__file__).resolve().parent.parent / "completions"


def completion_scripts() -> dict[str, str]:
    """File name → script text, exactly as Typer generates it for the ``alsate`` console script."""
    return {
        filename: get_completion_script(prog_name="alsate", complete_var="_ALSATE_COMPLETE", shell=shell)
        for shell, filename in SHELLS.items()
    }


def main() -> None:
    COMPLETIONS_DIR.mkdir(exist_ok=True)
    for filename, script in completion_scripts().items():
        (COMPLETIONS_DIR / filename).write_text(script.rstrip("\n") + "\n")
        print(f"wrote completions/{filename}")


if __name__ == "__main__":
    main()
