"""Running a connector's PHP checks with Debian's php and phpunit 9.6 (no Composer)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path


def lint_failures(root: Path) -> tuple[int, list[str]]:
    """(how many .php files below ``root``, the ``php -l`` failures among them)."""
    files = sorted(root.rglob("*.php"))
    failures = []
    for path in files:
        result = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            failures.append(f"{path.relative_to(root)}: {result.stdout}{result.stderr}")
    return len(files), failures


def phpunit_passed(root: Path) -> int:
    """Run ``phpunit -c phpunit.xml.dist`` in ``root``; assert it passed; return how many tests ran."""
    result = subprocess.run(["phpunit", "-c", "phpunit.xml.dist"], cwd=root, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    ran = re.search(r"OK \((\d+) tests?", result.stdout)
    assert ran, result.stdout
    assert not (root / ".phpunit.result.cache").exists()
    return int(ran.group(1))
