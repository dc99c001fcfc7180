"""classicseg._kernels, the shared kernel primitives, and the kernel cache they need."""
import importlib

from classicseg import _numba


def test_cached_kernels_are_stale_when_a_shared_primitive_changes(tmp_path, monkeypatch):
    module = tmp_path / "algo.py"
    module.write_text("def kernel(): pass\n")
    shared = tmp_path / "_kernels"
    shared.mkdir()
    (shared / "heap.py").write_text("A = 1\n")
    monkeypatch.setattr(_numba, "_SHARED", str(shared))
    before = _numba._package_stamp(str(module))
    assert _numba._package_stamp(str(module)) == before
    (shared / "heap.py").write_text("A = 22\n")
    assert _numba._package_stamp(str(module)) != before


def test_package_kernels_use_the_package_stamp():
    from classicseg.slic import _slic_kernel
    locator = _slic_kernel._cache._impl.locator
    assert type(locator).__name__.startswith("PackageStamped")
    assert locator.get_source_stamp() == _numba._package_stamp(
        importlib.import_module("classicseg.slic").__file__)
