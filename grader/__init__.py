"""cnnkit's grader: assignments, competitions, the sandbox, the judge and the class server."""

import sys

# jsonschema (through nbformat, which nearly every grader process imports) checks the "iri"
# format with rfc3987-syntax when that is installed, and rfc3987-syntax 1.1 compiles its Lark
# grammar on import: 1.5 s of every command, worker and server start (measured; upstream:
# python-jsonschema/jsonschema#1392). No schema the kit validates uses that format, so the
# import is refused here and jsonschema skips the check, as it does when the package is absent.
sys.modules.setdefault("rfc3987_syntax", None)
