import json

import numpy as np

from classicseg import cli
from classicseg.io import read_labels, write_image, write_labels
from test_shallow import two_textures


def _folders(tmp_path, n=4):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.mkdir()
    labels.mkdir()
    for i in range(n):
        image, truth = two_textures(i)
        write_image(images / f"scene{i}.png", image)
        write_labels(labels / f"scene{i}.png", truth)
    return images, labels


def test_train_then_predict_folders(tmp_path, caplog):
    images, labels = _folders(tmp_path)
    model = tmp_path / "model.json"
    code = cli.main(["train", "--dataset", "folders", "--images", str(images),
                     "--labels", str(labels), "--superpixels", "60", "--trees", "10",
                     "-o", str(model)])
    assert code == 0 and model.is_file()
    (images / "broken.png").write_bytes(b"not a png")
    out = tmp_path / "out"
    code = cli.main(["predict", str(model), str(images), "-o", str(out)])
    assert code == 1                                  # the broken file failed
    assert "broken.png" in caplog.text and "4 predicted, 1 failed" in caplog.text
    for i in range(4):
        classes = read_labels(out / f"scene{i}_classes.png")
        truth = read_labels(labels / f"scene{i}.png")
        assert classes.shape == truth.shape and set(np.unique(classes)) <= {0, 1}
        assert (classes == truth).mean() > 0.8
        assert (out / f"scene{i}_color.png").is_file()
    scores = tmp_path / "scores.json"   # the predictions scored as they were written
    assert cli.main(["evaluate", "semantic", str(out), str(labels), "--num-classes", "2",
                     "--json", str(scores)]) == 0
    assert json.loads(scores.read_text())["num_images"] == 4


def test_train_and_predict_report_bad_input(tmp_path, caplog):
    assert cli.main(["train", "--dataset", "folders", "-o", str(tmp_path / "m")]) == 1
    assert "--images" in caplog.text
    images, labels = _folders(tmp_path, 2)
    (labels / "scene1.png").unlink()
    assert cli.main(["train", "--dataset", "folders", "--images", str(images),
                     "--labels", str(labels), "-o", str(tmp_path / "m")]) == 1
    assert "no label map for scene1" in caplog.text
    (tmp_path / "fake.json").write_text("{}")
    assert cli.main(["predict", str(tmp_path / "fake.json"), str(images), "-o",
                     str(tmp_path / "o")]) == 2
    assert "not a classicseg model" in caplog.text
