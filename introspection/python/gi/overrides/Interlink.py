# SPDX-License-Identifier: LGPL-2.1-or-later

"""Python additions to the Interlink bindings.

PyGObject loads this module when a program imports
``gi.repository.Interlink``. It keeps the introspected API and adds:

* ``response_type`` as a class attribute of :class:`Message` subclasses;
* the :func:`handler` decorator for methods of :class:`Service`
  subclasses, registered on every instance;
* Python semantics for handlers, ``do_handle`` overrides and exec
  functions: the return value answers the request and an exception fails
  it (see :data:`PYTHON_ERROR`);
* :meth:`Link.exec_async` and :meth:`Link.do_exec` with a plain callable
  ``func(service, context) -> value``;
* :meth:`Link.send_future`, an awaitable send for asyncio;
* a stop of the services started from Python when the interpreter exits,
  described at :class:`Service`.

Answers follow these rules, for the handlers registered with
:func:`handler` or :meth:`Service.add_handler`, for ``do_handle``
overrides and for exec functions:

* a value other than ``None`` is the answer, unless the handler already
  answered through its reply;
* ``None`` answers a message whose response type is ``GObject.TYPE_NONE``
  and an exec request with an empty answer. For a message with a response
  type it leaves the reply unanswered, for code that keeps the reply and
  answers later. When no code keeps it, the request fails with
  ``Interlink.LinkError.NO_REPLY``;
* :data:`DEFERRED` leaves the reply unanswered whatever the response type;
* an exception answers with an error. A ``GLib.Error`` keeps its domain
  and code. Any other exception becomes a ``GLib.Error`` in the
  :data:`PYTHON_ERROR` domain with the code
  :data:`PYTHON_ERROR_EXCEPTION` and the message ``"TypeName: text"``.
  An exception that no sender receives, because the reply was already
  answered or the message came through ``do_send``, is logged as a
  warning on the ``Interlink`` logger.
"""

import atexit
import functools
import logging
import threading
import time

from gi.repository import Gio, GLib, GObject

from ..module import get_introspection_module
from ..overrides import override

Interlink = get_introspection_module('Interlink')

__all__ = []

_log = logging.getLogger('Interlink')

#: Error domain (a ``GLib.Error.domain`` string) of the errors that
#: exceptions raised by Python handlers and exec functions become.
PYTHON_ERROR = 'interlink-python-error-quark'

#: The code of :data:`PYTHON_ERROR` errors: the Python code raised an
#: exception that is not a ``GLib.Error``.
PYTHON_ERROR_EXCEPTION = 0

#: Return value of a handler that answers its reply later, for example
#: from another thread.
DEFERRED = object()

__all__ += ['PYTHON_ERROR', 'PYTHON_ERROR_EXCEPTION', 'DEFERRED']

# How long the exit hook waits for the services started from Python to
# stop, in seconds.
_STOP_AT_EXIT_TIMEOUT_S = 5.0

# Fundamental types for which a Python int is stored directly in the
# response type, so that PyGObject's range check applies instead of a
# silent C cast.
_NUMERIC_TYPES = frozenset([
    GObject.TYPE_CHAR, GObject.TYPE_UCHAR, GObject.TYPE_INT,
    GObject.TYPE_UINT, GObject.TYPE_LONG, GObject.TYPE_ULONG,
    GObject.TYPE_INT64, GObject.TYPE_UINT64, GObject.TYPE_FLOAT,
    GObject.TYPE_DOUBLE,
])

_INT64_MAX = 2 ** 63 - 1


def _to_value(value, response_type):
    """Convert a Python value to a ``GObject.Value`` for a reply.

    Each Python type maps to its natural GType (bool, int as gint64, float
    as gdouble, str, GObject, GLib.Variant, enums and flags), and the
    library converts that to the response type or fails the request with
    ``INVALID_RESPONSE``. An int for a numeric response type is stored in
    that type directly, which raises OverflowError when it does not fit.
    Other values are stored in the response type, or as
    ``GObject.TYPE_PYOBJECT`` when there is none, as for exec requests.
    """
    if value is None or isinstance(value, GObject.Value):
        return value
    if isinstance(value, (GObject.GEnum, GObject.GFlags)):
        return GObject.Value(value.__gtype__, value)
    if isinstance(value, bool):
        return GObject.Value(GObject.TYPE_BOOLEAN, value)
    if isinstance(value, int):
        if response_type.fundamental in _NUMERIC_TYPES:
            return GObject.Value(response_type, value)
        if value > _INT64_MAX:
            return GObject.Value(GObject.TYPE_UINT64, value)
        return GObject.Value(GObject.TYPE_INT64, value)
    if isinstance(value, float):
        return GObject.Value(GObject.TYPE_DOUBLE, value)
    if isinstance(value, str):
        return GObject.Value(GObject.TYPE_STRING, value)
    if isinstance(value, GLib.Variant):
        return GObject.Value(GObject.TYPE_VARIANT, value)
    if isinstance(value, GObject.Object):
        return GObject.Value(value.__gtype__, value)
    if response_type not in (GObject.TYPE_INVALID, GObject.TYPE_NONE):
        return GObject.Value(response_type, value)
    return GObject.Value(GObject.TYPE_PYOBJECT, value)


def _to_gerror(error):
    """Return ``error`` as a ``GLib.Error``, see :data:`PYTHON_ERROR`."""
    if isinstance(error, GLib.Error):
        return error
    message = '%s: %s' % (type(error).__name__, error)
    return GLib.Error.new_literal(GLib.quark_from_string(PYTHON_ERROR),
                                  message, PYTHON_ERROR_EXCEPTION)


def _answer_result(reply, result):
    """Answer ``reply`` with what a Python handler returned."""
    if result is DEFERRED or reply.is_answered():
        return
    if result is not None:
        reply.return_value(result)
    elif reply.get_response_type() in (GObject.TYPE_NONE,
                                       GObject.TYPE_INVALID):
        reply.return_value(None)


def _answer_exception(reply, error, origin):
    """Fail ``reply`` with ``error``, or log it when no sender waits.

    ``origin`` names the code that raised it in the log message.
    """
    if reply.is_answered() or not reply.get_expects_answer():
        _log.warning('%s raised an exception that no sender receives',
                     origin, exc_info=error)
        return
    _log.debug('%s raised an exception, which the sender gets as an error',
               origin, exc_info=error)
    Interlink.Reply.return_error(reply, _to_gerror(error))


def _describe_request(reply):
    message = reply.get_message()
    if message is None:
        return 'Exec function'
    return 'Handler of %s' % message.__gtype__.name


def _run_handler(service, message, context, reply, func, user_data):
    """Call a Python handler with the semantics of the module docstring."""
    try:
        _answer_result(reply,
                       func(service, message, context, reply, *user_data))
    except Exception as error:
        _answer_exception(reply, error, _describe_request(reply))


def _run_exec(service, context, reply, func):
    """Call a Python exec function ``func(service, context) -> value``."""
    try:
        _answer_result(reply, func(service, context))
    except Exception as error:
        _answer_exception(reply, error, 'Exec function')


def _wrap_do_handle(do_handle):
    """Give a ``do_handle`` override the semantics of a handler."""
    @functools.wraps(do_handle)
    def wrapper(self, message, context, reply):
        _run_handler(self, message, context, reply, do_handle, ())
    return wrapper


def _message_gtype(message_type):
    """Return the GType of a message class, or ``message_type`` itself."""
    return getattr(message_type, '__gtype__', message_type)


def handler(*message_types):
    """Mark a method of a :class:`Service` subclass as a message handler.

    The method is called as ``method(self, message, context, reply)`` on
    the service's main context for messages of the given types and their
    subtypes that have no handler of their own. Every instance registers
    it with :meth:`Service.add_handler` when it is created. The module
    docstring describes how return values and exceptions answer the
    request.

    >>> class EchoService(Interlink.Service):
    ...     @Interlink.handler(TextMessage)
    ...     def on_text(self, message, context, reply):
    ...         return message.props.value

    A handler in a subclass takes precedence over a handler of its base
    classes for the same message type.
    """
    if not message_types:
        raise TypeError('handler() needs at least one message type')

    def decorate(func):
        func._interlink_message_types = message_types
        return func
    return decorate


__all__.append('handler')


class _MessageMeta(type(Interlink.Message)):
    """Apply a ``response_type`` class attribute once the GType exists."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        if '__gtype__' in cls.__dict__ and 'response_type' in namespace:
            response_type = namespace['response_type']
            if response_type is None:
                response_type = GObject.TYPE_NONE
            Interlink.Message.type_set_response_type(cls.__gtype__,
                                                     response_type)


class Message(Interlink.Message, metaclass=_MessageMeta):
    """The base class of messages, see ``Interlink.Message``.

    A subclass declares its fields as ``GObject.Property`` attributes and
    the type of its answer with the ``response_type`` class attribute.
    That is anything PyGObject accepts as a GType, such as ``str``,
    ``int`` (``gint``), ``GObject.TYPE_INT64``, ``GLib.Variant`` or a
    GObject class, or ``None`` for no value. Subclasses inherit it.

    >>> class TextMessage(Interlink.Message):
    ...     response_type = str
    ...     value = GObject.Property(type=str)
    """


Message = override(Message)
__all__.append('Message')


class Reply(Interlink.Reply):
    """The answer to one request, see ``Interlink.Reply``."""

    def return_value(self, value=None):
        """Answer with ``value``, a Python value or a ``GObject.Value``.

        The library converts the value to the message's response type
        where GLib can transform it, and an int is range-checked against a
        numeric response type. ``None`` is an empty answer. May be called
        from any thread.
        """
        Interlink.Reply.return_value(
            self, _to_value(value, self.get_response_type()))

    def return_error(self, error):
        """Fail the request with ``error``, a ``GLib.Error`` or another
        exception, converted as described for :data:`PYTHON_ERROR`.
        """
        Interlink.Reply.return_error(self, _to_gerror(error))


Reply = override(Reply)
__all__.append('Reply')


class _TrackedService:
    """One service started from Python, an entry of :class:`_ServiceTracker`."""

    def __init__(self, link, main_context):
        self.link = link
        self.main_context = main_context
        self.thread_context = None
        self.closed = False

    def note_thread_context(self, service, context):
        """Exec function that stores the context of the service's thread."""
        self.thread_context = context.get_main_context()

    def thread_finished(self):
        """Check whether the service's thread left its main loop.

        The thread owns its context until then. The library reports a
        stop only after that, so this is a second guard: it keeps the exit
        safe with a library that reports the stop earlier.
        """
        if self.thread_context is None:
            return True
        if not self.thread_context.acquire():
            return False
        self.thread_context.release()
        return True


class _ServiceTracker:
    """The services started from Python, stopped when the interpreter exits.

    Python code must not run on other threads once the interpreter
    finalizes, so a service whose handlers or timers are Python code must
    stop before that. A ``wait_closed_async`` callback on a private main
    context marks each entry closed. Closed entries whose thread finished
    are dropped whenever a service starts.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._context = GLib.MainContext.new()
        self._entries = {}
        self._next_key = 0

    def add(self, service, main_context=None, own_thread=False):
        """Track ``service``, started on ``main_context`` (which this
        thread iterates at exit) or on a thread of its own or of an
        executor. For a service on an executor, whose thread keeps
        running, the exit waits until the service was released.
        """
        with self._lock:
            self._drain()
            for key in [key for key, entry in self._entries.items()
                        if entry.closed and entry.thread_finished()]:
                del self._entries[key]

            key = self._next_key
            self._next_key += 1
            entry = _TrackedService(Interlink.Service.get_link(service),
                                    main_context)
            self._entries[key] = entry
            if own_thread:
                try:
                    entry.link.do_exec(entry.note_thread_context)
                except GLib.Error:
                    pass

            self._context.push_thread_default()
            try:
                entry.link.wait_closed_async(None, self._on_closed, key)
            finally:
                self._context.pop_thread_default()

    def _on_closed(self, link, result, key):
        link.wait_closed_finish(result)
        self._entries[key].closed = True

    def _drain(self):
        while self._context.iteration(False):
            pass

    def stop_all(self, timeout):
        """Stop every tracked service and wait up to ``timeout`` seconds
        until each was released and its thread left its main loop.

        Services on a main context stop only while that context is
        iterated: this thread iterates it when it can acquire it.
        """
        with self._lock:
            self._drain()
            pending = list(self._entries.values())
            for entry in pending:
                entry.link.stop()

            deadline = time.monotonic() + timeout
            while pending and time.monotonic() < deadline:
                for entry in pending:
                    context = entry.main_context
                    if context is not None and context.acquire():
                        context.iteration(False)
                        context.release()
                self._drain()
                pending = [entry for entry in pending
                           if not (entry.closed and entry.thread_finished())]
                if pending:
                    time.sleep(0.001)

            for entry in pending:
                _log.warning('Service %s did not stop within %.1f s at exit, '
                             'so its Python code may fail while the '
                             'interpreter finalizes',
                             entry.link.get_service_type().name, timeout)


_tracker = _ServiceTracker()


@atexit.register
def _stop_services_at_exit():
    _tracker.stop_all(_STOP_AT_EXIT_TIMEOUT_S)


class Service(Interlink.Service):
    """The base class of services, see ``Interlink.Service``.

    Subclasses handle messages with methods marked by :func:`handler`, or
    with a ``do_handle(self, message, context, reply)`` override, and may
    override ``do_started(self, context)`` and
    ``do_stopping(self, context)``.

    When the interpreter exits, every service started from Python that
    still runs is stopped, and the exit waits up to 5 seconds for them, so
    that no Python code runs on a service thread while the interpreter
    finalizes. A service stops after the messages queued before the stop,
    so a service that is paused or busy for longer delays the exit.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if 'do_handle' in cls.__dict__:
            cls.do_handle = _wrap_do_handle(cls.__dict__['do_handle'])
        cls._interlink_handlers = cls._collect_handlers()

    @classmethod
    def _collect_handlers(cls):
        """Return ``(message_type, function)`` pairs, most derived first."""
        handlers = {}
        seen_names = set()
        for klass in cls.__mro__:
            if klass is Service:
                break
            for name, value in klass.__dict__.items():
                if name in seen_names:
                    continue
                seen_names.add(name)
                for message_type in getattr(value, '_interlink_message_types',
                                            ()):
                    handlers.setdefault(_message_gtype(message_type), value)
        return tuple(handlers.items())

    def __init__(self, **properties):
        super().__init__(**properties)
        self._add_decorated_handlers()

    def _add_decorated_handlers(self):
        if not self._interlink_handlers:
            return
        if self.__dict__.get('_interlink_handlers_added'):
            return
        self._interlink_handlers_added = True
        for message_type, func in self._interlink_handlers:
            self.add_handler(message_type, func)

    def add_handler(self, message_type, func, *user_data):
        """Register ``func`` for ``message_type`` on this service only.

        ``func(service, message, context, reply, *user_data)`` runs on the
        service's main context and answers as described in the module
        docstring. Call this before the service starts.
        """
        Interlink.Service.add_handler(self, _message_gtype(message_type),
                                      _run_handler, func, user_data)

    def handles(self, message_type):
        """Check whether the service handles ``message_type``, a class or
        GType.
        """
        return Interlink.Service.handles(self, _message_gtype(message_type))

    def start(self):
        """Start the service on a new thread and return a new link."""
        self._add_decorated_handlers()
        link = Interlink.Service.start(self)
        if link is not None:
            _tracker.add(self, own_thread=True)
        return link

    def start_on_context(self, context=None):
        """Start the service on ``context``, or on the global default
        context when it is None, and return a new link.
        """
        self._add_decorated_handlers()
        link = Interlink.Service.start_on_context(self, context)
        if link is not None:
            _tracker.add(self, context or GLib.MainContext.default())
        return link

    def start_on_executor(self, executor):
        """Start the service on one thread of ``executor``, an
        ``Interlink.Executor``, and return a new link.
        """
        self._add_decorated_handlers()
        link = Interlink.Service.start_on_executor(self, executor)
        if link is not None:
            _tracker.add(self)
        return link


Service._interlink_handlers = ()
Service = override(Service)
__all__.append('Service')


class _AsyncioBridge:
    """A thread whose main context receives the answers for asyncio.

    ``send_async`` delivers answers to the thread-default main context of
    the caller, which an asyncio event loop does not iterate. The bridge
    makes the call on its own thread and waits until the call returned,
    so that the message is queued before :meth:`Link.send_future` returns
    and keeps its order with the caller's other sends. The thread ends
    when the interpreter exits, and answers that arrive later are dropped.
    """

    def __init__(self):
        self._context = GLib.MainContext.new()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='interlink-asyncio')
        self._thread.start()
        atexit.register(self.stop)

    def _run(self):
        self._context.push_thread_default()
        while not self._stopping:
            self._context.iteration(True)
        self._context.pop_thread_default()

    def stop(self):
        """End the thread, waiting for it at most one second."""
        self._stopping = True
        self._context.wakeup()
        self._thread.join(1.0)

    def call(self, func):
        """Run ``func`` on the bridge thread and wait for it to return."""
        if self._stopping:
            raise RuntimeError('Cannot send: the interpreter is exiting')
        done = threading.Event()
        errors = []

        def run():
            try:
                func()
            except BaseException as error:
                errors.append(error)
            done.set()
            return GLib.SOURCE_REMOVE

        self._context.invoke_full(GLib.PRIORITY_DEFAULT, run)
        done.wait()
        if errors:
            raise errors[0]


_bridge = None
_bridge_lock = threading.Lock()


def _get_bridge():
    global _bridge
    with _bridge_lock:
        if _bridge is None:
            _bridge = _AsyncioBridge()
        return _bridge


def _settle(future, value, error):
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


def _send_future(link, message, cancellable):
    """Implement ``send_future`` for :class:`Link` and :class:`MessageLink`."""
    # Imported here, so that only programs that use asyncio load it.
    import asyncio

    loop = asyncio.get_running_loop()
    future = loop.create_future()
    if cancellable is None:
        cancellable = Gio.Cancellable()

    def on_answer(source, result):
        value = error = None
        try:
            value = source.send_finish(result)
        except GLib.Error as exception:
            error = exception
        try:
            loop.call_soon_threadsafe(_settle, future, value, error)
        except RuntimeError:
            # The event loop closed before the answer came: drop it.
            pass

    def on_future_done(done_future):
        if done_future.cancelled():
            cancellable.cancel()

    future.add_done_callback(on_future_done)
    _get_bridge().call(
        lambda: link.send_async(message, cancellable, on_answer))
    return future


class Link(Interlink.Link):
    """A handle for sending messages to a service, see ``Interlink.Link``."""

    def exec_async(self, func, cancellable=None, callback=None,
                   *user_data):
        """Run ``func(service, context) -> value`` on the service's main
        context, in order with messages.

        ``callback(link, result, *user_data)`` gets the answer through
        :meth:`exec_finish`: the return value, or the exception as a
        ``GLib.Error``.
        """
        # PyGObject 3.42 unpacks a tuple given for func_data here, but
        # passes the data of do_exec() below as one value.
        Interlink.Link.exec_async(self, _run_exec, (func,), cancellable,
                                  callback, *user_data)

    def do_exec(self, func):
        """Run ``func(service, context)`` on the service's main context
        without waiting for it, and log its exceptions.

        Raises ``GLib.Error`` with ``Interlink.LinkError.CLOSED`` if the
        service stopped.
        """
        return Interlink.Link.do_exec(self, _run_exec, func)

    def send_future(self, message, cancellable=None):
        """Send ``message`` and return an asyncio future for the answer.

        Call it from a running asyncio event loop. The future fails with
        ``GLib.Error`` like :meth:`send_finish`. Cancelling the future
        cancels the request through ``cancellable``, which is created when
        None.
        """
        return _send_future(self, message, cancellable)


Link = override(Link)
__all__.append('Link')


class MessageLink(Interlink.MessageLink):
    """A link restricted to one message type, see
    ``Interlink.MessageLink``.
    """

    def send_future(self, message, cancellable=None):
        """Send ``message`` and return an asyncio future, like
        :meth:`Link.send_future`.
        """
        return _send_future(self, message, cancellable)


MessageLink = override(MessageLink)
__all__.append('MessageLink')
