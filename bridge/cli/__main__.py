"""``python -m bridge.cli`` — the same as the ``cms-bridge`` command."""
from . import main

main(prog_name="cms-bridge")
