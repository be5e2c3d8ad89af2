"""What ``help()``, ``inspect`` and editors see: the same names, signatures,
type names and reprs as the stock module of this interpreter, and its
docstrings word for word (the module's own docstring is rselect's: only its
first line is compared)."""

from __future__ import annotations

import inspect
import select as stock
import sys

import pytest
from rselect import _rselect as ours

PUBLIC = sorted(n for n in dir(stock) if not n.startswith("_"))


def _callables(module):
    out = {}
    for name in PUBLIC:
        obj = getattr(module, name)
        if callable(obj):
            out[name] = obj
    return out


def test_package_all_is_the_module_namespace():
    import rselect

    assert sorted(rselect.__all__) == sorted([*PUBLIC, "install", "installed", "uninstall"])
    assert all(getattr(rselect, n) is getattr(ours, n) for n in PUBLIC)


def test_no_kqueue_kevent_devpoll_on_linux():
    """selectors picks its default selector with hasattr(select, ...): the
    names of other platforms must not exist here, as in the stock module."""
    for name in ("kqueue", "kevent", "devpoll"):
        assert hasattr(stock, name) is hasattr(ours, name) is False, name
    assert not hasattr(ours, "_testing"), "a test build was installed"


def test_same_public_names():
    assert sorted(n for n in dir(ours) if not n.startswith("_")) == PUBLIC
    assert ours.__doc__ and ours.__doc__.split("\n")[0] == stock.__doc__.split("\n")[0]


@pytest.mark.parametrize("name", sorted(_callables(stock)))
def test_function_and_type_surface(name):
    a, b = getattr(stock, name), getattr(ours, name)
    if name == "error":
        assert b is a is OSError
        return
    assert type(a).__name__ == type(b).__name__
    assert a.__name__ == b.__name__ and a.__qualname__ == b.__qualname__
    assert a.__module__ == b.__module__
    assert repr(a) == repr(b)
    assert getattr(a, "__text_signature__", None) == getattr(b, "__text_signature__", None)
    assert bool(a.__doc__) == bool(b.__doc__)
    _same_signature(a, b)


def _same_signature(a, b):
    try:
        expected = str(inspect.signature(a))
    except (ValueError, TypeError) as e:
        with pytest.raises(type(e)):
            inspect.signature(b)
    else:
        assert str(inspect.signature(b)) == expected


def _objects(module):
    objs = {"poll": module.poll()}
    if hasattr(module, "epoll"):
        objs["epoll"] = module.epoll()
    return objs


@pytest.mark.parametrize("kind", ["poll", "epoll"])
def test_method_surface(kind):
    if not hasattr(stock, kind):
        pytest.skip(f"no {kind} here")
    a_obj, b_obj = _objects(stock)[kind], _objects(ours)[kind]
    try:
        a_type, b_type = type(a_obj), type(b_obj)
        assert (a_type.__name__, a_type.__qualname__, a_type.__module__) == (
            b_type.__name__,
            b_type.__qualname__,
            b_type.__module__,
        )
        names = sorted(
            n for n in dir(a_type) if not n.startswith("__") or n in ("__enter__", "__exit__")
        )
        assert names == sorted(
            n for n in dir(b_type) if not n.startswith("__") or n in ("__enter__", "__exit__")
        )
        for name in names:
            a, b = getattr(a_obj, name), getattr(b_obj, name)
            if not callable(a):  # closed: a property
                assert type(inspect.getattr_static(a_type, name)).__name__ in (
                    "getset_descriptor",
                    "property",
                )
                assert bool(inspect.getattr_static(a_type, name).__doc__) == bool(
                    inspect.getattr_static(b_type, name).__doc__
                )
                continue
            assert getattr(a, "__text_signature__", None) == getattr(
                b, "__text_signature__", None
            ), name
            assert bool(a.__doc__) == bool(b.__doc__), name
            _same_signature(a, b)
    finally:
        for obj in (a_obj, b_obj):
            if hasattr(obj, "close"):
                obj.close()


def _stub_methods(class_name: str) -> dict[str, list[tuple[str, str, bool]]]:
    """Methods of a class in the shipped stub: (name, kind, has default) per
    parameter, without self."""
    import ast
    import pathlib

    import rselect

    stub = pathlib.Path(rselect.__file__).with_name("_rselect.pyi")
    tree = ast.parse(stub.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            break
    else:
        raise AssertionError(f"{class_name} not in {stub}")
    out = {}
    for fn in node.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        a = fn.args
        params = []
        positional = [*a.posonlyargs, *a.args]
        first_default = len(positional) - len(a.defaults)
        for i, p in enumerate(positional):
            kind = "POSITIONAL_ONLY" if i < len(a.posonlyargs) else "POSITIONAL_OR_KEYWORD"
            params.append((p.arg, kind, i >= first_default))
        out[fn.name] = params[1:]  # without self
    return out


def test_poll_object_stub_matches_runtime():
    """stubtest cannot check `_Poll` (the type has no name at run time), so
    its methods are compared with the runtime signatures here."""
    obj = ours.poll()
    stub = _stub_methods("_Poll")
    assert sorted(stub) == sorted(n for n in dir(obj) if not n.startswith("_"))
    for name, params in stub.items():
        sig = inspect.signature(getattr(obj, name))
        runtime = [
            (p.name, p.kind.name, p.default is not inspect.Parameter.empty)
            for p in sig.parameters.values()
        ]
        assert runtime == params, name


def test_pickling_by_reference_follows_the_installed_module():
    """Functions and types name `select` as their module, as stock's do, so
    pickle finds them only while rselect is installed (README, differences)."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import pickle, rselect
        for obj in (rselect.select, rselect.poll, rselect.epoll):
            try:
                pickle.dumps(obj)
            except pickle.PicklingError as e:
                assert "not the same object as select." in str(e), e
            else:
                raise AssertionError(f"{obj!r} pickled while not installed")
        rselect.install()
        for obj in (rselect.select, rselect.poll, rselect.epoll):
            assert pickle.loads(pickle.dumps(obj)) is obj
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _docs(module) -> dict[str, str | None]:
    """Every docstring of the module's functions, types and their methods."""
    docs: dict[str, str | None] = {"select": module.select.__doc__}
    for kind, obj in _objects(module).items():
        try:
            docs[kind] = getattr(module, kind).__doc__
            for name in dir(type(obj)):
                if not name.startswith("__") or name in ("__enter__", "__exit__"):
                    docs[f"{kind}.{name}"] = inspect.getattr_static(type(obj), name).__doc__
        finally:
            if hasattr(obj, "close"):
                obj.close()
    return docs


def test_docstrings_are_the_running_interpreters():
    """Word for word, as they changed in 3.14 (re-wrapped) and 3.15 (the
    timeout wording), but for select()'s last paragraph, which says what
    rselect lifts instead of the stock module's Windows notice."""
    a, b = _docs(stock), _docs(ours)
    assert a.keys() == b.keys()
    notice, ours_note = "*** IMPORTANT NOTICE ***", "On Linux, descriptors above 1023"
    assert notice in a["select"] and ours_note in b["select"]
    a["select"] = a["select"].split(notice)[0]
    b["select"] = b["select"].split(ours_note)[0]
    for name in a:
        assert b[name] == a[name], name


@pytest.mark.parametrize("kind", ["poll", "epoll"])
def test_types_are_as_mutable_as_stock(kind):
    """3.15 made poll and epoll immutable types (gh-116946)."""
    if not hasattr(stock, kind):
        pytest.skip(f"no {kind} here")
    outcomes = []
    for module in (stock, ours):
        objs = _objects(module)
        ty = type(objs[kind])
        try:
            ty._rselect_probe = 1
        except TypeError as e:
            outcomes.append(str(e).replace(repr(ty), "<type>"))
        else:
            del ty._rselect_probe
            outcomes.append("set")
        finally:
            for obj in objs.values():
                if hasattr(obj, "close"):
                    obj.close()
    assert outcomes[0] == outcomes[1]
    assert (outcomes[0] == "set") is (sys.version_info < (3, 15))
