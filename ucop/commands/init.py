"""`ucop init [DIR]`: an editable copy of the shipped config, workflow, prompts and an example."""

from __future__ import annotations

import os
import sys
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from ucop.errors import OutputError
from ucop.files import atomic_write_text

# (folder inside the package data, folder inside DIR)
LAYOUT = (("", "config"), ("prompts", "config/prompts"), ("example", ""), ("example/kb", "kb"))
SHIPPED_PROMPTS_DIR = "  dir: null"


def planned_files() -> dict[str, str]:
    """Relative path in DIR -> text, for everything `ucop init` writes."""
    root = resources.files("ucop.defaults")
    files: dict[str, str] = {}
    for source, target in LAYOUT:
        folder = _child(root, source)
        for item in sorted(folder.iterdir(), key=lambda t: t.name):
            if item.is_file() and item.name.endswith((".yaml", ".j2", ".md")):
                files[str(Path(target, item.name))] = item.read_text(encoding="utf-8")
    # the copy uses its own prompts: edit config/prompts/*.j2 and the next run picks them up
    main = files["config/main.yaml"]
    files["config/main.yaml"] = main.replace(SHIPPED_PROMPTS_DIR, "  dir: prompts", 1)
    return files


def _child(root: Traversable, relative: str) -> Traversable:
    for part in filter(None, relative.split("/")):
        root = root / part
    return root


def run_init(folder: Path, *, force: bool, json_out: bool = False) -> int:
    """Write the files into `folder`; refuses to overwrite any of them without --force."""
    files = planned_files()
    _check_target(folder, files, force)
    try:
        for name, text in files.items():
            atomic_write_text(folder / name, text)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(f"{folder}: cannot write ({reason}) - choose another folder") from None
    if json_out:
        import json

        data = {"folder": str(folder), "files": sorted(files)}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return 0
    print(f"Wrote {len(files)} files into {folder}:", file=sys.stderr)
    for name in files:
        print(f"  {name}", file=sys.stderr)
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    print(
        f"Next: {where}ucop generate -i brief.md -o out/  "
        "(ucop reads ./config/main.yaml from the folder it runs in)",
        file=sys.stderr,
    )
    return 0


def _check_target(folder: Path, files: dict[str, str], force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file - give a folder for ucop init")
    existing = [name for name in files if (folder / name).exists()]
    if existing and not force:
        raise OutputError(
            f"{folder} already has {', '.join(existing[:3])}"
            f"{' ...' if len(existing) > 3 else ''} - use --force to overwrite, or another folder"
        )
    nearest = next((p for p in (folder, *folder.parents) if p.exists()), Path.cwd())
    if not nearest.is_dir() or not os.access(nearest, os.W_OK | os.X_OK):
        raise OutputError(f"{folder}: {nearest} is not a writable folder - choose another")
