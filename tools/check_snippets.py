#!/usr/bin/env python3
"""Compiles every C++ code block of the docs, so that a snippet can never rot.

    tools/check_snippets.py [FILE.md ...]      (default: README.md and docs/*.md)
    tools/check_snippets.py --self-test        (a checker that passes everything is no check)

Each block fenced as ```cpp (or ```c++) is one check, reported as
"ok: snippet FILE:LINE" or "FAILED: snippet FILE:LINE" with the compiler's words; the exit
status is 1 when any failed. scripts/test.sh counts these lines as tests.

How a block is compiled (g++ -std=c++20 -Wall -Wextra -Werror -fsyntax-only -Iinclude, as the
project builds; CXX and CXXFLAGS add to that):
  * A block with an #include line is a whole program and is compiled exactly as written.
  * Any other block is a fragment of a coroutine body: it goes inside
        uvpg::Task<void> snippet() { <block> co_return; }
    after #include <uvpg/uvpg.hpp> and a few standard headers, where these names of the
    README's running example are declared for it to use:
        std::string dsn; uvpg::Connection conn; uvpg::Cursor cur; uvpg::Pool pool;
    (a fragment that declares one of them itself simply hides the prelude's).
  * An HTML comment on the lines just before the fence (blank lines between are fine) adjusts
    that, invisibly to readers of the rendered page:
        <!-- snippet-context: DECLARATIONS -->
            C++ declarations placed at namespace scope before the fragment, for the other names
            it uses: <!-- snippet-context: void consume(const uvpg::Row& row); -->
        <!-- snippet: namespace -->
            the block holds declarations (functions, types), compiled at namespace scope
            instead of inside the coroutine.
A block that must not be compiled is not C++ for this purpose: fence it as ```text.
"""
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

FENCE_OPEN = re.compile(r'^(\s*)```\s*(cpp|c\+\+)\s*$')
FENCE_CLOSE = re.compile(r'^\s*```\s*$')
COMMENT = re.compile(r'<!--\s*(snippet(?:-context)?)\s*:(.*?)-->', re.S)

PRELUDE = """\
#include <uvpg/uvpg.hpp>

#include <cassert>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The names of the README's running example, for fragments to use.
extern std::string dsn;
extern uvpg::Connection conn;
extern uvpg::Cursor cur;
extern uvpg::Pool pool;
"""


class Block:
    def __init__(self, path, line, code, context, scope):
        self.path, self.line, self.code, self.context, self.scope = path, line, code, context, scope

    @property
    def name(self):
        return f"{os.path.relpath(self.path, ROOT)}:{self.line}"

    def source(self):
        rel = os.path.relpath(self.path, ROOT)
        if re.search(r'^\s*#\s*include\b', self.code, re.M):
            return f'#line {self.line + 1} "{rel}"\n{self.code}'
        parts = [PRELUDE]
        if self.context:
            parts.append(f'#line {self.context[0]} "{rel}"\n{self.context[1]}\n')
        if self.scope == 'namespace':
            parts.append(f'#line {self.line + 1} "{rel}"\n{self.code}\n')
        else:
            parts.append('uvpg::Task<void> snippet() {\n'
                         f'#line {self.line + 1} "{rel}"\n{self.code}\n'
                         '    co_return;\n}\n')
        return ''.join(parts)


def blocks_of(path):
    """The ```cpp blocks of a Markdown file, with the snippet comments just before each."""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    out = []
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        start = i
        indent = len(m.group(1))
        j = i + 1
        while j < len(lines) and not FENCE_CLOSE.match(lines[j]):
            j += 1
        if j == len(lines):
            raise SystemExit(f"{path}:{start + 1}: a ```cpp block that is never closed")
        code = '\n'.join(l[indent:] if l[:indent].strip() == '' else l for l in lines[start + 1:j])
        # Snippet comments: the HTML comments ending on the lines just before the fence.
        context, scope = None, 'body'
        k = start - 1
        while k >= 0 and lines[k].strip() == '':
            k -= 1
        while k >= 0 and lines[k].rstrip().endswith('-->'):
            end = k
            while k >= 0 and '<!--' not in lines[k]:
                k -= 1
            if k < 0:
                break
            text = '\n'.join(lines[k:end + 1])
            for kind, body in COMMENT.findall(text):
                if kind == 'snippet-context':
                    context = (k + 1, body.strip())
                elif body.strip() == 'namespace':
                    scope = 'namespace'
                else:
                    raise SystemExit(f"{path}:{k + 1}: unknown snippet comment '{body.strip()}'")
            k -= 1
            while k >= 0 and lines[k].strip() == '':
                k -= 1
        out.append(Block(path, start + 1, code, context, scope))
        i = j + 1
    return out


def compiler_command():
    cxx = shlex.split(os.environ.get('CXX', 'g++'))
    flags = ['-std=c++20', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', '-I' + os.path.join(ROOT, 'include')]
    if shutil.which('pkg-config'):
        r = subprocess.run(['pkg-config', '--cflags', 'libuv'], capture_output=True, text=True)
        if r.returncode == 0:
            flags += shlex.split(r.stdout)
    return cxx + flags + shlex.split(os.environ.get('CXXFLAGS', ''))


def check(n, block, command, workdir):
    src = os.path.join(workdir, f"snippet_{n}.cpp")
    with open(src, 'w', encoding='utf-8') as f:
        f.write(block.source())
    r = subprocess.run(command + [src], capture_output=True, text=True, cwd=ROOT)
    return block, r.returncode == 0, (r.stdout + r.stderr).strip()


SELF_TEST = """\
<!-- snippet-context: void consume(const uvpg::Row& row); -->
```cpp
uvpg::Pool pool = co_await uvpg::create_pool(dsn, {.minsize = 1, .maxsize = 8, .timeout = 5});
for (const auto& row : co_await cur.fetchall()) consume(row);
```

<!-- snippet: namespace -->
```cpp
uvpg::Task<int> answer(uvpg::Connection& c) {
    auto cur = co_await c.cursor();
    co_await cur.execute("SELECT %s", {42});
    co_return (*co_await cur.fetchone())[0].as<int>();
}
```

```cpp
#include <uvpg/uvpg.hpp>
int main() { return 0; }
```

```cpp
uvpg::Pool pool = co_await uvpg::create_pool(dsn, {.timeout = 5, .minsize = 1});
```

```cpp
co_await cur.execute("SELECT 1");
int unused = 3;
```

```cpp
consume(42);
```
"""


def self_test():
    """Three blocks that must compile, then three that must not (designators out of order, an
    unused variable under -Werror, an undeclared name): the checker must tell them apart."""
    with tempfile.TemporaryDirectory(prefix='uvpg-snippets-self.') as d:
        path = os.path.join(d, 'self.md')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(SELF_TEST)
        blocks = blocks_of(path)
        command = compiler_command()
        got = [check(n, b, command, d)[1] for n, b in enumerate(blocks)]
    want = [True, True, True, False, False, False]
    if got == want:
        print("ok: snippet checker self-test")
        return 0
    print(f"FAILED: snippet checker self-test: compiled {got}, expected {want}")
    return 1


def main(argv):
    if argv[1:] == ['--self-test']:
        return self_test()
    files = argv[1:] or [os.path.join(ROOT, 'README.md')] + sorted(
        os.path.join(ROOT, 'docs', f) for f in os.listdir(os.path.join(ROOT, 'docs')) if f.endswith('.md'))
    blocks = [b for path in files for b in blocks_of(path)]
    command = compiler_command()
    failed = 0
    with tempfile.TemporaryDirectory(prefix='uvpg-snippets.') as workdir, \
            concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for block, ok, output in pool.map(lambda nb: check(*nb, command, workdir), enumerate(blocks)):
            if ok:
                print(f"ok: snippet {block.name}")
            else:
                failed += 1
                print(f"FAILED: snippet {block.name}")
                print('\n'.join('    ' + l for l in output.splitlines()[:40]))
    if not blocks:
        print("FAILED: snippet (no ```cpp blocks found)")
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
