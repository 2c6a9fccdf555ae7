# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyGObject override of Gopod: the library as Python reads.

PyGObject imports this module when a program imports Gopod from
gi.repository, if it is installed in a gi/overrides directory on sys.path
(pod-glib installs it in the site-packages of /usr/bin/python3; its tests
put bindings/python of the source tree on PYTHONPATH).

What it adds, every call that works without it working the same:

- `job.complete(None)`, `throttler.done(None)` (success), and any Python
  exception as a failure, as well as a GLib.Error;
- `do_run`, `do_begin`, `do_create`, job functions, runner tasks and
  factories may raise anything: the job, task or acquire fails with the
  exception's message (a GLib.Error passes through intact); `do_run`,
  `do_begin`, job functions and tasks that return None succeed;
- `Gopod.ResourcePool.new(factory, size)` with a factory taking only the
  cancellable; `with pool.acquired() as conn:` releases the resource, or
  destroys it when the block raises;
- `with pod:` starts the pod, then drains it, or discards what is left
  when the block raises;
- `pod.submit(fn, *args)`;
- `for value in channel:` receives until the channel is closed;
- the blocking calls (`Pod.wait`, `Pod.shutdown`, `Pod.add_job`,
  `Job.wait`, `ResourcePool.acquire`, `Throttler.throttle`,
  `Throttler.wait`, `Runner.start`, `Channel.send`, `Channel.receive`,
  `Select.wait`)
  take an optional cancellable, and a Ctrl-C on the main thread makes
  them raise KeyboardInterrupt at once, not when the work ends.
"""

import contextlib
import functools
import os
import signal
import socket
import sys
import threading

from gi import _ossighelper
from gi.repository import Gio, GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Gopod = get_introspection_module('Gopod')

__all__ = []


# --- Exceptions raised by Python code the library calls -------------------

def _as_error(exception):
    """A GLib.Error for a Python exception, with its message."""
    if isinstance(exception, GLib.Error):
        return exception
    message = str(exception) or type(exception).__name__
    if not isinstance(exception, Exception) and str(exception):
        # SystemExit(3) says only "3".
        message = '%s: %s' % (type(exception).__name__, message)
    return GLib.Error.new_literal(Gopod.error_quark(), message, Gopod.Error.FAILED)


def _on_main_thread():
    # Not threading.current_thread(): that would register a dummy Thread for
    # every library worker that calls Python.
    return threading.get_ident() == threading.main_thread().ident


# SystemExit, KeyboardInterrupt (any BaseException that is not an Exception)
# must not reach PyGObject from a library worker thread: it hands them to
# PyErr_Print(), which for SystemExit finalizes the interpreter from that
# thread; finalizing waits for the main thread, itself blocked waiting for
# that very work, and the process hangs for ever. On the main thread they go
# on as Python would have them.


def _reporting(func, none_is_success):
    """Wraps func, called from C, so that any exception it raises reaches C
    as a GLib.Error with the exception's message (PyGObject passes only a
    GLib.Error on: for any other exception C would see a failure without
    an error), and, for work that returns a gboolean, None means success."""
    if getattr(func, '_gopod_reporting', False):
        return func

    @functools.wraps(func)
    def call(*args):
        try:
            result = func(*args)
        except GLib.Error:
            raise
        except Exception as e:
            raise _as_error(e) from e
        except BaseException as e:
            if _on_main_thread():
                raise
            raise _as_error(e) from e
        return True if none_is_success and result is None else result

    call._gopod_reporting = True
    return call


def _containing(func):
    """Wraps func, called from C with no way to fail (a light job, finish,
    close): on a worker thread, a SystemExit or KeyboardInterrupt is printed
    as any other exception would be, instead of ending the interpreter from
    there (see above)."""
    if getattr(func, '_gopod_containing', False):
        return func

    @functools.wraps(func)
    def call(*args):
        try:
            return func(*args)
        except Exception:
            raise  # PyGObject prints it
        except BaseException:
            if _on_main_thread():
                raise
            sys.excepthook(*sys.exc_info())
        return None

    call._gopod_containing = True
    return call


def _report_end(obj, error, succeeded, failed):
    """complete()/done(): PyGObject 3.42 cannot pass None for a GError, so
    success goes through the C-only *_ok twin."""
    if error is None:
        succeeded(obj)
    else:
        failed(obj, _as_error(error))


def _report_vfuncs(cls, names):
    """Wraps the do_* methods a Python subclass defines, before PyGObject
    hooks them up as vfuncs (__init_subclass__ runs before the metaclass
    registers the class)."""
    for name, none_is_success in names.items():
        impl = cls.__dict__.get(name)
        if callable(impl):
            # None: a void vfunc, which cannot fail.
            setattr(cls, name, _containing(impl) if none_is_success is None
                    else _reporting(impl, none_is_success))


# --- Ctrl-C during a blocking call ----------------------------------------

class _Interruption:
    """One blocking call that a Ctrl-C may interrupt."""

    def __init__(self, cancellable):
        self.cancellable = Gio.Cancellable.new()
        self.interrupted = False
        self._outer = cancellable
        self._link = None
        if cancellable is not None:
            # Called at once if the caller's cancellable is already cancelled.
            self._link = cancellable.connect(lambda *args: self.cancellable.cancel())

    def interrupt(self):
        # On the watcher thread: the flag is set before the call can return.
        self.interrupted = True
        self.cancellable.cancel()

    def close(self):
        if self._link is not None:
            self._outer.disconnect(self._link)


@contextlib.contextmanager
def _handler_set_and_restored(handler):
    """signal.signal(SIGINT, handler), then the app's handler back, unless
    the handler was changed meanwhile."""
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is handler:
            signal.signal(signal.SIGINT, previous)


class _SigintWatcher:
    """Turns a Ctrl-C into cancelling the blocking calls in flight.

    While the main thread blocks in C, Python cannot run its SIGINT handler
    (handlers run between bytecodes), so Ctrl-C would only raise once the
    work ended. But Python's C-level handler writes the signal number to
    the wakeup fd (signal.set_wakeup_fd) at once, whichever thread got the
    signal: a thread reading it cancels the calls' cancellables. Meanwhile
    a Python handler that only takes note stands in for the default one, so
    that KeyboardInterrupt is raised where the call returns, after the call
    gave back what it had taken, never in the middle of that."""

    # What the main thread writes after the signals' bytes to learn that
    # the watcher thread has read them all (no signal number is 0).
    _MARKER = b'\0'
    _DRAIN_TIMEOUT_S = 1.0

    def __init__(self):
        # Reentrant: _on_sigint runs on the main thread at any bytecode,
        # also while the main thread holds the lock in watching().
        self._lock = threading.RLock()
        self._active = []
        self._reader = None
        self._writer = None
        self._drained = threading.Event()
        # A Ctrl-C not acted on yet, see _blocking(): KeyboardInterrupt, or
        # the app's own handler to call.
        self._pending = None
        self._app_handler = None  # the app's own handler, while calls are in flight

    def can_watch(self):
        # Only on the main thread (the only one Python delivers signals to),
        # and only when Python's own SIGINT handling is in place, as
        # PyGObject's MainLoop.run requires too: an app that installed its
        # own handler (GLib.unix_signal_add, a runner, signal.signal) keeps it.
        if threading.current_thread() is not threading.main_thread():
            return False
        return (bool(self._active) or _ossighelper.sigint_handler_is_default()
                or self._app_handler_in_place())

    def _app_handler_in_place(self):
        # A Python handler of the app's own (signal.signal): it stays in, but
        # Python runs it only once the call returns, so the call is cancelled
        # for it, then made again if the handler returns (PEP 475's rule for
        # system calls). Not one installed in C (GLib, a runner): that one
        # runs at once, and the app handles Ctrl-C its own way.
        handler = signal.getsignal(signal.SIGINT)
        return (callable(handler) and handler is not signal.default_int_handler
                and handler is not self._on_sigint
                and _ossighelper.PyOS_getsig(signal.SIGINT) == _ossighelper.startup_sigint_ptr)

    def _start_thread(self):
        # Published only once whole: a Ctrl-C that interrupts this (Python's
        # own handler is still in place) leaves no half-made pair behind.
        reader, writer = socket.socketpair()
        for sock in (reader, writer):
            sock.set_inheritable(False)
        writer.setblocking(False)
        self._reader, self._writer = reader, writer
        threading.Thread(target=self._watch, name='gopod-sigint', daemon=True).start()

    def _watch(self):
        while True:
            signums = self._reader.recv(64)
            if signal.SIGINT in signums:
                with self._lock:
                    interruptions = list(self._active)
                for interruption in interruptions:
                    interruption.interrupt()
            if self._MARKER[0] in signums:
                self._drained.set()

    def _drain(self):
        # The wakeup fd is no longer set: every signal's byte is before the
        # marker, and acted on by the watcher thread once it is read. Not
        # for ever: a watcher that does not answer must not hang the call.
        self._drained.clear()
        self._writer.send(self._MARKER)
        self._drained.wait(self._DRAIN_TIMEOUT_S)

    def _forget_after_fork(self):
        # The watcher thread stayed in the parent: a child starts its own.
        self._lock = threading.RLock()
        self._active = []
        self._reader = self._writer = None
        self._drained = threading.Event()

    def raise_pending(self):
        pending, self._pending = self._pending, None
        if pending is KeyboardInterrupt:
            raise KeyboardInterrupt
        if pending is not None:
            # As Python would have: the app's handler, which may return.
            pending(signal.SIGINT, sys._getframe())

    def defer(self, handler=None):
        self._pending = KeyboardInterrupt if handler is None else handler

    def _on_sigint(self, signum, frame):
        # Only takes note: the watcher thread cancels, once, when it reads
        # the signal's byte. Cancelling here as well would leave that byte
        # to cancel whichever call comes next.
        with self._lock:
            for interruption in self._active:
                interruption.interrupted = True

    @contextlib.contextmanager
    def watching(self, cancellable):
        """The call is registered, then the wakeup fd set, then the
        override's handler put in; on the way out the same in reverse. So a
        Ctrl-C while the override's handler is in finds the call registered
        and its byte reaches the watcher thread, which cancels the call; one
        before or after is Python's own (KeyboardInterrupt here, at once).
        One that came while the handler was in is acted on before the call
        leaves the list (_drain), never on a later call. _blocking() reads
        interruption.interrupted only after this ended."""
        if self._reader is None:
            self._start_thread()
        interruption = _Interruption(cancellable)
        first = not self._active
        handler = None
        fd = None
        try:
            with self._lock:
                self._active.append(interruption)
            if first:
                fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
                if _ossighelper.sigint_handler_is_default():
                    self._app_handler = None
                    entered = _ossighelper.sigint_handler_set_and_restore_default(self._on_sigint)
                else:
                    # The app's handler is called by _blocking_for_app_handler
                    # once the call returned, never inside PyGObject's C code
                    # (where a SystemExit it raised would end the process).
                    self._app_handler = signal.getsignal(signal.SIGINT)
                    entered = _handler_set_and_restored(self._on_sigint)
                entered.__enter__()
                handler = entered
            interruption.app_handler = self._app_handler
            yield interruption
        finally:
            try:
                if handler is not None:
                    handler.__exit__(None, None, None)
            finally:
                try:
                    if fd is not None:
                        signal.set_wakeup_fd(fd)
                        # A Ctrl-C came: noted by _on_sigint, or raised by
                        # Python's handler once it was back.
                        if interruption.interrupted or sys.exc_info()[0] is KeyboardInterrupt:
                            self._drain()
                finally:
                    with self._lock:
                        if interruption in self._active:
                            self._active.remove(interruption)
                    interruption.close()


_watcher = _SigintWatcher()
os.register_at_fork(after_in_child=_watcher._forget_after_fork)


def _blocking(call, cancellable=None, give_back=None, keep=False):
    """Runs call(cancellable), a blocking call, so that Ctrl-C interrupts it.

    On a Ctrl-C, KeyboardInterrupt is raised once the call returned. If the
    call had succeeded all the same, nothing it took is lost: give_back(result)
    returns it first; or, with keep (a value that cannot be given back), the
    result is returned and KeyboardInterrupt raised by the next blocking call."""
    if not _watcher.can_watch():
        return call(cancellable)
    _watcher.raise_pending()
    if _watcher._active and _watcher._app_handler is not None or \
            not _watcher._active and _watcher._app_handler_in_place():
        return _blocking_for_app_handler(call, cancellable, give_back, keep)
    error = None
    with _watcher.watching(cancellable) as interruption:
        try:
            result = call(interruption.cancellable)
        except GLib.Error as e:
            error = e
    # Read once the watch ended: a Ctrl-C up to then is counted.
    if error is not None:
        if interruption.interrupted:
            raise KeyboardInterrupt from None
        raise error
    if not interruption.interrupted:
        return result
    if keep:
        _watcher.defer()
        return result
    if give_back is not None:
        give_back(result)
    raise KeyboardInterrupt


def _blocking_for_app_handler(call, cancellable, give_back, keep=False):
    """_blocking() while the app's own Python SIGINT handler is in: a
    Ctrl-C cancels the call, Python runs the handler as the call returns,
    and if the handler returns, the call is made again. What a call took as
    the handler raised is given back (give_back), if it can be; with keep
    (a value that cannot be given back), the result is returned and the
    handler called by the next blocking call."""
    while True:
        took = False
        result = error = None
        try:
            with _watcher.watching(cancellable) as interruption:
                try:
                    result = call(interruption.cancellable)
                    took = True
                except GLib.Error as e:
                    error = e
            if interruption.interrupted:
                if took and keep:
                    # What it raises would drop the value taken.
                    _watcher.defer(interruption.app_handler)
                    return result
                # As Python would have, had the call not blocked it.
                interruption.app_handler(signal.SIGINT, sys._getframe())
        except BaseException:
            if took and give_back is not None:
                give_back(result)
            raise
        if error is None:
            return result
        if not interruption.interrupted:
            raise error
        # Cancelled for the handler, which returned: wait on.


def _finish_on_own_context(start, finish, cancellable):
    """start(cancellable, callback) then finish(result), waiting on a private
    main context: a blocking call with a cancellable, made of an async pair
    whose blocking twin takes none."""
    context = GLib.MainContext.new()
    results = []
    context.push_thread_default()
    try:
        start(cancellable, lambda source, result: results.append(result))
        while not results:
            context.iteration(True)
    finally:
        context.pop_thread_default()
    return finish(results[0])


# --- The classes -----------------------------------------------------------

class Job(Gopod.Job):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _report_vfuncs(cls, {'do_run': True, 'do_begin': True, 'do_finish': None})

    @classmethod
    def new_func(cls, func, *user_data):
        """A job running func(job, cancellable, *user_data) in a worker thread."""
        run = _reporting(func, True)
        return Gopod.Job.new_func(lambda job, cancellable, data: run(job, cancellable, *data),
                                  user_data)

    def complete(self, error=None):
        """Ends a main-context job: success with None, else failed with the
        GLib.Error or exception given."""
        _report_end(self, error, Gopod.Job.complete_ok, Gopod.Job.complete)

    def wait(self, cancellable=None):
        return _blocking(lambda c: Gopod.Job.wait(self, c), cancellable)


Job = override(Job)
__all__.append('Job')


class Pod(Gopod.Pod):
    def submit(self, func, *args):
        """Runs func(*args) in a worker thread, on the light path."""
        run = _containing(func)
        return Gopod.Pod.submit(self, lambda data: run(*data), args)

    def add_job(self, job, cancellable=None):
        """A job added as Ctrl-C comes is queued all the same: True is
        returned, and KeyboardInterrupt raised at the next blocking call (a
        caller that retried would add it twice)."""
        return _blocking(lambda c: Gopod.Pod.add_job(self, job, c), cancellable, keep=True)

    def wait(self, cancellable=None):
        return _blocking(lambda c: Gopod.Pod.wait(self, c), cancellable)

    def shutdown(self, mode=Gopod.ShutdownMode.DRAIN, cancellable=None):
        return _blocking(lambda c: Gopod.Pod.shutdown(self, mode, c), cancellable)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        # A block that raised does not want the rest of its work done.
        try:
            self.shutdown(Gopod.ShutdownMode.DRAIN if exc_type is None
                          else Gopod.ShutdownMode.DISCARD)
        except GLib.Error as e:
            # The block shut the pod down itself: this second shutdown
            # waited for that one (and a DISCARD upgraded it), and CLOSED
            # says only that it was not the first; raising it would also
            # hide the exception the block raised.
            if not e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
                raise
        return False


Pod = override(Pod)
__all__.append('Pod')


class ResourcePool(Gopod.ResourcePool):
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _report_vfuncs(cls, {'do_create': False, 'do_close': None})

    @classmethod
    def new(cls, factory, *args):
        """new(factory, size) with factory(cancellable), or, as in C,
        new(factory, user_data, size) with factory(cancellable, user_data)."""
        if len(args) == 1:
            create = _reporting(factory, False)
            return Gopod.ResourcePool.new(lambda cancellable, data: create(cancellable),
                                          None, args[0])
        return Gopod.ResourcePool.new(_reporting(factory, False), *args)

    def acquire(self, cancellable=None):
        return _blocking(lambda c: Gopod.ResourcePool.acquire(self, c), cancellable,
                         give_back=self.release)

    @contextlib.contextmanager
    def acquired(self, cancellable=None):
        """with pool.acquired() as resource: released after the block, or
        destroyed if the block raised (it may have broken it)."""
        resource = self.acquire(cancellable)
        try:
            yield resource
        except BaseException:
            self.destroy(resource)
            raise
        self.release(resource)


ResourcePool = override(ResourcePool)
__all__.append('ResourcePool')


class Runner(Gopod.Runner):
    def add(self, task, *user_data):
        """Adds task(runner, id, cancellable, *user_data)."""
        run = _reporting(task, True)
        Gopod.Runner.add(self, lambda runner, task_id, cancellable, data:
                         run(runner, task_id, cancellable, *data), user_data)

    def start(self, cancellable=None):
        # With handle-signals the runner takes Ctrl-C itself, and start
        # raises GOPOD_ERROR_INTERRUPTED, as documented.
        if self.props.handle_signals:
            return Gopod.Runner.start(self, cancellable)
        return _blocking(lambda c: Gopod.Runner.start(self, c), cancellable)


Runner = override(Runner)
__all__.append('Runner')


class Throttler(Gopod.Throttler):
    def done(self, error=None):
        """Reports a job done: success with None, else failed with the
        GLib.Error or exception given."""
        _report_end(self, error, Gopod.Throttler.done_ok, Gopod.Throttler.done)

    def _block(self, blocking, start, finish, cancellable):
        # The blocking calls take no cancellable; their async twins do.
        if not _watcher.can_watch() and cancellable is None:
            return blocking(self)
        return _blocking(lambda c: _finish_on_own_context(start, finish, c), cancellable)

    def throttle(self, cancellable=None):
        return self._block(Gopod.Throttler.throttle, self.throttle_async,
                           self.throttle_finish, cancellable)

    def wait(self, cancellable=None):
        return self._block(Gopod.Throttler.wait, self.wait_async, self.wait_finish,
                           cancellable)


Throttler = override(Throttler)
__all__.append('Throttler')


if hasattr(Gopod, 'Channel'):
    class Channel(Gopod.Channel):
        def send(self, value, cancellable=None):
            """A value sent as Ctrl-C comes is in the channel all the same:
            True is returned, and KeyboardInterrupt raised at the next
            blocking call."""
            return _blocking(lambda c: Gopod.Channel.send(self, value, c), cancellable, keep=True)

        def receive(self, cancellable=None):
            """(True, value) as without the override; GLib.Error
            GOPOD_ERROR_CLOSED once the channel is closed and drained. A
            value received as Ctrl-C comes is not lost: it is returned, and
            KeyboardInterrupt raised at the next blocking call."""
            return _blocking(lambda c: Gopod.Channel.receive(self, c), cancellable, keep=True)

        def __iter__(self):
            """Receives until the channel is closed, like Go's range."""
            while True:
                try:
                    _, value = self.receive()
                except GLib.Error as e:
                    if e.matches(Gopod.error_quark(), Gopod.Error.CLOSED):
                        return
                    raise
                yield value

    Channel = override(Channel)
    __all__.append('Channel')


if hasattr(Gopod, 'Select'):
    class Select(Gopod.Select):
        def wait(self, cancellable=None):
            """The chosen case's number, as without the override; a Ctrl-C
            raises KeyboardInterrupt. A case that happened as Ctrl-C came is
            not lost: its number is returned (a received value is in
            get_value()), and KeyboardInterrupt raised at the next blocking
            call."""
            if cancellable is None and self.get_n_cases() == 0:
                # Without cases and cancellable: the critical, not a wait.
                return Gopod.Select.wait(self, None)
            return _blocking(lambda c: Gopod.Select.wait(self, c), cancellable, keep=True)

    Select = override(Select)
    __all__.append('Select')
