"""The exit codes of every `lola` command (README, `lola --help`), so that schedulers can tell what went wrong."""

EXIT_OK = 0           # done
EXIT_FAILED = 1       # a blocking check failed (or a run failed for another reason its report gives)
EXIT_USAGE = 2        # usage, configuration or input error: the user can fix it
EXIT_BUSY = 3         # another process is writing to the warehouse (waited lock_wait_seconds)
EXIT_ENVIRONMENT = 4  # the machine or an outside system failed: disk full, permissions, an LRS down

EXIT_CODES_HELP = ("Exit codes: 0 ok; 1 a blocking check failed; 2 usage, configuration or input error; 3 the "
                   "warehouse is busy (another writer); 4 an environment failure (disk full, permissions, an LRS "
                   "down), with its cause.")
