#!/usr/bin/env python3
"""Fails when a source file includes a module it must not (docs/design.md).

Each module under src/ may include only the modules listed for it below; the
front ends (lifekeeper, ocf) never include each other or the command line, and
no product module includes the emulator or test support. Run by CTest.
"""
import pathlib
import re
import sys

ALLOWED = {
    "common": {"common"},
    "aws": {"common", "aws"},
    "model": {"common", "model"},
    "plan": {"common", "model", "plan"},
    "engine": {"common", "aws", "model", "plan", "engine"},
    "app": {"common", "aws", "model", "plan", "engine", "app"},
    "lifekeeper": {"common", "model", "app", "lifekeeper"},
    "ocf": {"common", "model", "app", "ocf"},
    "cli": {"common", "aws", "model", "plan", "engine", "app", "lifekeeper", "ocf", "cli"},
    # The emulator is its own program: it reuses only the signer and common code.
    "sim": {"common", "aws", "sim"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    problems = []
    modules = {p.name for p in src.iterdir() if p.is_dir()}
    unknown = modules - set(ALLOWED)
    if unknown:
        problems.append(f"modules with no layering rule: {sorted(unknown)} (add them here)")
    for path in sorted(src.rglob("*")):
        if path.suffix not in {".h", ".cc", ".in"}:
            continue
        module = path.relative_to(src).parts[0]
        allowed = ALLOWED.get(module, set())
        for included in INCLUDE.findall(path.read_text(errors="replace")):
            target = included.split("/")[0] if "/" in included else module
            if target in {"support", "tests"}:
                problems.append(f"{path}: includes test support {included}")
            elif target in ALLOWED and target not in allowed:
                problems.append(f"{path}: {module}/ must not include {included}")
    for p in problems:
        print(p)
    print(f"layering: {len(problems)} violation(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
