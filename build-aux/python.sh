#!/bin/sh
# python.sh [CANDIDATE...] - print the first Python 3 interpreter that can run
# the dlnet package and its tests (NumPy, CFFI, pytest, and pip with setuptools
# for the offline install). Candidates: the arguments ($(PYTHON) of make),
# then python3 on PATH, then Debian's /usr/bin/python3 (the first python3 on
# PATH may be a separate interpreter without Debian's packages). If none has
# them, say exactly what each one lacks.
set -u
report=""
for py in "$@" python3 /usr/bin/python3; do
    [ -n "$py" ] || continue
    command -v "$py" >/dev/null 2>&1 || continue
    missing=$("$py" -c '
import importlib.util as u
print(" ".join(m for m in ("numpy", "cffi", "pytest", "pip", "setuptools")
               if u.find_spec(m) is None))' 2>/dev/null) ||
        continue
    if [ -z "$missing" ]; then
        command -v "$py"
        exit 0
    fi
    report="$report
  $(command -v "$py") lacks: $missing"
done
echo "python.sh: no Python 3 interpreter with NumPy, CFFI, pytest, pip and setuptools:$report" >&2
echo "python.sh: on Debian: apt-get install python3-numpy python3-cffi python3-pytest" \
     "python3-pip python3-setuptools" \
     "(and run make with PYTHON=/usr/bin/python3 if another python3 comes first on PATH)" >&2
exit 1
