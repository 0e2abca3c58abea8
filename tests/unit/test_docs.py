"""The documentation stays true to the tree: every link in README.md and docs/ resolves, and every path,
module and function that docs/architecture.md names exists (a newcomer follows them to find where a
change goes)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
ARCHITECTURE = DOCS / "architecture.md"
LAYER = ROOT / "layers" / "shared" / "mockupaws"

# [text](target): a Markdown link; targets with a scheme (https:, mailto:) point outside and are skipped.
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_CODE = re.compile(r"`([^`\n]+)`")
# A repository path as architecture.md writes it: segments joined by "/", no placeholders or spaces.
_PATH = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+/?")
_MODULE = re.compile(r"mockupaws(?:\.[a-z_][a-z0-9_]*)+")
# A dotted name inside the layer as the request flow writes it: room.module or room.module.function.
_DOTTED = re.compile(r"[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+")


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def _relative_links(page: Path) -> list[str]:
    links = []
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue
        links.append(target.split("#", 1)[0])
    return links


def test_docs_home_exists() -> None:
    for name in ("README.md", "api.md", "ingest.md", "pii.md", "costs.md", "aggregation.md"):
        assert (DOCS / name).is_file(), name
    for name in ("architecture.md", "local-server.md", "deploy.md"):
        assert (DOCS / name).is_file(), name
    assert list((DOCS / "decisions").glob("0001-*.md"))


@pytest.mark.parametrize("page", _markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    missing = [link for link in _relative_links(page) if not (page.parent / link).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_every_decision_record_is_indexed() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for record in sorted((DOCS / "decisions").glob("*.md")):
        assert f"decisions/{record.name}" in index, f"{record.name} is not listed in docs/README.md"


def _architecture_paths() -> set[str]:
    paths = set()
    for code in _CODE.findall(ARCHITECTURE.read_text(encoding="utf-8")):
        if _PATH.fullmatch(code) and not code.startswith(("application/", "text/")):
            paths.add(code)
    return paths


def test_architecture_names_paths() -> None:
    # The check below would pass vacuously if the page stopped naming paths in backticks.
    assert len(_architecture_paths()) >= 20


@pytest.mark.parametrize("path", sorted(_architecture_paths()))
def test_architecture_path_exists(path: str) -> None:
    # A path is from the repository root, or (in the rooms' tables) from the layer package.
    assert (ROOT / path).exists() or (LAYER / path).exists(), (
        f"docs/architecture.md names {path}, which does not exist"
    )


_FILE_SUFFIXES = frozenset({"py", "md", "json", "jsonl", "sql", "toml", "txt", "yaml"})


def _rooms() -> set[str]:
    return {child.name for child in LAYER.iterdir() if (child / "__init__.py").is_file()}


def _architecture_dotted_names() -> set[str]:
    rooms = _rooms()
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return {
        code
        for code in _CODE.findall(text)
        if _DOTTED.fullmatch(code)
        and code.split(".")[0] in rooms
        and code.rsplit(".", 1)[1] not in _FILE_SUFFIXES
    }


def test_architecture_names_functions() -> None:
    assert len(_architecture_dotted_names()) >= 10


@pytest.mark.parametrize("name", sorted(_architecture_dotted_names()))
def test_architecture_dotted_name_exists(name: str) -> None:
    """``ingest.service.ingest``: the module ``ingest/service.py`` defines ``ingest``."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        base = LAYER.joinpath(*parts[:split])
        module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if module.is_file():
            rest = parts[split:]
            break
    else:
        pytest.fail(f"docs/architecture.md names {name}: no such module in the layer")
    assert len(rest) <= 1, f"docs/architecture.md names {name}: {rest} is not a module"
    if rest:
        definition = re.compile(rf"^(?:def|class) {rest[0]}\b|^{rest[0]}\s*[:=]", re.MULTILINE)
        assert definition.search(module.read_text(encoding="utf-8")), (
            f"docs/architecture.md names {name}, but {module.relative_to(ROOT)} does not define {rest[0]}"
        )


def _architecture_modules() -> set[str]:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    return {code for code in _CODE.findall(text) if _MODULE.fullmatch(code)}


@pytest.mark.parametrize("module", sorted(_architecture_modules()) or ["mockupaws"])
def test_architecture_module_exists(module: str) -> None:
    base = ROOT / "layers" / "shared" / Path(*module.split("."))
    assert base.with_suffix(".py").is_file() or (base / "__init__.py").is_file(), (
        f"docs/architecture.md names module {module}, which does not exist"
    )


# Built from pieces so that this file does not hold what it looks for.
_OUTSIDE_POINTERS = re.compile("|".join((r"\bSP" + r"EC\b", re.escape(".." + "/shared"))))


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout
    files = []
    for name in listed.split("\0"):
        path = ROOT / name
        if name and path.is_file():
            files.append(path)
    return files


def test_nothing_points_outside_the_repository() -> None:
    """The repository is self-contained: no file cites the external spec or a sibling directory."""
    files = _tracked_text_files()
    assert len(files) > 50
    offenders = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        for number, line in enumerate(text.splitlines(), 1):
            if _OUTSIDE_POINTERS.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert not offenders, "\n".join(offenders)
