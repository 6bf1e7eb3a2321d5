"""Source folders are read only inside themselves: a symlink that leads out is refused.

The brief names its source folders explicitly (`../petstore/` is fine); what lies inside a
folder is somebody else's tree, so a `notes.md -> ~/.ssh/id_rsa` link there must not pull
a private file into the article.
"""

from __future__ import annotations

from pathlib import Path

from ucop.errors import SourceError


def check_inside(file: Path, root: Path, kind: str, real_root: Path | None = None) -> None:
    """Raise SourceError unless `file`, symlinks resolved, lies inside the folder `root`
    (`real_root`: `root.resolve()`, when the caller checks many files)."""
    real_root = real_root or root.resolve()
    if file.resolve().is_relative_to(real_root):
        return
    shown = file.relative_to(root) if file.is_relative_to(root) else file
    raise SourceError(
        f"sources.{kind}: {shown} in {root} is a symlink to a file outside that folder"
        " - copy the file into the folder instead of linking it",
        path=str(file),
    )
