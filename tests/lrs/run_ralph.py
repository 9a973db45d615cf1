"""Serve Ralph's LRS API on 127.0.0.1 with its file-system backend. Run by .venv-ralph's python (tests/lrs/ralph.py).

Ralph takes its settings from RALPH_ environment variables: the caller sets the backend (fs), its folder, the auth
file and the history file, the same ones it gives `ralph auth`. This script runs uvicorn in-process instead of
`ralph runserver` (which reloads on file changes and binds 0.0.0.0 unless told otherwise), on 127.0.0.1 only, and
makes the FS backend append, which no setting can: its default operation type, CREATE, refuses to write to an
existing file, so every POST after the first would fail with a 500.
"""
import argparse

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--port", type=int, required=True)
port = parser.parse_args().port

# A class attribute, read on every write, so it also reaches the backend instances that ralph.api creates on import.
FSLRSBackend.default_operation_type = BaseOperationType.APPEND

uvicorn.run("ralph.api:app", host="127.0.0.1", port=port, log_level="info")
