import subprocess
import sys

import torch

from segrefiner.apis import init_refiner


def test_convert_writes_a_weights_only_project_checkpoint(
        tmp_path, tiny_config, repo_root):
    torch.manual_seed(3)
    source = init_refiner(tiny_config, 'random')
    state = dict(source.state_dict())
    state['loss_texture.sobel.conv_x.weight'] = torch.zeros(1, 1, 3, 3)
    src, dst = tmp_path / 'official.pth', tmp_path / 'out' / 'project.pth'
    torch.save(dict(state_dict=state), src)
    run = subprocess.run([
        sys.executable, f'{repo_root}/tools/convert_official_checkpoint.py',
        str(src), str(dst), '--config', tiny_config
    ], capture_output=True, text=True, cwd=repo_root)
    assert run.returncode == 0, run.stderr
    assert 'wrote' in run.stdout
    ckpt = torch.load(dst, weights_only=True)
    assert ckpt['meta']['converted_from'] == 'official.pth'
    assert not any(k.startswith('loss_texture') for k in ckpt['state_dict'])
    model = init_refiner(tiny_config, str(dst))
    assert torch.equal(model.denoise_model.out[2].weight,
                       source.denoise_model.out[2].weight)
    assert list(tmp_path.glob('out/*.tmp*')) == []


def test_convert_reports_bad_input_and_keeps_existing_output(
        tmp_path, tiny_config, repo_root):
    src, dst = tmp_path / 'bad.pth', tmp_path / 'keep.pth'
    torch.save({'denoise_model.nothing': torch.zeros(1)}, src)
    dst.write_bytes(b'previous result')
    run = subprocess.run([
        sys.executable, f'{repo_root}/tools/convert_official_checkpoint.py',
        str(src), str(dst), '--config', tiny_config
    ], capture_output=True, text=True, cwd=repo_root)
    assert run.returncode != 0
    assert 'bad.pth' in run.stderr and 'missing keys' in run.stderr
    assert dst.read_bytes() == b'previous result'


def test_convert_and_export_refuse_a_malicious_checkpoint(
        tmp_path, tiny_config, repo_root, malicious_checkpoint):
    evil, marker = malicious_checkpoint
    for tool, args in (('convert_official_checkpoint.py',
                        [str(evil), str(tmp_path / 'c.pth'), '--config',
                         tiny_config]),
                       ('export_weights.py',
                        [tiny_config, str(evil), str(tmp_path / 'e.pth')])):
        run = subprocess.run([sys.executable, f'{repo_root}/tools/{tool}',
                              *args], capture_output=True, text=True,
                             cwd=repo_root)
        assert run.returncode != 0, tool
        assert 'refused to load' in run.stderr, tool
    assert not marker.exists()
    assert not (tmp_path / 'c.pth').exists()
    assert not (tmp_path / 'e.pth').exists()


def test_a_trusted_legacy_release_is_converted_once(tmp_path, tiny_config,
                                                     repo_root):
    torch.manual_seed(5)
    source = init_refiner(tiny_config, 'random')
    src, dst = tmp_path / 'legacy.pth', tmp_path / 'safe.pth'
    torch.save(dict(state_dict=source.state_dict()), src,
               _use_new_zipfile_serialization=False)
    tool = [sys.executable, f'{repo_root}/tools/convert_official_checkpoint.py',
            str(src), str(dst), '--config', tiny_config]
    run = subprocess.run(tool, capture_output=True, text=True, cwd=repo_root)
    assert run.returncode == 1 and not dst.exists()
    assert run.stderr.startswith(f'error: {src}: refused to load: a legacy')
    assert 'Traceback' not in run.stderr
    run = subprocess.run(tool + ['--trust-checkpoint'], capture_output=True,
                         text=True, cwd=repo_root)
    assert run.returncode == 0, run.stderr
    model = init_refiner(tiny_config, str(dst))  # no trust needed now
    assert torch.equal(model.denoise_model.out[2].weight,
                       source.denoise_model.out[2].weight)


def test_export_writes_safetensors_from_a_training_checkpoint(
        tmp_path, tiny_config, repo_root):
    import numpy as np
    torch.manual_seed(6)
    source = init_refiner(tiny_config, 'random')
    src = tmp_path / 'iter_9.pth'
    torch.save(dict(meta=dict(iter=np.int64(9)),
                    state_dict=source.state_dict(),
                    optimizer=dict(state={})), src)
    for name in ('w.safetensors', 'w.pth'):
        out = tmp_path / name
        run = subprocess.run([
            sys.executable, f'{repo_root}/tools/export_weights.py',
            tiny_config, str(src), str(out)
        ], capture_output=True, text=True, cwd=repo_root)
        assert run.returncode == 0, run.stderr
        model = init_refiner(tiny_config, str(out))
        for key, value in source.state_dict().items():
            assert torch.equal(model.state_dict()[key], value), key
    import safetensors
    with safetensors.safe_open(tmp_path / 'w.safetensors', 'pt') as file:
        assert len(list(file.keys())) == len(source.state_dict())
