#!/usr/bin/env python3
"""Copies each tagged source region into the docs block that names it (<!-- snippet: PATH#TAG -->).

DocsSnippetsTest fails the build when a block and its source differ; run this after changing an example
(and after the formatter ran): python3 build-tools/sync-snippets.py
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
pattern = re.compile(r"(<!-- snippet: (\S+)#(\S+) -->\s*\n```java\n)(.*?)(```)", re.S)


def region(path, tag):
    text = (root / path).read_text()
    start = "// tag::%s[]\n" % tag
    s = text.index(start) + len(start)
    e = text.rindex("\n", 0, text.index("// end::%s[]" % tag)) + 1
    lines = text[s:e].splitlines(keepends=True)
    indent = min(len(l) - len(l.lstrip(" ")) for l in lines if l.strip())
    return "".join(l[indent:] if l.strip() else l for l in lines)


for doc in sorted((root / "docs").rglob("*.md")):
    text = doc.read_text()
    new = pattern.sub(lambda m: m.group(1) + region(m.group(2), m.group(3)) + m.group(5), text)
    if new != text:
        doc.write_text(new)
        print("updated", doc.relative_to(root))
