"""Fixtures of the tool tests."""
import runpy

import pytest
import torch


@pytest.fixture
def run_tool(request, capsys):
    """Run the ``main`` of the test module's ``TOOL`` script in this
    process, single-threaded; returns ``(exit code, captured output)``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    tool = request.module.TOOL

    def run(*args):
        code = runpy.run_path(tool)['main']([str(a) for a in args])
        return code, capsys.readouterr()

    yield run
    torch.set_num_threads(threads)
