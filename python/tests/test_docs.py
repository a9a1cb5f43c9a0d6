"""The Python code of docs/python.md runs as printed (every ```python block
that is a program, i.e. does not start indented), in a scratch directory."""
import os
import re

import pytest

from conftest import TREE


def blocks():
    with open(os.path.join(TREE, 'docs', 'python.md')) as f:
        found = re.findall(r'```python\n(.*?)```', f.read(), flags=re.S)
    return [b for b in found if not b.startswith(' ')]


def test_the_docs_have_programs():
    assert len(blocks()) >= 2


@pytest.mark.parametrize('index', range(len(blocks())))
def test_docs_block_runs(index, tmp_path, monkeypatch, capsys):
    pytest.importorskip('torch')  # the tour converts to and from torch.nn.Sequential
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks()[index], 'docs/python.md block %d' % index, 'exec'), {})
