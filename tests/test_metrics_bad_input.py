"""Bad input to every public metrics function (the fuzzing contract): a clear
ValueError/TypeError naming the argument, or a correct result -- never a crash, a
Numba typing traceback or a silent wrong answer."""
import numpy as np
import pytest

from classicseg import metrics as M

GT = np.array([[1, 1, 2, 2], [1, 1, 2, 3]])
PR = np.array([[1, 2, 2, 2], [1, 1, 3, 3]])
BOOL = GT != 1

# name -> call(y_true, y_pred); every one takes two integer label maps
LABEL_METRICS = {
    "confusion_matrix": lambda t, p: M.confusion_matrix(t, p, 4),
    "semantic_metrics": lambda t, p: M.semantic_metrics(t, p, 4).to_dict(),
    "miou": lambda t, p: M.miou(t, p, 4),
    "mean_dice": lambda t, p: M.mean_dice(t, p, 4),
    "pixel_accuracy": lambda t, p: M.pixel_accuracy(t, p, 4),
    "contingency": lambda t, p: M.contingency(t, p).to_dict(),
    "partition_metrics": lambda t, p: M.partition_metrics(t, p),
    "segmentation_covering": M.segmentation_covering,
    "probabilistic_rand_index": M.probabilistic_rand_index,
    "variation_of_information": M.variation_of_information,
    "adapted_rand_error": M.adapted_rand_error,
    "undersegmentation_error": M.undersegmentation_error,
    "achievable_segmentation_accuracy": M.achievable_segmentation_accuracy,
    "boundary_recall": M.boundary_recall,
    "superpixel_metrics": lambda t, p: M.superpixel_metrics(t, p),
    "boundary_prf": lambda t, p: M.boundary_prf(t, p, max_dist=1),
    "panoptic_quality": lambda t, p: M.panoptic_quality(
        t, p, {1: 1, 2: 1, 3: 2}, {1: 1, 2: 1, 3: 2}, {1: True, 2: False}),
    "compactness": lambda t, p: M.compactness(p),
    "explained_variation": lambda t, p: M.explained_variation(t * 1.0, p),
}


@pytest.mark.parametrize("name", sorted(LABEL_METRICS))
@pytest.mark.parametrize("dtype", [">i4", ">u2", ">i8"])
def test_big_endian_labels_give_the_native_result(name, dtype):
    f = LABEL_METRICS[name]
    want = f(GT, PR)
    got = f(GT.astype(dtype), PR.astype(dtype))
    assert M.to_jsonable(got) == M.to_jsonable(want)


@pytest.mark.parametrize("name", sorted(set(LABEL_METRICS) - {"compactness",
                                                              "explained_variation"}))
@pytest.mark.parametrize("which", ["y_true", "y_pred"])
def test_float_labels_are_refused_naming_the_argument(name, which):
    t, p = (GT * 1.0, PR) if which == "y_true" else (GT, PR * 1.0)
    with pytest.raises(TypeError, match=which):
        LABEL_METRICS[name](t, p)


@pytest.mark.parametrize("name", sorted(set(LABEL_METRICS) - {"compactness"}))
def test_shape_mismatch_is_refused(name):
    with pytest.raises(ValueError, match="shape"):
        LABEL_METRICS[name](GT, PR[:, :3])


@pytest.mark.parametrize("call", [
    lambda v: M.confusion_matrix(GT, PR, 4, ignore_index=v),
    lambda v: M.semantic_metrics(GT, PR, 4, ignore_index=v),
    lambda v: M.miou(GT, PR, 4, ignore_index=v),
    lambda v: M.mean_dice(GT, PR, 4, ignore_index=v),
    lambda v: M.ConfusionMatrix(4, ignore_index=v),
    lambda v: M.partition_metrics(GT, PR, ignore_index=v),
    lambda v: M.adapted_rand_error(GT, PR, ignore_index=v),
    lambda v: M.PartitionAccumulator(ignore_index=v),
])
def test_ignore_index_is_checked_everywhere(call):
    with pytest.raises(ValueError, match="ignore_index=.* outside the int64 range"):
        call(2 ** 70)
    with pytest.raises(TypeError, match="ignore_index must be an int"):
        call(1.0)
    call(None)


def test_ignore_index_default_is_none_everywhere():
    import inspect
    for f in (M.confusion_matrix, M.semantic_metrics, M.miou, M.mean_dice,
              M.pixel_accuracy, M.partition_metrics, M.segmentation_covering,
              M.probabilistic_rand_index, M.variation_of_information,
              M.adapted_rand_error, M.ConfusionMatrix, M.PartitionAccumulator):
        assert inspect.signature(f).parameters["ignore_index"].default is None, f


def test_y_true_y_pred_come_first_everywhere():
    import inspect
    for name in M.__all__:
        f = getattr(M, name)
        if not callable(f) or isinstance(f, type):
            continue
        params = list(inspect.signature(f).parameters)
        if "y_true" in params:
            assert params[:2] == ["y_true", "y_pred"], name
        assert not {"labels_true", "labels_pred", "labels_a", "labels_b"} & set(params)


def test_boolean_boundary_maps_are_accepted_where_documented():
    assert M.boundary_recall(BOOL, PR) == M.boundary_recall(BOOL.astype(">u1") != 0, PR)
    assert M.boundary_prf(BOOL, BOOL, max_dist=1, thin=False).f == 1.0
