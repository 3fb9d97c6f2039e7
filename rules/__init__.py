"""The playbook: example rules that ship with shopctl and that `shopctl init` copies."""
