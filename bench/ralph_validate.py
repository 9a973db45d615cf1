"""Ralph's own xAPI statement validation over an NDJSON file, one statement a line.

Run by bench/validate.py inside .venv-ralph (Ralph pins its own pydantic, so it cannot share LOLA's venv).
Prints one JSON line: Ralph's version, the import time, and the loop's time and counts.
"""
import json
import sys
import time
from importlib.metadata import version

started = time.perf_counter()
from pydantic import ValidationError  # noqa: E402 (timed imports)
from ralph.models.xapi.base.statements import BaseXapiStatement  # noqa: E402

import_seconds = time.perf_counter() - started


def main(path: str) -> None:
    valid = invalid = 0
    started = time.perf_counter()
    # Reading is inside the timed loop because LOLA's and DuckDB's figures include reading the file too.
    with open(path, "rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            try:
                BaseXapiStatement.model_validate_json(line)  # a broken JSON line is a ValidationError too
                valid += 1
            except ValidationError:
                invalid += 1
    seconds = time.perf_counter() - started
    print(json.dumps({
        "version": version("ralph-malph"), "pydantic": version("pydantic"), "import_seconds": import_seconds,
        "seconds": seconds, "statements": valid + invalid, "valid": valid, "invalid": invalid,
    }))


if __name__ == "__main__":
    main(sys.argv[1])
