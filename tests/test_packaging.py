"""Installs are reproducible: every module the product imports comes from a dependency it declares, and the
lock file pins every declared dependency at a version its bounds allow."""
import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
OURS = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {name: [Requirement(r) for r in reqs] for name, reqs in PROJECT["optional-dependencies"].items()}
# Imported only by `complaints up` (the local mail sink), which the dev extra installs.
DEV_ONLY_IMPORTS = {"aiosmtpd"}


def imported_modules(folders: list[str]) -> dict[str, str]:
    """Top-level module -> a file importing it, for every import (lazy ones inside functions included)."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def distributions_of(modules: dict[str, str]) -> dict[tuple[str, ...], str]:
    """The distributions that could provide each third-party module (a namespace such as `google` has several)."""
    owners = packages_distributions()
    local = {p.split(".")[0] for p in OURS} | {"tests", "bench"} | {p.stem for p in (ROOT / "bench").glob("*.py")}
    third_party = {m: f for m, f in modules.items() if m not in sys.stdlib_module_names and m not in local}
    missing = {m: f for m, f in third_party.items() if m not in owners}
    assert not missing, f"imported but installed by no distribution: {missing}"
    return {tuple(canonicalize_name(d) for d in owners[m]): f for m, f in third_party.items()}


def test_every_module_the_product_imports_is_declared():
    declared = {canonicalize_name(r.name) for r in RUNTIME} | {canonicalize_name(r.name) for r in EXTRAS["postgres"]}
    used = distributions_of({m: f for m, f in imported_modules(sorted(OURS - {"complaints.migrations.versions"})).items()
                             if m not in DEV_ONLY_IMPORTS})
    undeclared = {d: f for d, f in used.items() if not set(d) & declared}
    assert not undeclared, f"imported but not a runtime dependency (pyproject.toml): {undeclared}"


def test_every_module_the_tests_import_is_declared_for_development():
    declared = {canonicalize_name(r.name) for reqs in [RUNTIME, *EXTRAS.values()] for r in reqs}
    used = distributions_of(imported_modules(["tests", "bench"]))
    # packaging comes with pip and every build; pytest's plugins register themselves
    undeclared = {d: f for d, f in used.items() if not set(d) & (declared | {"packaging"})}
    assert not undeclared, f"imported by tests or benches but not declared (dev extra): {undeclared}"


def pins(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, version = line.split(" ")[0].split("==")
            found[canonicalize_name(name)] = version
    return found


@pytest.mark.parametrize("lock, extras", [("requirements.lock", ("dev", "postgres")),
                                          ("requirements-prod.lock", ("postgres",))])
def test_the_lock_pins_every_declared_dependency_within_its_bounds(lock, extras):
    pinned = pins(lock)
    for requirement in [*RUNTIME, *(r for extra in extras for r in EXTRAS[extra])]:
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement} is not in {lock}: compile it again (docs/testing.md)"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"{lock} pins {name}=={pinned[name]}, outside {requirement}"
    assert (ROOT / lock).read_text().count("--hash=sha256:") >= len(pinned), "every pin carries its hash"


def test_the_image_and_the_machine_run_the_same_versions():
    """What production installs is what the tests ran: every pin of the production lock is the same in the
    development lock, and no development tool reaches the image."""
    prod, dev = pins("requirements-prod.lock"), pins("requirements.lock")
    assert {n: v for n, v in prod.items() if dev.get(n) != v} == {}
    assert not {canonicalize_name(r.name) for r in EXTRAS["dev"]} & set(prod)
    assert "requirements-prod.lock" in (ROOT / "Dockerfile").read_text()


def test_layers_only_look_down():
    """No module imports from a layer above its own ([tool.importlinter] in pyproject.toml): the platform never
    reaches up into the CLI, a feature never into the door."""
    import subprocess

    lint = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout[-3000:]
    assert "1 kept, 0 broken" in lint.stdout


def test_the_look_back_index_names_files_that_exist():
    """lookback/__init__.py is where the feature's pieces are found; a moved file must move in it too."""
    import lookback

    listed = [line.split()[0] for line in (lookback.__doc__ or "").splitlines() if line.startswith("    ")]
    assert len(listed) >= 10 and all((ROOT / path).is_file() for path in listed), listed
