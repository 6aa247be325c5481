"""``python -m workbench.cli``: the same as the ``wb`` console script."""

from workbench.cli import main

if __name__ == "__main__":
    main()
