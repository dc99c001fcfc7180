import json

import numpy as np
import pytest

from classicseg.shallow import MODEL_VERSION, LightGBMClassifier, ShallowSegmenter
from conftest import BSDS_ROOT

TILE = 8


def tiles(image):
    """8x8 tiles: superpixels whose edges fall on the scenes' class boundaries."""
    H, W = image.shape[:2]
    yy, xx = np.mgrid[:H, :W]
    return (yy // TILE) * (W // TILE) + xx // TILE + 1


def two_textures(seed, ignore=None):
    """Stripes left of a random tile column, noise right; the same mean gray."""
    r = np.random.default_rng(seed)
    H, W = 64, 96
    cut = TILE * int(r.integers(2, 10))
    truth = np.zeros((H, W), np.int64)
    truth[:, cut:] = 1
    yy, xx = np.mgrid[:H, :W]
    stripes = 127 + 90 * np.sign(np.sin(xx * 1.3 + yy * 0.4))
    gray = np.where(truth == 0, stripes, r.normal(127, 50, (H, W)))
    if ignore is not None:
        truth[r.random((H, W)) < 0.3] = ignore
        truth[:TILE, :TILE] = ignore           # a tile with no labelled pixel
    return np.clip(gray, 0, 255).astype(np.uint8), truth


def small(**options):
    """A quick model on the tiles."""
    return ShallowSegmenter(superpixels=tiles, classifier=LightGBMClassifier(
        n_estimators=30, n_jobs=1), **options)


@pytest.fixture(scope="module")
def trained():
    data = [two_textures(i, ignore=255) for i in range(8)]
    model = small()
    model.fit([a for a, _ in data], [b for _, b in data], num_classes=2,
              ignore_index=255)
    return model


def test_learns_a_two_texture_scene_perfectly(trained):
    test = [two_textures(100 + i) for i in range(4)]
    for image, truth in test:
        assert (trained.predict(image) == truth).all()
    scores = trained.score([a for a, _ in test], [b for _, b in test])
    assert scores.pixel_accuracy == 1.0 and scores.mean_accuracy == 1.0


def test_probabilities_and_the_ignore_label(trained):
    image, _ = two_textures(200)
    proba = trained.predict_proba(image)
    assert proba.shape == image.shape + (2,) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(-1), 1, atol=1e-5)
    np.testing.assert_array_equal(proba.argmax(-1), trained.predict(image))
    assert set(np.unique(trained.predict(image))) <= {0, 1}   # never 255


def test_classes_absent_from_training_get_zero_probability():
    data = [two_textures(i) for i in range(3)]
    model = small(smoothing=None)
    model.fit([a for a, _ in data], [b for _, b in data], num_classes=4)
    proba = model.predict_proba(data[0][0])
    assert proba.shape[-1] == 4 and (proba[..., 2:] == 0).all()


def test_a_single_training_class_is_predicted_everywhere():
    image, truth = two_textures(0)
    model = small().fit([image], [np.zeros_like(truth)], num_classes=3)
    assert (model.predict(image) == 0).all()


def saved(tmp_path, n_images, n_trees):
    """A model on SLIC superpixels (savable), trained and written."""
    data = [two_textures(i) for i in range(n_images)]
    model = ShallowSegmenter(superpixels=("slic", {"n": 60}),
                             classifier=LightGBMClassifier(n_estimators=n_trees,
                                                           n_jobs=1))
    model.fit([a for a, _ in data], [b for _, b in data])
    return model, model.save(tmp_path / "model.json")


def test_save_load_round_trip_is_bit_identical(tmp_path):
    model, path = saved(tmp_path, 4, 20)
    again = ShallowSegmenter.load(path)
    again.save(tmp_path / "again.json")
    assert path.read_bytes() == (tmp_path / "again.json").read_bytes()
    image = two_textures(50)[0]
    np.testing.assert_array_equal(model.predict_proba(image), again.predict_proba(image))


def test_load_refuses_tampered_wrong_version_and_foreign_files(tmp_path):
    _, path = saved(tmp_path, 3, 5)
    doc = json.loads(path.read_text())

    tampered = json.loads(path.read_text())
    tampered["model"]["smoothing"]["weight"] = 99.0
    (tmp_path / "t.json").write_text(json.dumps(tampered))
    with pytest.raises(ValueError, match="checksum"):
        ShallowSegmenter.load(tmp_path / "t.json")

    doc["version"] = MODEL_VERSION + 1
    (tmp_path / "v.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="version"):
        ShallowSegmenter.load(tmp_path / "v.json")

    (tmp_path / "f.json").write_text(json.dumps({"format": "pickle"}))
    with pytest.raises(ValueError, match="not a classicseg model"):
        ShallowSegmenter.load(tmp_path / "f.json")
    (tmp_path / "b.json").write_bytes(b"\x80\x04\x95 pickle bytes")
    with pytest.raises(ValueError, match="not a classicseg model"):
        ShallowSegmenter.load(tmp_path / "b.json")


def test_any_sklearn_estimator_can_classify():
    from sklearn.ensemble import RandomForestClassifier
    data = [two_textures(i) for i in range(4)]
    model = ShallowSegmenter(superpixels=tiles, classifier=RandomForestClassifier(
        n_estimators=20, random_state=0))
    model.fit([a for a, _ in data], [b for _, b in data])
    image, truth = two_textures(300)
    assert (model.predict(image) == truth).mean() > 0.95
    with pytest.raises(TypeError, match="cannot be saved"):
        model.save("unused.json")


def test_bad_input(tmp_path):
    image, truth = two_textures(0)
    model = small()
    with pytest.raises(ValueError, match="empty"):
        model.fit([], [])
    with pytest.raises(ValueError, match="entries"):
        model.fit([image], [truth, truth])
    with pytest.raises(ValueError, match="shape"):
        model.fit([image], [truth[:10]])
    with pytest.raises(ValueError, match="outside 0..1"):
        model.fit([image], [truth + 1], num_classes=2)
    with pytest.raises(ValueError, match="no labelled pixel"):
        model.fit([image], [np.full_like(truth, 255)], num_classes=2, ignore_index=255)
    with pytest.raises(RuntimeError, match="not trained"):
        model.predict(image)
    with pytest.raises(ValueError, match="superpixels"):
        ShallowSegmenter(superpixels="slic")
    with pytest.raises(ValueError, match="no parameter"):
        ShallowSegmenter(superpixels=("slic", {"segments": 5}))
    with pytest.raises(ValueError, match="smoothing takes"):
        ShallowSegmenter(smoothing={"beta": 1})
    with pytest.raises(ValueError, match="every pixel"):
        ShallowSegmenter(superpixels=lambda im: tiles(im) * 0).fit([image], [truth])
    with pytest.raises(ValueError, match="class_weight"):
        ShallowSegmenter(class_weight=-1)


CAMVID = BSDS_ROOT / "camvid" / "train.txt"


@pytest.mark.slow
@pytest.mark.skipif(not CAMVID.is_file(), reason="needs ../shared/data/camvid")
def test_camvid_smoke(tmp_path):
    from classicseg.datasets import CAMVID_IGNORE_INDEX, camvid_pairs
    # every 30th frame: the sequences differ (the first frames alone are one dusk)
    train, val = camvid_pairs(None, "train")[::30], camvid_pairs(None, "val")[::25]
    model = ShallowSegmenter(classifier=LightGBMClassifier(n_estimators=30))
    model.fit([i for i, _ in train], [a for _, a in train], num_classes=11,
              ignore_index=CAMVID_IGNORE_INDEX)
    scores = model.score([i for i, _ in val], [a for _, a in val])
    assert scores.pixel_accuracy > 0.6, scores.pixel_accuracy   # 0.69 measured
    path = model.save(tmp_path / "camvid.json")
    assert path.stat().st_size < 50e6
