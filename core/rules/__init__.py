"""The rule language: grammar, model, loaders, checker and compilers."""
