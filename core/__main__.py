"""`python -m shopctl`: the same as the `shopctl` command."""

from shopctl.cli.main import main

main(prog_name="shopctl")
