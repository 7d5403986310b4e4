"""``@rekostub.stub(...)`` as a decorator: on a function, a coroutine function or a test class.

Each decorated call gets a fresh fake. On a class, each test gets one fake for its whole life:
``unittest.TestCase`` runs ``setUp``, the test, ``tearDown`` and cleanups inside it (``run`` is
wrapped); a pytest class gets it from ``setup_method`` to ``teardown_method`` (both are added or
wrapped), so fixtures and tests see the same fake. The fake is ``self.fake_rekognition``, and a
test method with a ``fake_rekognition`` parameter is passed it. What cannot be wrapped faithfully
(a generator, a class with no test, a classmethod test, a non-callable) is a ``TypeError``.
"""

from __future__ import annotations

import functools
import inspect
import sys
import unittest
from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any, Callable, Optional

from rekostub._service.fake import FakeRekognition

__all__ = ["INJECTED_ARG", "decorate"]

INJECTED_ARG = "fake_rekognition"
TEST_PREFIX = "test"  # pytest's python_functions and unittest's testMethodPrefix
_ENTERED = "_rekostub_entered"  # instance attribute: the stub a test class's test runs under

Fresh = Callable[[], AbstractContextManager[FakeRekognition]]


def decorate(target: Any, fresh: Fresh) -> Any:
    """Wrap ``target`` so each call (each test, for a class) runs under ``fresh()``."""
    if inspect.isclass(target):
        if issubclass(target, unittest.TestCase):
            return _decorate_testcase(target, fresh)
        return _decorate_test_class(target, fresh)
    _check_wrappable(target, getattr(target, "__qualname__", repr(target)))
    return _wrap_callable(target, fresh, _fake_of_call)


def _check_wrappable(target: Any, name: str) -> None:
    if isinstance(target, (staticmethod, classmethod)):
        raise TypeError(
            f"rekostub.stub() cannot decorate the {type(target).__name__} {name}: put "
            f"@rekostub.stub(...) below @{type(target).__name__}, or decorate the whole class"
        )
    if inspect.isgeneratorfunction(target) or inspect.isasyncgenfunction(target):
        raise TypeError(
            f"rekostub.stub() cannot decorate the generator function {name}: the stub would end "
            "before its body runs; use `with rekostub.stub():` inside it"
        )
    if not callable(target):
        raise TypeError(
            f"rekostub.stub() decorates functions, coroutine functions and test classes, "
            f"not {target!r}"
        )


def _signature_without_fake(func: Any) -> tuple[bool, Optional[inspect.Signature]]:
    """Whether ``func`` takes ``fake_rekognition``, and its signature without it.

    The wrapper advertises the signature without it, so pytest does not also set up its own
    ``fake_rekognition`` fixture for the parameter the decorator fills.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # some builtins have none
        return False, None
    if INJECTED_ARG not in signature.parameters:
        return False, None
    rest = [p for name, p in signature.parameters.items() if name != INJECTED_ARG]
    return True, signature.replace(parameters=rest)


FakeOf = Callable[[Fresh, tuple[Any, ...]], AbstractContextManager[FakeRekognition]]


def _fake_of_call(fresh: Fresh, args: tuple[Any, ...]) -> AbstractContextManager[FakeRekognition]:
    return fresh()


def _wrap_callable(func: Any, fresh: Fresh, fake_of: FakeOf) -> Any:
    inject, signature = _signature_without_fake(func)

    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            with fake_of(fresh, args) as fake:
                if inject:
                    kwargs[INJECTED_ARG] = fake
                return await func(*args, **kwargs)

        wrapper: Any = async_wrapper
    else:

        @functools.wraps(func)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            with fake_of(fresh, args) as fake:
                if inject:
                    kwargs[INJECTED_ARG] = fake
                return func(*args, **kwargs)

        wrapper = sync_wrapper
    if signature is not None:
        wrapper.__signature__ = signature
    return wrapper


# -- unittest.TestCase ----------------------------------------------------------------------------


def _decorate_testcase(klass: type[unittest.TestCase], fresh: Fresh) -> type[unittest.TestCase]:
    """``run`` (and ``debug``) under one fresh fake: setUp, test, tearDown and cleanups share it."""
    for name in ("run", "debug"):
        original = getattr(klass, name)

        def under_stub(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with fresh() as fake:
                self.fake_rekognition = fake
                return _original(self, *args, **kwargs)

        functools.update_wrapper(under_stub, original)
        setattr(klass, name, under_stub)
    return klass


# -- pytest classes -------------------------------------------------------------------------------


def _raw(klass: type, name: str) -> Any:
    """The attribute as defined (a staticmethod stays one), looked up along the MRO."""
    for cls in klass.__mro__:
        if name in cls.__dict__:
            return cls.__dict__[name]
    return None


def _call_with_optional_method(func: Any, instance: Any, method: Any) -> Any:
    """Call a setup/teardown hook as pytest does: with the test method if it takes one."""
    takes = func.__code__.co_argcount - 1 if hasattr(func, "__code__") else 1
    return func(instance, method) if takes > 0 else func(instance)


class _TestStub:
    """The fake of one test of a pytest class, from setup_method to teardown_method."""

    def __init__(self, instance: Any, fresh: Fresh) -> None:
        self.instance = instance
        self.context = fresh()
        self.fake = self.context.__enter__()
        self.token = _current.set(self)  # for a staticmethod test, which has no instance
        instance.fake_rekognition = self.fake
        setattr(instance, _ENTERED, self)

    def close(self) -> None:
        if getattr(self.instance, _ENTERED, None) is self:
            delattr(self.instance, _ENTERED)
        _current.reset(self.token)
        self.context.__exit__(*sys.exc_info())


_current: ContextVar[Optional[_TestStub]] = ContextVar("rekostub_class_test", default=None)


def _fake_of_test(fresh: Fresh, args: tuple[Any, ...]) -> AbstractContextManager[FakeRekognition]:
    """The test's fake when pytest's setup_method started one; else a fresh one for the call."""
    entered = getattr(args[0], _ENTERED, None) if args else _current.get()
    if isinstance(entered, _TestStub):
        return _Already(entered.fake)
    return fresh()


class _Already(AbstractContextManager[FakeRekognition]):
    def __init__(self, fake: FakeRekognition) -> None:
        self.fake = fake

    def __enter__(self) -> FakeRekognition:
        return self.fake

    def __exit__(self, *exc: object) -> None:
        return None


def _decorate_test_class(klass: type, fresh: Fresh) -> type:
    tests = [name for name in dir(klass) if name.startswith(TEST_PREFIX)]
    wrapped = 0
    for name in tests:
        raw = _raw(klass, name)
        if inspect.isclass(raw):
            if raw.__name__.startswith("Test") and raw is not klass:
                setattr(klass, name, decorate(raw, fresh))
            continue
        if isinstance(raw, classmethod):
            raise TypeError(
                f"rekostub.stub() cannot wrap {klass.__qualname__}.{name}: a classmethod test "
                "has no instance to hold its fake; make it a plain method"
            )
        if isinstance(raw, staticmethod):
            _check_wrappable(raw.__func__, f"{klass.__qualname__}.{name}")
            setattr(klass, name, staticmethod(_wrap_callable(raw.__func__, fresh, _fake_of_test)))
        elif inspect.isfunction(raw):
            _check_wrappable(raw, f"{klass.__qualname__}.{name}")
            setattr(klass, name, _wrap_callable(raw, fresh, _fake_of_test))
        else:
            continue  # data named test*: not a test
        wrapped += 1
    if not wrapped:
        raise TypeError(
            f"rekostub.stub() found no test method (named test*) in class {klass.__qualname__} "
            "to wrap; decorate a unittest.TestCase, a pytest test class, or a function"
        )
    _add_setup_and_teardown(klass, fresh)
    return klass


def _add_setup_and_teardown(klass: type, fresh: Fresh) -> None:
    setup = _raw(klass, "setup_method")
    teardown = _raw(klass, "teardown_method")
    for name, hook in (("setup_method", setup), ("teardown_method", teardown)):
        if hook is not None and not inspect.isfunction(hook):
            raise TypeError(
                f"rekostub.stub() cannot wrap {klass.__qualname__}.{name} "
                f"({type(hook).__name__}): make it a plain method"
            )

    def setup_method(self: Any, method: Any = None) -> None:
        entered = _TestStub(self, fresh)
        try:
            if setup is not None:
                _call_with_optional_method(setup, self, method)
        except BaseException:
            entered.close()
            raise

    def teardown_method(self: Any, method: Any = None) -> None:
        entered = getattr(self, _ENTERED, None)
        try:
            if teardown is not None:
                _call_with_optional_method(teardown, self, method)
        finally:
            if isinstance(entered, _TestStub):
                entered.close()

    for name, hook, original in (
        ("setup_method", setup_method, setup),
        ("teardown_method", teardown_method, teardown),
    ):
        if original is not None:
            functools.update_wrapper(hook, original)
        hook.__qualname__ = f"{klass.__qualname__}.{name}"
        setattr(klass, name, hook)
