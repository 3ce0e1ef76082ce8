"""``python -m tsunagu``: the command line."""

from tsunagu.cli import main

if __name__ == "__main__":
    main()
