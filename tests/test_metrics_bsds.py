"""The BSDS500 region benchmark (collect_eval_reg's ODS/OIS/Best) and
`classicseg evaluate bsds`, on a tiny fake BSDS layout in tmp."""
import json

import cv2
import numpy as np
import pytest
from scipy.io import savemat

from classicseg import cli
from classicseg.evaluation import bsds_region_benchmark, expand_sweep
from classicseg.metrics import BSDSRegionAccumulator, partition_metrics
from classicseg.metrics.bsds import collect_region_scores

H, W = 6, 8


def stripes(k, vertical=True):
    """k equal stripes, labels 1..k."""
    idx = np.arange(W if vertical else H) * k // (W if vertical else H) + 1
    return np.tile(idx, (H, 1)) if vertical else np.tile(idx[:, None], (1, W))


def column_edges(seg):
    b = np.zeros(seg.shape, bool)
    b[:, np.flatnonzero(np.diff(seg[0])) + 1] = True
    return b


def write_fake(root, ids=("11", "22"), boundaries=column_edges):
    """Two images; annotators: 2 vertical stripes and 4 vertical stripes."""
    imgs, gts = root / "bsds500" / "images" / "val", root / "bsds500" / "groundTruth" / "val"
    imgs.mkdir(parents=True)
    gts.mkdir(parents=True)
    for i in ids:
        cv2.imwrite(str(imgs / f"{i}.png"), np.zeros((H, W, 3), np.uint8))
        (imgs / f"{i}.png").rename(imgs / f"{i}.jpg")  # PNG bytes; readers go by content
        cells = np.empty((1, 2), object)
        for k, seg in enumerate([stripes(2), stripes(4)]):
            cells[0, k] = {"Segmentation": seg.astype(np.uint16),
                           "Boundaries": boundaries(seg).astype(np.uint8)}
        savemat(str(gts / f"{i}.mat"), {"groundTruth": cells})
    return [stripes(2), stripes(4)]


def test_expand_sweep():
    assert expand_sweep({"n": [1, 2]}) == [{"n": 1}, {"n": 2}]
    assert expand_sweep({"n": [1, 2], "c": 5}) == [{"n": 1, "c": 5}, {"n": 2, "c": 5}]
    assert expand_sweep({"a": (1, 2), "b": [3, 4]})[1] == {"a": 1, "b": 4}
    assert expand_sweep([{"n": 3}]) == [{"n": 3}]
    assert expand_sweep({}) == [{}]
    with pytest.raises(ValueError, match="param_sweep is empty"):
        expand_sweep([])


def test_collect_follows_collect_eval_reg():
    settings = [{"t": 1}, {"t": 2}, {"t": 3}]
    # two images, area 10 each.  Image 0 covering per setting .5 .8 .8 (tie: OIS takes
    # the LAST best, ff(end)); image 1: .6 .2 .6
    cnt = np.array([[5., 8., 8.], [6., 2., 6.]])
    area = np.full((2, 3), 10.)
    pri = np.array([[.7, .9, .8], [.8, .6, .7]])
    voi = np.array([[2., 1., 3.], [1., 4., 2.]])
    cnt_best = np.array([9., 7.])  # each GT region at its own best setting
    r = collect_region_scores(settings, ["a", "b"], cnt, area, pri, voi,
                              np.ones((2, 3), int), cnt_best)
    # ODS: pooled per setting .55 .5 .7 -> setting 3
    assert r.covering_ods == pytest.approx(0.7) and r.covering_ods_setting == {"t": 3}
    assert r.covering_per_setting == pytest.approx([0.55, 0.5, 0.7])
    # OIS: image 0 at setting 3 (8), image 1 at setting 3 (6): 14 / 20
    assert r.covering_ois == pytest.approx(0.7)
    assert r.covering_best == pytest.approx(16 / 20)
    # PRI: means .75 .75 .75 -> ODS first maximum; OIS mean of maxima (.9 + .8) / 2
    assert r.pri_ods == pytest.approx(0.75) and r.pri_ods_setting == {"t": 1}
    assert r.pri_ois == pytest.approx(0.85)
    # VoI: means 1.5 2.5 2.5 -> setting 1; OIS mean of minima (1 + 1) / 2
    assert r.voi_ods == pytest.approx(1.5) and r.voi_ods_setting == {"t": 1}
    assert r.voi_ois == pytest.approx(1.0)
    assert r.boundary is None


def fake_segment(image, k):
    return stripes(k)


def test_benchmark_on_fake_layout(tmp_path):
    gts = write_fake(tmp_path)
    r = bsds_region_benchmark(fake_segment, {"k": [1, 2, 4, 8]}, root=tmp_path,
                              boundary=False)
    assert r.image_ids == ["11", "22"]
    per = [partition_metrics(gts, stripes(k)) for k in (1, 2, 4, 8)]
    assert r.covering_per_setting == pytest.approx([m.covering for m in per])
    assert r.pri_per_setting == pytest.approx([m.pri for m in per])
    assert r.voi_per_setting == pytest.approx([m.voi for m in per])
    assert r.n_segments[:, 2].tolist() == [4, 4]
    # Best: every GT region is matched perfectly at some setting (k=2 or k=4)
    assert r.covering_best == pytest.approx(1.0)
    assert r.covering_ods < 1.0 and r.covering_ods == max(m.covering for m in per)
    text = r.table()
    assert "Covering ODS" in text and "k=4" in text
    json.dumps(r.to_dict())
    # explicit folders give the same result; limit takes the first ids
    d = tmp_path / "bsds500"
    r2 = bsds_region_benchmark(fake_segment, [{"k": 2}], d / "images" / "val",
                               d / "groundTruth" / "val", limit=1, boundary=False)
    assert r2.image_ids == ["11"] and r2.covering_ods == pytest.approx(per[1].covering)


def test_benchmark_with_boundary_f(tmp_path):
    boundary = pytest.importorskip("classicseg.metrics.boundary")
    write_fake(tmp_path, boundaries=boundary.boundaries_from_labels)
    r = bsds_region_benchmark(fake_segment, {"k": [2, 4]}, root=tmp_path)
    # k=2 draws the 2-stripe annotator's line only: precision 1, recall (6+6)/(6+18);
    # k=4 draws every line of both annotators: P = R = F = 1
    b = r.boundary
    assert b.curve.precision.tolist() == [1.0, 1.0]
    assert b.curve.recall.tolist() == [0.5, 1.0]
    assert (b.ods_f, b.ois_f) == (1.0, 1.0)
    assert "| k=4 | 4 |" in r.table() and r.to_dict()["boundary"]["ods_f"] == 1.0


def test_benchmark_errors(tmp_path):
    write_fake(tmp_path)
    with pytest.raises(ValueError, match="segment_fn returned shape"):
        bsds_region_benchmark(lambda im, k: np.ones((2, 2), int), {"k": [1]},
                              root=tmp_path, boundary=False)
    with pytest.raises(ValueError, match="give both images_dir and gt_dir"):
        bsds_region_benchmark(fake_segment, {"k": [1]}, tmp_path, boundary=False)
    with pytest.raises(FileNotFoundError, match="bsds500 not found"):
        bsds_region_benchmark(fake_segment, {"k": [1]}, root=tmp_path / "nope",
                              boundary=False)
    with pytest.raises(FileNotFoundError, match="no <id>.mat"):
        bsds_region_benchmark(fake_segment, {"k": [1]}, tmp_path, tmp_path,
                              boundary=False)
    for limit in (0, -1):   # [:-1] would silently drop the last image
        with pytest.raises(ValueError, match=f"limit must be > 0, got {limit}"):
            bsds_region_benchmark(fake_segment, {"k": [1]}, root=tmp_path, limit=limit,
                                  boundary=False)


@pytest.fixture
def fake_method():
    from classicseg import segmenters

    @segmenters.register("stripes", segmenters.Param("n", int, 3, "stripes", low=1))
    def _stripes(image, *, channel_axis, n):
        return stripes(n)
    yield
    segmenters.unregister("stripes")


def test_cli_evaluate_bsds(tmp_path, fake_method, capsys):
    write_fake(tmp_path)
    out = tmp_path / "res.json"
    code = cli.main(["evaluate", "bsds", "--method", "stripes", "--sweep", "n=1,2,4",
                     "--data-root", str(tmp_path), "--no-boundary", "--json", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "method: stripes" in text and "| n=4 |" in text
    res = json.loads(out.read_text())
    assert res["settings"] == [{"n": 1}, {"n": 2}, {"n": 4}]
    assert res["covering_best"] == pytest.approx(1.0)
    assert res["image_ids"] == ["11", "22"]


def test_cli_evaluate_bsds_without_sweep_uses_the_flags(tmp_path, fake_method, capsys):
    write_fake(tmp_path)
    assert cli.main(["evaluate", "bsds", "--method", "stripes", "--n", "2", "--limit",
                     "1", "--data-root", str(tmp_path), "--no-boundary"]) == 0
    assert "(defaults)" in capsys.readouterr().out


def test_cli_evaluate_bsds_errors(tmp_path, fake_method, caplog):
    write_fake(tmp_path)
    base = ["evaluate", "bsds", "--method", "stripes", "--data-root", str(tmp_path),
            "--no-boundary"]
    assert cli.main(base + ["--sweep", "nope=1,2"]) == 2
    assert "expected NAME=V1,V2" in caplog.text
    assert cli.main(base + ["--sweep", "n=a,b"]) == 2
    assert cli.main(base + ["--sweep", "limit=1,2"]) == 2  # not a method flag
    assert cli.main(["evaluate", "bsds", "--method", "stripes", "--data-root",
                     str(tmp_path / "missing"), "--no-boundary"]) == 1
    assert "bsds500 not found" in caplog.text


@pytest.mark.parametrize("boundary", [False, True])
def test_region_accumulator_merge_equals_one_pass(boundary):
    settings = [{"k": k} for k in (1, 2, 4)]
    images = [([stripes(2), stripes(4)], [stripes(k) for k in (1, 2, 4)]),
              ([stripes(4, False)], [stripes(k, k % 2 == 0) for k in (1, 2, 4)]),
              ([stripes(3)], [stripes(k) for k in (4, 2, 1)])]
    one, a, b = (BSDSRegionAccumulator(settings, boundary=boundary) for _ in range(3))
    for i, (gts, segs) in enumerate(images):
        one.update(gts, segs, image_id=str(i))
        (a if i < 1 else b).update(gts, segs, image_id=str(i))
    assert a.merge(b).compute().to_dict() == one.compute().to_dict()
    a.reset()
    with pytest.raises(ValueError, match="no image was added"):
        a.compute()
    with pytest.raises(ValueError, match="same sweep"):
        a.merge(BSDSRegionAccumulator(settings[:1], boundary=boundary))
    with pytest.raises(ValueError, match="one per setting"):
        a.update([stripes(2)], [stripes(2)])
    with pytest.raises(TypeError, match="BSDSRegionAccumulator"):
        a.merge([])


def test_cli_evaluate_bsds_unwritable_json_is_reported(tmp_path, fake_method, caplog):
    write_fake(tmp_path)
    assert cli.main(["evaluate", "bsds", "--method", "stripes", "--data-root",
                     str(tmp_path), "--no-boundary", "--json", str(tmp_path)]) == 1
    assert "cannot write" in caplog.text



def test_covering_best_with_unlabelled_pixels_in_one_setting():
    # setting 2 leaves GT region 1 unlabelled (0), so its table lacks that region:
    # regions are matched by label (this used to fail on mismatched shapes)
    gt = np.repeat(np.arange(1, 5), 25).reshape(10, 10)
    masked = gt.copy()
    masked[gt == 1] = 0
    acc = BSDSRegionAccumulator([{"k": 1}, {"k": 2}], boundary=False)
    acc.update([gt], [np.ones_like(gt), masked])
    # setting 1: IoU 0.25 for every region; setting 2: 1 for regions 2..4
    assert acc.compute().covering_best == pytest.approx((25 * 0.25 + 75 * 1.0) / 100)
