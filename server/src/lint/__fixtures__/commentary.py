"""The shapes of commentary shippedPython.spec.ts strips: this docstring, for one."""
# ruff: noqa: E702, B018
# fmt: off

# A comment on its own line.
import os  # a comment after code


def documented(a):
    """A docstring
    on two lines."""
    return a  # and a comment


class OnlyADocstring:
    "becomes pass, indented as it was"


def one_line(): "becomes pass on its line"


def strings_that_stay():
    table = {
        "a": 1,  # a comment inside brackets
        "b": "# not a comment: a string",
    }
    """a lone string after the first statement"""
    return table, f"{os.sep}"  # an f-string stays


value = 1; "a lone string after a semicolon"
"a lone string before a semicolon"; value = 2  # stays (its line would start with ;)
if value:
    "the only statement of an if"
else:
    b"bytes"  # and a comment
try:
    pass
finally:
    """the only statement of a finally"""
print(value,  # a comment inside a call
      2)
