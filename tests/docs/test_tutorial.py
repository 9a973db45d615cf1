"""docs/tutorial.md, run as a reader runs it: every ```sh block in order, from `make demo` on, in a copy of the
checkout. A tutorial whose commands drifted from the product fails here rather than in a reader's terminal.
"""

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).parents[2]
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.DOTALL | re.MULTILINE)
BLOCK_TIMEOUT_SECONDS = 600
KEY = hashlib.sha256(b"tutorial test key, not a secret").hexdigest()
NEW_KEY = hashlib.sha256(b"tutorial test key after rotation, not a secret").hexdigest()


def copy_checkout(root: Path) -> None:
    """The working tree's files that a commit would hold (tracked, or new and not ignored: the tutorial may be new
    too), with their mtimes, and the real .venv linked in: a fresh checkout with the venv `make` already made."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():  # a tracked file deleted in the working tree is gone from it
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, root / name)
    (root / ".venv").symlink_to(REPO / ".venv")
    # Through the link, a reinstall by the copy's `make` would rewrite the real venv, which runs this test: the stamp
    # must look current to it even when pyproject.toml was checked out after the venv was made.
    stamp = os.stat(REPO / ".venv" / ".installed-stamp").st_mtime_ns
    os.utime(root / "pyproject.toml", ns=(stamp, stamp))
    up_to_date = subprocess.run(["make", "--question", ".venv/.installed-stamp"], cwd=root, capture_output=True)
    assert up_to_date.returncode == 0, "the copy's make would reinstall the real .venv"


def test_every_command_of_the_tutorial_runs(tmp_path):
    root = tmp_path / "lola"
    copy_checkout(root)
    blocks = SH_BLOCK.findall((root / "docs" / "tutorial.md").read_text(encoding="utf-8"))
    assert blocks and blocks[0].startswith("make demo"), "the tutorial starts from `make demo`"
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "LOLA_CONFIG")}
    # The venv's editable install points at the real checkout: PYTHONPATH makes the copy's code the code that runs,
    # so that the commands see the tutorial's own edits (a new metric) in the copy.
    env.update(LOLA_PSEUDONYM_KEY=KEY, LOLA_NEW_PSEUDONYM_KEY=NEW_KEY, PYTHONPATH=str(root))
    for number, block in enumerate(blocks, 1):
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=root, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=BLOCK_TIMEOUT_SECONDS)
        print(f"--- block {number}\n{block}--- output (exit {done.returncode})\n{done.stdout}")
        assert done.returncode == 0, f"block {number} of docs/tutorial.md failed:\n{block}\n{done.stdout}"
