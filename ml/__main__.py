"""Run the ml command group standalone: python -m ml ..."""

from ml.cli import cli

if __name__ == "__main__":
    cli()
