#!/usr/bin/env python3
"""Generate the tables of uvpg's SASLprep (RFC 4013) from Unicode data.

    python3 tools/gen_saslprep.py [UCD_DIR]      # default /usr/share/unicode

writes proto/saslprep_tables.cpp (RFC 3454), proto/saslprep_nfkc_tables.cpp (combining classes,
compositions) and one proto/saslprep_decomp_*.cpp per family of decompositions (canonical
singletons, canonical, font variants, Arabic forms, width and position, other compatibility).
Two sources, both packaged by Debian:

- RFC 3454's tables (B.1, C.1.2, the prohibited-output tables C.1.2-C.9, A.1,
  D.1, D.2) from Python's standard `stringprep` module, which implements exactly
  those tables over its frozen Unicode 3.2 database (unicodedata.ucd_3_2_0), as
  RFC 3454 defines them. These never change.
- NFKC's data (canonical combining classes, decompositions, and which pairs
  compose) from the Unicode Character Database of Debian's `unicode-data`
  package: UnicodeData.txt and DerivedNormalizationProps.txt. PostgreSQL
  normalises with the Unicode version it was built with, not 3.2; the code
  points SASLprep lets through (assigned in 3.2) normalise the same in every
  version since 4.1 (Unicode's stability policy).

The output depends on those inputs alone: running the script twice gives
identical files. tests/test_saslprep.cpp checks the C++ NFKC against the same
package's NormalizationTest.txt.
"""

import os
import re
import stringprep
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The decompositions, one file and table each, by the kind of their own mapping in
# UnicodeData.txt: (file suffix, table name, comment, predicate on (tag, mapping length)).
DECOMPOSITION_FAMILIES = [
    ("canonical_singletons", "kCanonicalSingletons",
     "Canonical singletons (one code point to another: CJK compatibility ideographs, KELVIN SIGN, ...)",
     lambda tag, n: tag == "" and n == 1),
    ("canonical", "kCanonical", "Canonical decompositions of two code points (the precomposed letters)",
     lambda tag, n: tag == "" and n > 1),
    ("font", "kFontVariants", "<font>: letterlike and mathematical alphanumeric variants",
     lambda tag, n: tag == "<font>"),
    ("arabic_forms", "kArabicForms", "<initial>, <medial>, <final>, <isolated>: presentation forms",
     lambda tag, n: tag in ("<initial>", "<medial>", "<final>", "<isolated>")),
    ("width_position", "kWidthAndPosition",
     "<wide>, <narrow>, <small>, <vertical>, <super>, <sub>, <noBreak>: width, size and position",
     lambda tag, n: tag in ("<wide>", "<narrow>", "<small>", "<vertical>", "<super>", "<sub>", "<noBreak>")),
    ("compat", "kCompatibility", "<compat>, <circle>, <square>, <fraction>: the other compatibility mappings",
     lambda tag, n: tag in ("<compat>", "<circle>", "<square>", "<fraction>")),
]
MAX_CP = 0x10FFFF

# Hangul syllables decompose and compose algorithmically (Unicode 3.12): not in the tables.
S_BASE, S_COUNT = 0xAC00, 11172


def ranges(pred):
    """The code points where pred holds, as sorted inclusive (first, last) ranges."""
    out = []
    start = None
    for cp in range(MAX_CP + 2):
        inside = cp <= MAX_CP and pred(chr(cp))
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            out.append((start, cp - 1))
            start = None
    return out


def rfc3454_tables():
    sp = stringprep
    prohibited = (sp.in_table_c12, sp.in_table_c21, sp.in_table_c22, sp.in_table_c3, sp.in_table_c4,
                  sp.in_table_c5, sp.in_table_c6, sp.in_table_c7, sp.in_table_c8, sp.in_table_c9)
    return [
        ("kNonAsciiSpace", "C.1.2 Non-ASCII space characters (mapped to U+0020)", ranges(sp.in_table_c12)),
        ("kMappedToNothing", "B.1 Commonly mapped to nothing", ranges(sp.in_table_b1)),
        ("kProhibited", "RFC 4013 2.3 prohibited output: C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8, C.9",
         ranges(lambda c: any(t(c) for t in prohibited))),
        ("kUnassigned", "A.1 Unassigned code points in Unicode 3.2", ranges(sp.in_table_a1)),
        ("kRandALCat", "D.1 Characters with bidirectional property R or AL", ranges(sp.in_table_d1)),
        ("kLCat", "D.2 Characters with bidirectional property L", ranges(sp.in_table_d2)),
    ]


def read_ucd(ucd):
    """(version, ccc {cp: class}, decomposition {cp: (tag or "", [cps])}, full composition exclusions)."""
    ccc, decomp = {}, {}
    with open(os.path.join(ucd, "UnicodeData.txt"), encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            cp = int(fields[0], 16)
            if int(fields[3]):
                ccc[cp] = int(fields[3])
            if fields[5]:
                parts = fields[5].split()
                tag = parts[0] if parts[0].startswith("<") else ""
                decomp[cp] = (tag, [int(p, 16) for p in parts[1 if tag else 0:]])
    # Ranges given as <..., First>/<..., Last> pairs (CJK, Hangul, ...) have class 0 and no
    # decomposition, so listing only their ends is enough here.
    exclusions = set()
    version = None
    with open(os.path.join(ucd, "DerivedNormalizationProps.txt"), encoding="utf-8") as f:
        for line in f:
            if version is None:
                m = re.match(r"# DerivedNormalizationProps-([0-9.]+)\.txt", line)
                if m:
                    version = m.group(1)
            data = line.split("#")[0].split(";")
            if len(data) < 2 or data[1].strip() != "Full_Composition_Exclusion":
                continue
            first, _, last = data[0].strip().partition("..")
            for cp in range(int(first, 16), int(last or first, 16) + 1):
                exclusions.add(cp)
    if version is None:
        sys.exit("gen_saslprep.py: no version line in DerivedNormalizationProps.txt")
    return version, ccc, decomp, exclusions


def full_decomposition(cp, decomp):
    """NFKD of one code point before canonical reordering: every mapping applied until none is left."""
    if S_BASE <= cp < S_BASE + S_COUNT:
        s = cp - S_BASE
        out = [0x1100 + s // 588, 0x1161 + (s % 588) // 28]
        if s % 28:
            out.append(0x11A7 + s % 28)
        return out
    if cp not in decomp:
        return [cp]
    out = []
    for c in decomp[cp][1]:
        out.extend(full_decomposition(c, decomp))
    return out


def emit_ranges(out, name, comment, rs):
    out.append(f"// {comment}: {len(rs)} ranges.")
    out.append(f"constexpr Range {name}Data[] = {{")
    items = [f"{{0x{a:04X}, 0x{b:04X}}}" for a, b in rs]
    for i in range(0, len(items), 6):
        out.append("    " + ", ".join(items[i:i + 6]) + ",")
    out.append("};")
    out.append(f"const std::span<const Range> {name}{{{name}Data}};")
    out.append("")


def main():
    ucd = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/unicode"
    version, ccc, decomp, exclusions = read_ucd(ucd)

    # Combining classes as runs of consecutive code points with the same non-zero class.
    classes = []
    for cp in sorted(ccc):
        if classes and classes[-1][1] == cp - 1 and classes[-1][2] == ccc[cp]:
            classes[-1][1] = cp
        else:
            classes.append([cp, cp, ccc[cp]])

    # Primary composites: canonical pairs that are not excluded from composition.
    pairs = sorted((m[0], m[1], cp) for cp, (tag, m) in decomp.items()
                   if not tag and len(m) == 2 and cp not in exclusions)

    stamp = [
        f"// Generated by tools/gen_saslprep.py from Python {sys.version_info[0]}.{sys.version_info[1]}'s stringprep "
        f"module (RFC 3454, Unicode 3.2)",
        f"// and the Unicode {version} Character Database ({ucd}); do not edit.",
        '#include "proto/saslprep_tables.hpp"',
        "",
        "namespace uvpg::proto::saslprep_tables {",
        "",
    ]
    end = ["}  // namespace uvpg::proto::saslprep_tables"]

    out = stamp + [f'const char kUnicodeVersion[] = "{version}";', ""]
    for name, comment, rs in rfc3454_tables():
        emit_ranges(out, name, comment, rs)
    write("proto/saslprep_tables.cpp", out + end)

    out = list(stamp)
    out.append(f"// Canonical combining classes other than 0: {len(classes)} runs.")
    out.append("constexpr ClassRange kCombiningClassData[] = {")
    items = [f"{{0x{a:04X}, 0x{b:04X}, {c}}}" for a, b, c in classes]
    for i in range(0, len(items), 5):
        out.append("    " + ", ".join(items[i:i + 5]) + ",")
    out.append("};")
    out.append("const std::span<const ClassRange> kCombiningClasses{kCombiningClassData};")
    out.append("")
    out.append(f"// Canonical pairs that compose (primary composites), sorted by pair: {len(pairs)}.")
    out.append("constexpr Composition kCompositionData[] = {")
    items = [f"{{0x{a:04X}, 0x{b:04X}, 0x{c:04X}}}" for a, b, c in pairs]
    for i in range(0, len(items), 4):
        out.append("    " + ", ".join(items[i:i + 4]) + ",")
    out.append("};")
    out.append("const std::span<const Composition> kCompositions{kCompositionData};")
    out.append("")
    write("proto/saslprep_nfkc_tables.cpp", out + end)

    # Every decomposable code point's full decomposition, in the table of its family; each
    # family packs its decompositions into its own array.
    placed = set()
    for suffix, name, comment, pred in DECOMPOSITION_FAMILIES:
        entries, data = [], []
        for cp in sorted(decomp):
            tag, mapping = decomp[cp]
            if not pred(tag, len(mapping)):
                continue
            placed.add(cp)
            full = full_decomposition(cp, decomp)
            entries.append((cp, len(data), len(full)))
            data.extend(full)
        if len(data) > 0xFFFF or max(n for _, _, n in entries) > 0xFF:
            sys.exit("gen_saslprep.py: decomposition data outgrew its index types")
        out = list(stamp)
        out.append(f"// {comment}; full decompositions (compatibility mappings applied too, before reordering):")
        out.append(f"// {len(entries)} code points.")
        out.append(f"constexpr Decomposition {name}Index[] = {{")
        items = [f"{{0x{cp:04X}, {off}, {n}}}" for cp, off, n in entries]
        for i in range(0, len(items), 6):
            out.append("    " + ", ".join(items[i:i + 6]) + ",")
        out.append("};")
        out.append(f"constexpr char32_t {name}Codes[] = {{")
        items = [f"0x{c:04X}" for c in data]
        for i in range(0, len(items), 12):
            out.append("    " + ", ".join(items[i:i + 12]) + ",")
        out.append("};")
        out.append(f"const DecompositionTable {name}{{{name}Index, {name}Codes}};")
        out.append("")
        write(f"proto/saslprep_decomp_{suffix}.cpp", out + end)
    if placed != set(decomp):
        missing = sorted(set(decomp) - placed)[:5]
        sys.exit(f"gen_saslprep.py: decompositions in no family: {[hex(c) for c in missing]}")
    print(f"wrote the SASLprep tables (Unicode {version})")


def write(path, lines):
    with open(os.path.join(ROOT, path), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
