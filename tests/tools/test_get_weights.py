"""tools/get_weights.py: where the releases are, where they go, a check."""
import os
import sys

import torch

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, 'tools', 'get_weights.py')


def test_an_empty_cache_lists_links_and_places(run_tool, weights_home):
    code, output = run_tool()
    assert code == 0
    for name, drive_id in (('lr', '1FrhbdwNyTlQYNbF9IgFF2tY3iQXHFcau'),
                           ('hr', '143kerk4WOerGZMqR-cAETb7rOcoQ0CQ_')):
        assert f'drive.google.com/file/d/{drive_id}' in output.out
        place = os.path.join(weights_home, f'segrefiner_{name}_latest.pth')
        assert f'place it at {place}' in output.out
    assert output.out.count('missing: download it') == 2


def test_placed_files_are_verified(run_tool, lr_home, tiny_refiner):
    code, output = run_tool('lr')
    assert code == 0
    assert 'matches LR-SegRefiner' in output.out
    assert '453 tensors, 118,604,673 parameters' in output.out
    torch.save(tiny_refiner.state_dict(),
               os.path.join(lr_home, 'segrefiner_hr_latest.pth'))
    code, output = run_tool()
    assert code == 1
    assert 'likely cause: the file holds the tiny UNet' in output.out


def test_verify_a_file(run_tool, malicious_checkpoint, repo_root):
    demo = os.path.join(repo_root, 'segrefiner', 'model_zoo', 'demo.safetensors')
    assert run_tool('--verify', demo, '--as', 'demo')[0] == 0
    assert run_tool('--verify', demo)[0] == 1  # not the official model
    evil, marker = malicious_checkpoint
    code, output = run_tool('--verify', evil, '--as', 'demo')
    assert code == 1 and 'refused to load' in output.out
    assert not marker.exists()


def test_fetch_without_gdown_says_what_to_do(run_tool, weights_home,
                                             monkeypatch):
    monkeypatch.setitem(sys.modules, 'gdown', None)
    code, output = run_tool('hr', '--fetch')
    assert code == 1
    assert 'needs the optional gdown package' in output.out
    assert 'segrefiner_hr_latest.pth' in output.out
    assert os.listdir(weights_home) == []
