"""The oracle of shippedPython.spec.ts: is a shipped Python text its source minus its commentary?

Reads a JSON list of {"name", "source", "shipped"} on stdin; prints a JSON list of the problems
found, each naming the file. A shipped text must compile; hold no comment (tokenize); have as many
lines as its source; and parse to the source's tree, positions included (so every statement keeps
its line and column), once both trees lose their lone string statements (docstrings) and `pass` statements
(what stands in for a docstring that was a block's only statement).
"""

import ast
import io
import json
import sys
import tokenize


class _WithoutCommentary(ast.NodeTransformer):
    def generic_visit(self, node):
        super().generic_visit(node)
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                kept = [s for s in block if not _is_commentary(s)]
                setattr(node, field, kept)
        return node


def _is_commentary(statement):
    if isinstance(statement, ast.Pass):
        return True
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, (str, bytes))
    )


def _tree(text):
    """The tree with where each node starts (where a block ends moves with its last docstring)."""
    tree = _WithoutCommentary().visit(ast.parse(text))
    for node in ast.walk(tree):
        if hasattr(node, "end_lineno"):
            node.end_lineno = node.end_col_offset = None
    return ast.dump(tree, include_attributes=True)


def problems(name, source, shipped):
    try:
        compile(shipped, name, "exec", dont_inherit=True)
    except SyntaxError as e:
        return ["%s: the shipped text does not compile: %s (line %s)" % (name, e.msg, e.lineno)]
    found = []
    comments = [t for t in tokenize.generate_tokens(io.StringIO(shipped).readline) if t.type == tokenize.COMMENT]
    if comments:
        found.append("%s: a comment is left on line %d: %s" % (name, comments[0].start[0], comments[0].string))
    if source.count("\n") != shipped.count("\n"):
        found.append("%s: %d lines shipped, %d in the source" % (name, shipped.count("\n"), source.count("\n")))
    if _tree(source) != _tree(shipped):
        found.append("%s: the shipped code is not the source's (or not on the same lines)" % name)
    return found


if __name__ == "__main__":
    files = json.load(sys.stdin)
    print(json.dumps([p for f in files for p in problems(f["name"], f["source"], f["shipped"])]))
