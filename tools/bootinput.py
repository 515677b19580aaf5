"""The bad-boot-input table (tests/bad-boot-input.txt): its format, parsed.

Each row names a malformed kernel command line and the texts the kernel
must print about it; tools/test.py boots every row and checks them. The
format is documented in the table's own header; in short:

    name  firmware  'command line'  'expected text' ...

firmware is bios, uefi or bios,uefi (one boot each). In the command line,
\\xHH stands for the byte HH and {TEXT*N} for TEXT written N times; the
expected texts are taken literally.
"""

import re
import shlex
from dataclasses import dataclass, field

FIRMWARES = ("bios", "uefi")
REPEAT_MAX = 10000
_REPEAT = re.compile(r"\{([^{}]*)\*(\d+)\}")
_BYTE = re.compile(r"\\x([0-9a-fA-F]{2})")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass
class Row:
    name: str
    firmwares: list
    cmdline: str                # bytes >= 0x80 as surrogate escapes (os.fsencode gives them back)
    expect: list = field(default_factory=list)
    where: str = ""


def expand(text):
    """The command line a row's text stands for; ValueError if it is malformed."""
    def repeat(m):
        n = int(m.group(2))
        if not 1 <= n <= REPEAT_MAX:
            raise ValueError(f"{{...*{n}}}: the count must be 1 to {REPEAT_MAX}")
        return m.group(1) * n

    def byte(m):
        b = int(m.group(1), 16)
        if b == 0:
            raise ValueError("\\x00 would end the command line")
        # Bytes past ASCII as surrogate escapes: os.fsencode() turns each
        # back into the one byte, where UTF-8 would give two.
        return chr(b) if b < 0x80 else chr(0xDC00 + b)

    text = _REPEAT.sub(repeat, text)
    if "{" in text or "}" in text:
        raise ValueError("'{' or '}' outside a {TEXT*N}")
    text = _BYTE.sub(byte, text)
    if "\\" in text:
        raise ValueError("a backslash that is not \\xHH")
    return text


def parse(path):
    """(rows, problems): a Row per good line, a (where, message) per bad one."""
    rows, problems, names = [], [], set()
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        where = f"{path.name}:{n}"
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        try:
            words = shlex.split(raw, comments=True)
        except ValueError as e:
            problems.append((where, str(e)))
            continue
        if len(words) < 4:
            problems.append((where, "expected: name firmware 'command line' 'expected text'..."))
            continue
        name, firmware, cmdline, expect = words[0], words[1], words[2], words[3:]
        firmwares = firmware.split(",")
        problem = None
        if not _NAME.fullmatch(name):
            problem = f"name {name!r}: expected a-z 0-9 -"
        elif name in names:
            problem = f"name {name!r} is used twice"
        elif not firmwares or any(f not in FIRMWARES for f in firmwares) or \
                len(set(firmwares)) != len(firmwares):
            problem = f"firmware {firmware!r}: expected bios, uefi or bios,uefi"
        elif not all(expect):
            problem = "an expected text is empty (it would match anything)"
        else:
            try:
                cmdline = expand(cmdline)
            except ValueError as e:
                problem = f"command line: {e}"
        if problem:
            problems.append((where, problem))
            continue
        names.add(name)
        rows.append(Row(name, firmwares, cmdline, expect, where))
    return rows, problems
