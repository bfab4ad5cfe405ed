"""tools/gen_composites.py, tools/gen_coarse_masks.py and
tools/gen_real_data.py, run in-process."""
import os
import runpy

import pytest

ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tool(name):
    return runpy.run_path(os.path.join(ROOT, 'tools', name))['main']


def test_composites_then_coarse_masks(tmp_path, capsys):
    gen_composites = tool('gen_composites.py')
    assert gen_composites(
        ['--out', str(tmp_path), '--num', '3', '--seed', '2', '--size', '40',
         '56', '--no-progress']) == 0
    assert 'composites/s' not in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / 'images').iterdir()) == [
        '000000.jpg', '000001.jpg', '000002.jpg'
    ]
    gen_coarse = tool('gen_coarse_masks.py')
    assert gen_coarse(
        [str(tmp_path / 'masks'),
         str(tmp_path), '--workers', '2']) == 0
    assert len(list((tmp_path / 'coarse_expand').iterdir())) == 3
    assert 'masks/s' in capsys.readouterr().err  # the package's bar
    (tmp_path / 'masks' / 'broken.png').write_bytes(b'')
    assert gen_coarse([str(tmp_path / 'masks'), str(tmp_path)]) == 1
    assert 'broken.png' in capsys.readouterr().err


def test_bad_arguments_exit_with_usage():
    with pytest.raises(SystemExit):
        tool('gen_composites.py')(['out'])  # --num is required


def test_bad_output_folder_arguments(capsys):
    for argv in (['--num', '1'], ['a', '--out', 'b', '--num', '1'],
                 ['a', '--num', '1', '--size', '0', '0']):
        with pytest.raises(SystemExit):
            tool('gen_composites.py')(argv)
    err = capsys.readouterr().err
    assert 'the output folder is required: OUT_DIR or --out' in err
    assert 'OUT_DIR a and --out b differ' in err
    assert '--size 0 0: each side must be >= 16' in err
    with pytest.raises(SystemExit):
        tool('gen_real_data.py')(['a', '--split', 'val', '--num', '1',
                                  '--max-side', '0'])
    assert '--max-side 0: must be >= 64' in capsys.readouterr().err


def test_missing_mask_folder_is_one_error_line(tmp_path, capsys):
    code = tool('gen_coarse_masks.py')([str(tmp_path / 'nope'),
                                        str(tmp_path / 'out')])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and err[0].startswith('error: ')
    assert 'nope' in err[0]


@pytest.mark.parametrize('split,says', [
    ('val', "scikit-image's photos are all train photos"),
    ('train', 'install scikit-image')])
def test_no_photos_names_where_they_come_from(tmp_path, capsys, monkeypatch,
                                              split, says):
    main = tool('gen_real_data.py')
    monkeypatch.setitem(main.__globals__, 'find_photos', lambda *_: [])
    assert main([str(tmp_path), '--split', split, '--num', '1']) == 1
    err = capsys.readouterr().err
    assert err.startswith(f'error: only 0 {split} photos found') and says in err
    assert 'pip install scikit-learn matplotlib' in err
    assert 'apt-get install mate-backgrounds' in err
