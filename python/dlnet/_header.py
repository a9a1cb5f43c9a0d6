"""dlnet.h read as text: the declarations CFFI needs, the macros it cannot take.

Pure functions without side effects, so that setup.py can use them to
prebuild the declarations at install time (dlnet/_cdefs.py) without loading
the library.
"""
import hashlib
import re


def header_declarations(text):
    """The C declarations of dlnet.h in the dialect of ``cffi.FFI.cdef``.

    Comments, the C++ guards and preprocessor lines go; integer ``#define``
    constants stay (CFFI evaluates them); DLN_API is dropped."""
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    text = re.sub(r'#ifdef __cplusplus.*?#endif', '', text, flags=re.S)
    lines = []
    for line in text.splitlines():
        s = line.strip()
        if s.startswith('#'):
            if re.match(r'#define\s+DLN_\w+\s+-?\d+\s*$', s):
                lines.append(s)
            continue
        lines.append(line)
    return '\n'.join(lines).replace('DLN_API', '')


def header_float_macros(text):
    """Floating-point and string ``#define`` constants (CFFI takes integers only)."""
    out = {}
    for name, value in re.findall(r'^#define\s+(DLN_\w+)\s+(\S+)\s*$', text, flags=re.M):
        if re.fullmatch(r'-?\d+', value):
            continue
        if value.startswith('"'):
            out[name] = value.strip('"')
        else:
            try:
                out[name] = float(value)
            except ValueError:
                pass
    return out


def header_digest(text):
    """SHA-256 of the header text: ties prebuilt declarations to their header."""
    return hashlib.sha256(text.encode()).hexdigest()
