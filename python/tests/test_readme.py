"""The Python example of README.md runs as printed, prints what the README shows,
and tells the same story as the C example (the same lines)."""
import os
import subprocess
import sys

from conftest import PACKAGE, TREE


def block(text, mark):
    """The lines of the first fenced block after the line ``mark``."""
    lines = text.splitlines()
    start = lines.index(mark)
    fence = next(i for i in range(start + 1, len(lines)) if lines[i].startswith('```'))
    end = next(i for i in range(fence + 1, len(lines)) if lines[i].startswith('```'))
    return '\n'.join(lines[fence + 1:end]) + '\n'


def test_readme_python_example(tmp_path):
    with open(os.path.join(TREE, 'README.md')) as f:
        readme = f.read()
    code = block(readme, '<!-- readme-python -->')
    expected = block(readme, '<!-- readme-python-output -->')
    assert 'import dlnet' in code and expected.strip()
    script = tmp_path / 'example.py'
    script.write_text(code)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(PACKAGE))
    out = subprocess.run([sys.executable, str(script)], check=True, capture_output=True,
                         text=True, env=env).stdout
    assert out == expected
    assert expected == block(readme, '<!-- readme-output -->')  # the C example's output
