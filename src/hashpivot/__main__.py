"""``python -m hashpivot`` runs the command-line interface."""

from hashpivot.cli.app import main

if __name__ == "__main__":
    main()
