import torch

from generation.backends.builtin import build_builtin_pipeline, builtin_model_dir, write_tokenizer_files


def test_builtin_model_is_the_same_on_every_build(tmp_path):
    first = build_builtin_pipeline(tmp_path / "a")
    second = build_builtin_pipeline(tmp_path / "b")
    for name in ("unet", "vae", "text_encoder"):
        left = getattr(first, name).state_dict()
        right = getattr(second, name).state_dict()
        assert all(torch.equal(left[key], right[key]) for key in left), name


def test_builtin_model_is_cached_once(tmp_path):
    folder = builtin_model_dir(tmp_path)
    stamp = (folder / "model_index.json").stat().st_mtime_ns
    assert builtin_model_dir(tmp_path) == folder
    assert (folder / "model_index.json").stat().st_mtime_ns == stamp
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".building-")]


def test_tokenizer_takes_any_text_and_truncates_long_prompts(tmp_path):
    tokenizer = write_tokenizer_files(tmp_path)
    short = tokenizer("plus de couleurs ✨ 東京").input_ids
    assert tokenizer.decode(short, skip_special_tokens=True).strip() == "plus de couleurs ✨ 東京"
    long = tokenizer("plus de couleurs ✨ 東京 " * 20, truncation=True, max_length=77).input_ids
    assert len(long) == 77
