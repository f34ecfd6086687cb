"""``python -m fastapi_lint``: the same as the ``fastapi-lint`` console script."""

from fastapi_lint._entry import main

if __name__ == "__main__":
    main()
