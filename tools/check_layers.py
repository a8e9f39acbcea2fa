#!/usr/bin/env python3
"""Checks the layering of include/, proto/ and lib/ by their #include lines (docs/design.md).

    tools/check_layers.py               # the tree: prints "ok: layers ..." or one FAILED line per breach
    tools/check_layers.py --self-test   # a temporary tree that breaks each rule must fail, a clean one pass

Each #include is resolved as the compiler would (a quoted name next to the including file
first, then from the repository root, where the build's include path starts) and checked
against the rules of the including file's folder. Includes of the standard library are not
checked, except the few a rule names (<uv.h>, <coroutine>).
"""
import os
import re
import sys
import tempfile

# The layers of lib/, lowest first. A folder's rule names what it must never include.
ABOVE_CONFIG = ["lib/values/", "lib/net/", "lib/conn/", "lib/ops/", "lib/cursor/", "lib/pool/"]
RULES = [
    # (folder, forbidden includes: a path prefix or an exact <header>, why)
    ("include/uvpg/", ["lib/", "proto/"], "the public headers are installed alone: lib/ and proto/ are not"),
    ("proto/", ["lib/", "include/", "<uvpg/"], "proto/ is pure: it knows nothing of lib/ or the public API"),
    ("lib/ops/", ["<uv.h>", "lib/net/", "lib/conn/", "lib/cursor/", "lib/pool/", "<uvpg/task.hpp>", "<coroutine>"],
     "operations are sans-I/O: no libuv, no sockets, no coroutines"),
    ("lib/values/", ["lib/conn/", "lib/cursor/", "lib/pool/", "lib/net/"],
     "values know nothing of connections, cursors, pools or sockets"),
    ("lib/net/", ["lib/conn/", "lib/cursor/", "lib/pool/", "lib/ops/"],
     "the network layer knows nothing of what runs over it"),
    ("lib/config/", ABOVE_CONFIG, "configuration sits below everything that uses it"),
    ("lib/errors/", ["lib/config/"] + ABOVE_CONFIG, "errors sit below everything that raises them"),
    ("lib/runtime/", ["lib/errors/", "lib/config/"] + ABOVE_CONFIG, "the runtime (Task support, free lists) is the floor"),
]

# Breaches that exist today, each with the reason it is tolerated for now. Remove a line when its
# include goes away: a listed breach that no longer occurs fails the check, so the list only shrinks.
ALLOWED = {}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCES = (".cpp", ".hpp", ".h", ".cc", ".inc")


def resolve(root, including, delim, name):
    """The included file as a path from the root ("lib/net/uv_handles.hpp"), or "<name>"."""
    if delim == '"':
        for base in (os.path.dirname(including), ""):
            cand = os.path.normpath(os.path.join(base, name))
            if os.path.isfile(os.path.join(root, cand)):
                return cand.replace(os.sep, "/")
        if os.path.isfile(os.path.join(root, "include", name)):
            return "include/" + name
        return os.path.normpath(name).replace(os.sep, "/")
    return "<" + name + ">"


def forbidden(target, prefixes):
    for p in prefixes:
        if p.startswith("<"):
            # "<uvpg/" forbids a whole folder of the public API; "<uv.h>" one header.
            if (p.endswith(">") and target == p) or (not p.endswith(">") and target.startswith(p)):
                return p
        elif target.startswith(p):
            return p
    return None


def check(root):
    """Returns (breaches, allowances used, files read)."""
    breaches, used, files = [], set(), 0
    for top in ("include", "proto", "lib"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if not n.endswith(SOURCES):
                    continue
                path = os.path.relpath(os.path.join(dirpath, n), root).replace(os.sep, "/")
                rules = [r for r in RULES if path.startswith(r[0])]
                if not rules:
                    continue
                files += 1
                with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = resolve(root, path, m.group(1), m.group(2))
                        for folder, prefixes, why in rules:
                            hit = forbidden(target, prefixes)
                            if not hit:
                                continue
                            if (path, target) in ALLOWED:
                                used.add((path, target))
                                continue
                            breaches.append(f"{path}:{lineno}: includes {m.group(1)}{m.group(2)}"
                                            f"{'>' if m.group(1) == '<' else chr(34)} ({folder} must not include "
                                            f"{hit}: {why})")
    return breaches, used, files


def run_tree(root):
    breaches, used, files = check(root)
    stale = [k for k in ALLOWED if k not in used]
    for b in breaches:
        print("FAILED: layers: " + b)
    for path, target in stale:
        print(f"FAILED: layers: {path} no longer includes {target}: remove that allowance from "
              f"tools/check_layers.py")
    if breaches or stale:
        return 1
    print(f"ok: layers: {files} files of include/, proto/ and lib/ include only what their layer may "
          f"({len(used)} known breaches allowed, listed in tools/check_layers.py)")
    return 0


def self_test():
    """Each rule broken once in a temporary tree must be found; the clean tree must pass."""
    cases = {
        "proto/a.cpp": '#include "lib/conn/connection_impl.hpp"\n',
        "proto/b.cpp": "#include <uvpg/value.hpp>\n",
        "proto/c.hpp": '#include "../lib/errors/error.hpp"\n',  # relative, resolved
        "lib/ops/d.hpp": "#include <uv.h>\n",
        "lib/ops/e.cpp": "  #  include <coroutine>\n",
        "lib/ops/f.cpp": "#include <uvpg/task.hpp>\n",
        "lib/ops/g.cpp": '#include "lib/net/uv_handles.hpp"\n',
        "lib/values/h.cpp": '#include "lib/pool/pool_impl.hpp"\n',
        "lib/net/i.cpp": '#include "lib/ops/action.hpp"\n',
        "lib/config/j.cpp": '#include "lib/values/row.hpp"\n',
        "lib/errors/k.cpp": '#include "lib/config/conn_params.hpp"\n',
        "lib/runtime/l.cpp": '#include "lib/cursor/cursor_state.hpp"\n',
        "include/uvpg/m.hpp": '#include "proto/backend.hpp"\n',
    }
    clean = {
        "proto/ok.cpp": '#include "proto/backend.hpp"\n#include <vector>\n',
        "lib/ops/ok.hpp": '#include "lib/errors/error.hpp"\n#include "proto/frontend.hpp"\n#include <cstdint>\n',
        "lib/values/ok.cpp": '#include "lib/runtime/recycle.hpp"\n#include <uvpg/value.hpp>\n',
        "lib/net/ok.cpp": "#include <uv.h>\n#include <coroutine>\n",
        "lib/conn/ok.cpp": '#include "lib/net/uv_handles.hpp"\n#include "lib/ops/action.hpp"\n',
        "include/uvpg/ok.hpp": '#include <uvpg/value.hpp>\n#include "task.hpp"\n',
    }
    targets = ["lib/conn/connection_impl.hpp", "lib/errors/error.hpp", "lib/net/uv_handles.hpp",
               "lib/pool/pool_impl.hpp", "lib/ops/action.hpp", "lib/values/row.hpp",
               "lib/config/conn_params.hpp", "lib/cursor/cursor_state.hpp", "lib/runtime/recycle.hpp",
               "proto/backend.hpp", "proto/frontend.hpp", "include/uvpg/value.hpp", "include/uvpg/task.hpp"]
    failures = []
    with tempfile.TemporaryDirectory() as root:
        def write(rel, text):
            os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
            with open(os.path.join(root, rel), "w") as f:
                f.write(text)
        for t in targets:
            write(t, "// target\n")
        for rel, text in clean.items():
            write(rel, text)
        breaches, _, _ = check(root)
        if breaches:
            failures.append("a clean tree was refused: " + "; ".join(breaches))
        for rel, text in cases.items():
            write(rel, text)
            breaches, _, _ = check(root)
            if not any(b.startswith(rel + ":1:") for b in breaches):
                failures.append(f"{rel} ({text.strip()}) was not caught")
            os.remove(os.path.join(root, rel))
    for f in failures:
        print("FAILED: layers self-test: " + f)
    return 1 if failures else 0


def main():
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if sys.argv[1:]:
        print(__doc__)
        return 2
    return run_tree(root)


if __name__ == "__main__":
    sys.exit(main())
