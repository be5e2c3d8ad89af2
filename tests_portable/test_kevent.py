"""select.kevent against CPython's own converters on this interpreter.

The constructor is compared with `PyArg_ParseTupleAndKeywords` called through
ctypes with the format string CPython uses for kevent on 64-bit FreeBSD and
macOS (`O|hHILK:kevent`); the attribute setters with the struct members of
`_testcapi`'s test type, whose setters are CPython's `PyMember_SetOne`.
"""

import ctypes
import operator
import socket
import sys
import warnings

import pytest
from rselect._rselect import _testing as t

kevent = t.kevent
assert t.LAYOUT == "freebsd"

KW = [b"ident", b"filter", b"flags", b"fflags", b"data", b"udata", None]
_kwlist = (ctypes.c_char_p * 7)(*KW)


def oracle(*args, **kwargs):
    """CPython's parsing of kevent()'s arguments: the six values, or the
    exception (type, message). The ident object is returned unconverted."""
    o = ctypes.py_object()
    # EV_SET(&e, 0, EVFILT_READ, EV_ADD, 0, 0, 0) first, as kevent_init does.
    h, H, I = ctypes.c_short(-1), ctypes.c_ushort(1), ctypes.c_uint()  # noqa: E741
    L, K = ctypes.c_longlong(), ctypes.c_ulonglong()
    f = ctypes.pythonapi.PyArg_ParseTupleAndKeywords
    f.restype = ctypes.c_int
    try:
        f(
            ctypes.py_object(tuple(args)),
            ctypes.py_object(kwargs) if kwargs else None,
            b"O|hHILK:kevent",
            _kwlist,
            *(ctypes.byref(x) for x in (o, h, H, I, L, K)),
        )
    except Exception as e:
        return (type(e), str(e))
    ident = o.value
    if isinstance(ident, int):
        if ident < 0:
            return (OverflowError, "can't convert negative value to size_t")
        if ident >= 2**64:
            return (OverflowError, "Python int too large to convert to C size_t")
    else:
        try:
            ident = _fildes(ident)
        except Exception as e:
            return (type(e), str(e))
    return (int(ident), h.value, H.value, I.value, L.value, K.value)


def _fildes(obj):
    # PyObject_AsFileDescriptor, as select.select() reaches it (the stock
    # module's own converter on this interpreter).
    import select

    r = select.select([obj], [], [], 0)  # raises the converter's errors
    del r
    return obj.fileno() if not isinstance(obj, int) else obj


def ours(*args, **kwargs):
    try:
        k = kevent(*args, **kwargs)
    except Exception as e:
        return (type(e), str(e))
    return (k.ident, k.filter, k.flags, k.fflags, k.data, k.udata)


class Idx:
    def __init__(self, v):
        self.v = v

    def __index__(self):
        return self.v


HOSTILE = [
    0,
    1,
    -1,
    2**15,
    -(2**15) - 1,
    2**16,
    2**31,
    2**32,
    2**63,
    -(2**63),
    -(2**63) - 1,
    2**64,
    2**64 + 3,
    -(2**64),
    2**100,
    -(2**100),
    True,
    1.5,
    float("nan"),
    None,
    "1",
    Idx(5),
    Idx(-1),
    Idx(2**70),
]

CASES = [
    ((), {}),
    ((1, 2, 3, 4, 5, 6, 7), {}),
    ((), dict(ident=1, filter=2, flags=3, fflags=4, data=5, udata=6, foo=1)),
    ((1,), dict(ident=2)),
    ((1,), dict(foo=2)),
    ((1, 2.5), dict(foo=1)),
    ((), dict(filter=1)),
    ((1,), dict(x=1, y=2)),
    ((1,), dict(udata=1.5)),
    ((1, -1, -1, -1, -1, -1), {}),
]
for pos in range(1, 6):
    for v in HOSTILE:
        args = [3] + [0] * (pos - 1) + [v]
        CASES.append((tuple(args), {}))
        CASES.append(((3,), {KW[pos].decode(): v}))
for v in HOSTILE:
    CASES.append(((v,), {}))


@pytest.mark.parametrize(("args", "kwargs"), CASES, ids=lambda x: repr(x)[:60])
def test_constructor_matches_cpython_parsing(args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ours(*args, **kwargs) == oracle(*args, **kwargs)


def test_ident_from_a_socket_and_bad_objects():
    a, b = socket.socketpair()
    with a, b:
        assert kevent(a).ident == a.fileno()
    with pytest.raises(
        TypeError, match=r"^argument must be an int, or have a fileno\(\) method\.$"
    ):
        kevent(1.5)


# kevent attribute -> the _testcapi member of the same C type.
MEMBERS = {
    "ident": "T_ULONGLONG",
    "filter": "T_SHORT",
    "flags": "T_USHORT",
    "fflags": "T_UINT",
    "data": "T_LONGLONG",
    "udata": "T_ULONGLONG",
}


def _capi_type():
    capi = pytest.importorskip("_testcapi")
    for name in ("_test_structmembersType_OldAPI", "_test_structmembersType"):
        if hasattr(capi, name):
            return getattr(capi, name)
    pytest.skip("no struct member test type in _testcapi")


def _assign(obj, name, value):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            setattr(obj, name, value)
        except Exception as e:
            return (type(e), str(e), [str(x.message) for x in w])
    return (getattr(obj, name), [(x.category, str(x.message)) for x in w])


@pytest.mark.parametrize("field", sorted(MEMBERS))
@pytest.mark.parametrize("value", HOSTILE, ids=repr)
def test_setters_match_cpython_struct_members(field, value):
    member = MEMBERS[field]
    capi = _capi_type()()
    setattr(capi, member, 0)
    k = kevent(0)
    setattr(k, field, 0)
    assert _assign(k, field, value) == _assign(capi, member, value)


@pytest.mark.parametrize("field", sorted(MEMBERS))
def test_deleting_an_attribute(field):
    with pytest.raises(TypeError, match=r"^can't delete numeric/char attribute$"):
        delattr(kevent(0), field)


def test_comparison_order_hash_and_repr():
    a = kevent(1)
    assert a == kevent(1) and not a != kevent(1)
    assert a < kevent(2) and kevent(2) > a and a <= kevent(1) and a >= kevent(1)
    # filter, then flags, ..., then udata compared as a signed intptr_t
    assert kevent(1, -2) < kevent(1, -1)
    assert kevent(1, udata=2**64 - 1) < kevent(1, udata=0)
    assert kevent(2**63) > kevent(1)
    assert (a == None) is False and (a != 3) is True  # noqa: E711
    for op in (operator.lt, operator.le, operator.gt, operator.ge):
        with pytest.raises(TypeError, match=r"not supported between instances of 'select\.kevent'"):
            op(a, None)
    with pytest.raises(TypeError, match=r"^unhashable type: 'select.kevent'$"):
        hash(a)
    assert repr(kevent(3, -2, 5, 6, -1, 7)) == (
        "<select.kevent ident=3 filter=-2 flags=0x5 fflags=0x6 data=0xffffffffffffffff udata=0x7>"
    )
    assert (
        repr(kevent(0))
        == "<select.kevent ident=0 filter=-1 flags=0x1 fflags=0x0 data=0x0 udata=0x0>"
    )


def test_type_surface():
    assert kevent.__module__ == "select" and kevent.__name__ == "kevent"
    assert kevent.__doc__.startswith("kevent(ident, filter=KQ_FILTER_READ")
    with pytest.raises(TypeError):

        class Sub(kevent):
            pass


def test_control_changelist_materialisation_and_copies():
    k = kevent(1)
    cases = [None, [k], (k,), iter([k]), (x for x in [k, k])]

    class Lying:
        def __len__(self):
            return 10

        def __iter__(self):
            return iter([k])

    cases.append(Lying())
    for c in cases:
        changes, maxevents, ts, ns = t.control_args(c, 4, None)
        assert maxevents == 4 and ts is None and ns is None
        assert all(x == k and x is not k for x in changes)
    k.ident = 9
    assert t.control_args([k], 0)[0][0].ident == 9
    with pytest.raises(TypeError, match=r"^changelist is not iterable$"):
        t.control_args(5, 1)
    with pytest.raises(
        TypeError, match=r"^changelist must be an iterable of select.kevent objects$"
    ):
        t.control_args([k, 1], 1)

    def boom():
        yield k
        raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        t.control_args(boom(), 1)


def test_control_maxevents_and_timeout_rules():
    with pytest.raises(ValueError, match=r"^Length of eventlist must be 0 or positive, got -1$"):
        t.control_args(None, -1)
    with pytest.raises(OverflowError, match=r"^Python int too large to convert to C int$"):
        t.control_args(None, 2**31)
    assert t.control_args(None, 0, 1.5)[2:] == ((1, 500_000_000), 1_500_000_000)
    assert t.control_args(None, 0, 0)[2] == (0, 0)
    assert t.control_args(None, 0, 1e-10)[2] == (0, 1)  # rounded away from zero
    bad_timeouts = ((float("nan"), "float"), ("1", "str"), (2**70, "int"), (1e300, "float"))
    if sys.version_info < (3, 15):
        # Every conversion error becomes this TypeError.
        for bad, name in bad_timeouts:
            with pytest.raises(
                TypeError, match=rf"^timeout argument must be a number or None, got {name}$"
            ):
                t.control_args(None, 0, bad)
    else:
        # 3.15 (gh-154836): only a TypeError is replaced; NaN and overflow pass.
        with pytest.raises(ValueError, match=r"^Invalid value NaN \(not a number\)$"):
            t.control_args(None, 0, float("nan"))
        with pytest.raises(TypeError, match=r"^timeout must be a real number or None, not str$"):
            t.control_args(None, 0, "1")
        for big in (2**70, 1e300):
            with pytest.raises(OverflowError, match=r"^timestamp out of range for C PyTime_t$"):
                t.control_args(None, 0, big)
    with pytest.raises(ValueError, match=r"^timeout must be positive or None$"):
        t.control_args(None, 0, -1e-9)
    # maxevents is checked before the timeout
    with pytest.raises(ValueError, match="Length of eventlist"):
        t.control_args(None, -1, "x")


def test_fork_invalidates_tracked_objects_from_3_12_1(tmp_path):
    import os

    obj = t.ForkTracked(99)
    pid = os.fork()
    if pid == 0:
        os._exit(0 if obj.closed else 1)
    _, status = os.waitpid(pid, 0)
    child_saw_closed = os.waitstatus_to_exitcode(status) == 0
    assert child_saw_closed is (sys.version_info >= (3, 12, 1))
    assert not obj.closed, "the parent keeps its object"
    obj.close()
    assert obj.closed


_HOOK_FAILS = """
import os, posix, warnings
import rselect._rselect as ext

def refuse(**kwargs):
    raise MemoryError("no room")

{patch}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    a = ext._testing.ForkTracked(97)
    b = ext._testing.ForkTracked(98)
for w in caught:
    print(w.category.__name__, w.message)
a.close()
b.close()
"""


@pytest.mark.skipif(sys.version_info < (3, 12, 1), reason="kqueue fork tracking: 3.12.1+")
@pytest.mark.parametrize(
    ("patch", "expected"),
    [
        (
            "posix.register_at_fork = refuse",
            "RuntimeWarning An exception of type <class 'MemoryError'> was raised while"
            " registering an after-fork handler for select.kqueue objects: no room\n",
        ),
        # The stock module looks the hook up in posix, not in os.
        ("os.register_at_fork = refuse", ""),
    ],
)
def test_after_fork_hook_registration_failure_warns_once(patch, expected):
    """gh-110395's registration: ``posix.register_at_fork``, tried once; a
    failure is one RuntimeWarning naming the exception type as ``%S`` does,
    and later objects neither retry nor warn again."""
    import subprocess

    script = _HOOK_FAILS.format(patch=patch)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert out == expected


def test_new_is_generic_and_init_parses_every_time():
    """Spec 8.2: tp_new is CPython's generic one (every field zero, whatever
    the arguments) and __init__ parses, also when called again: first the
    defaults, then each field as it is parsed, so a failure keeps the
    defaults and the fields parsed before it, and a failed ident conversion
    leaves (uintptr_t)-1."""
    bare = kevent.__new__(kevent, "ignored", flags="ignored")
    assert (bare.ident, bare.filter, bare.flags, bare.fflags, bare.data, bare.udata) == (0,) * 6
    ev = kevent(5, -2, 0x11, 3, 4, 5)
    ev.__init__(7)
    default = kevent(7)
    assert ev == default
    assert (ev.ident, ev.filter, ev.flags) == (7, default.filter, default.flags)
    ev = kevent(5, -2, 0x11, 3, 4, 5)
    with pytest.raises(TypeError, match="cannot be interpreted as an integer"):
        ev.__init__(9, -2, "x")
    # ident not stored (it comes last), filter parsed, flags back to the default.
    assert (ev.ident, ev.filter, ev.flags, ev.fflags) == (0, -2, default.flags, 0)
    with pytest.raises(TypeError, match="fileno"):
        ev.__init__("not a file", -2)
    assert (ev.ident, ev.filter) == (2**64 - 1, -2)
