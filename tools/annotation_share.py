"""Print the share of functions in apps/ and marketo_admin/ that carry type annotations.

A function counts as having a return hint when it declares its return type, and as fully
annotated when, besides, every parameter but a method's first has a type. As for mypy, an
`__init__` with an annotated parameter needs no `-> None`. Migrations are left out (Django
writes them). Usage: python tools/annotation_share.py [--by-app]
"""

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("apps", "marketo_admin")


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef, *, in_class: bool):
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    is_static = any(
        isinstance(d, ast.Name) and d.id == "staticmethod" for d in function.decorator_list
    )
    if in_class and positional and not is_static:
        positional = positional[1:]  # self or cls
    rest = [a for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return [*positional, *arguments.kwonlyargs, *rest]


def _functions(node: ast.AST, *, in_class: bool = False):
    """Yield (function, is_method) for every function, nested ones included."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            yield child, in_class
            yield from _functions(child)
        else:
            yield from _functions(child, in_class=isinstance(child, ast.ClassDef))


def main() -> None:
    by_app = "--by-app" in sys.argv
    totals: Counter[str] = Counter()
    per_app: dict[str, Counter[str]] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).parts
            app = "/".join(parts[:2]) if parts[0] == "apps" and len(parts) > 2 else parts[0]
            counts = per_app.setdefault(app, Counter())
            for function, in_class in _functions(ast.parse(path.read_text())):
                parameters = _parameters(function, in_class=in_class)
                returns = function.returns is not None or (
                    function.name == "__init__" and any(p.annotation for p in parameters)
                )
                full = returns and all(p.annotation is not None for p in parameters)
                for counter in (totals, counts):
                    counter["functions"] += 1
                    counter["returns"] += returns
                    counter["full"] += full
    rows = [*sorted(per_app.items()), ("all", totals)] if by_app else [("all", totals)]
    for name, c in rows:
        if not c["functions"]:
            continue
        n = c["functions"]
        print(
            f"{name:24} {c['functions']:5} functions  "
            f"{100 * c['returns'] / n:5.1f}% with a return hint  "
            f"{100 * c['full'] / n:5.1f}% fully annotated"
        )


if __name__ == "__main__":
    main()
