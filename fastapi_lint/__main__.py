"""``python -m fastapi_lint``: the same as the ``fastapi-lint`` console script."""

from fastapi_lint.cli import main

if __name__ == "__main__":
    main()
