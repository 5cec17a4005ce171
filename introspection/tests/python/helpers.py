# SPDX-License-Identifier: LGPL-2.1-or-later

"""Shared parts of the Python tests: messages, services, bounded waits and
a unittest runner that prints TAP for meson.
"""

import os
import subprocess
import sys
import traceback
import unittest

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Interlink', '1')

from gi.repository import Gio, GLib, GObject, Interlink  # noqa: E402

#: Bound of every wait, in seconds. A wait that takes longer fails the test.
TIMEOUT_S = 10

LINK_ERROR = GLib.quark_to_string(Interlink.link_error_quark())
IO_ERROR = GLib.quark_to_string(Gio.io_error_quark())


class TextMessage(Interlink.Message):
    """Answered with a string."""
    response_type = str
    value = GObject.Property(type=str)


class LoudTextMessage(TextMessage):
    """A subtype without a handler of its own in most services."""


class Payload(GObject.Object):
    """A GObject to send in replies."""
    label = GObject.Property(type=str)


class PayloadMessage(Interlink.Message):
    """Carries any Python value, which ValueService answers with as is.

    The subclasses declare the response types that the tests convert to.
    """
    payload = GObject.Property(type=object)


class NoneMessage(PayloadMessage):
    response_type = None


class IntMessage(PayloadMessage):
    response_type = GObject.TYPE_INT


class Int64Message(PayloadMessage):
    response_type = GObject.TYPE_INT64


class UInt64Message(PayloadMessage):
    response_type = GObject.TYPE_UINT64


class DoubleMessage(PayloadMessage):
    response_type = GObject.TYPE_DOUBLE


class BoolMessage(PayloadMessage):
    response_type = bool


class StringMessage(PayloadMessage):
    response_type = str


class ObjectMessage(PayloadMessage):
    response_type = Payload


class VariantMessage(PayloadMessage):
    response_type = GObject.TYPE_VARIANT


class EnumMessage(PayloadMessage):
    response_type = Gio.FileType


class ValueService(Interlink.Service):
    """Answers every PayloadMessage with its payload."""

    @Interlink.handler(PayloadMessage)
    def on_payload(self, message, context, reply):
        return message.props.payload


class EchoService(Interlink.Service):
    """Answers a TextMessage with its value."""

    @Interlink.handler(TextMessage)
    def on_text(self, message, context, reply):
        return message.props.value


class AddMessage(Interlink.Message):
    """Adds its amount to CounterService's total, without an answer."""
    amount = GObject.Property(type=int)


class TotalMessage(Interlink.Message):
    """Answered with CounterService's total and the amounts in order."""
    response_type = GObject.TYPE_VARIANT


class CounterService(Interlink.Service):
    """Keeps a total that only its own thread touches."""

    def __init__(self):
        super().__init__()
        self.amounts = []

    @Interlink.handler(AddMessage)
    def on_add(self, message, context, reply):
        self.amounts.append(message.props.amount)

    @Interlink.handler(TotalMessage)
    def on_total(self, message, context, reply):
        return GLib.Variant('(iai)', (sum(self.amounts), self.amounts))


class TestCase(unittest.TestCase):
    """Runs each test with a private thread-default main context.

    Callbacks of async calls made by the test arrive on ``self.context``,
    which only the waits below iterate.
    """

    def setUp(self):
        self.context = GLib.MainContext.new()
        self.context.push_thread_default()
        self.addCleanup(self.context.pop_thread_default)

    def wait_for(self, predicate, description, context=None):
        """Iterate ``context`` until ``predicate()`` is true, at most
        TIMEOUT_S seconds.
        """
        context = context or self.context
        timed_out = []
        source = GLib.timeout_source_new(TIMEOUT_S * 1000)
        source.set_callback(lambda *args: timed_out.append(True))
        source.attach(context)
        try:
            while not predicate():
                if timed_out:
                    self.fail('Timed out after %d s waiting for %s'
                              % (TIMEOUT_S, description))
                context.iteration(True)
        finally:
            source.destroy()

    def finish(self, begin, finish):
        """Run an async call to its end: ``begin(callback)`` starts it and
        ``finish(result)`` returns its value or raises its error.
        """
        results = []
        begin(lambda source, result, *data: results.append(result))
        self.wait_for(lambda: results, 'the async call to complete')
        return finish(results[0])

    def send(self, link, message, cancellable=None):
        """Send with send_async and return what send_finish returns."""
        return self.finish(
            lambda callback: link.send_async(message, cancellable, callback),
            link.send_finish)

    def sync(self, link):
        """Wait until the service finished what was sent to it before,
        with a round trip of an exec request.
        """
        self.finish(
            lambda callback: link.exec_async(lambda service, context: None,
                                             None, callback),
            link.exec_finish)

    def start(self, service):
        """Start ``service`` on its own thread, to stop after the test."""
        link = service.start()
        self.assertIsNotNone(link)
        self.addCleanup(self.stop, link)
        return link

    def stop(self, link):
        """Stop the service and wait until it was released."""
        stopped = self.finish(
            lambda callback: link.stop_async(None, callback),
            link.stop_finish)
        self.assertTrue(stopped)

    def assertLinkError(self, error, code):
        """Check that ``error`` is a GLib.Error of Interlink.LinkError."""
        self.assertEqual(error.domain, LINK_ERROR)
        self.assertEqual(error.code, int(code))


def run_script(name, *args, timeout=TIMEOUT_S, g_debug='gc-friendly'):
    """Run the script ``name`` of this folder with this interpreter.

    The child gets ``g_debug`` as G_DEBUG, so by default criticals are not
    fatal there, whatever G_DEBUG the tests got. Returns the
    ``subprocess.CompletedProcess``, or raises
    ``subprocess.TimeoutExpired`` after ``timeout`` seconds.
    """
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    env = dict(os.environ, G_DEBUG=g_debug)
    return subprocess.run([sys.executable, script] + list(args),
                          env=env, capture_output=True, text=True,
                          timeout=timeout)


class _TapResult(unittest.TestResult):
    """Prints one TAP line per test, failed when one of its subtests
    failed.
    """

    def __init__(self, stream):
        super().__init__()
        self._stream = stream
        self._number = 0
        self._problems = []
        self._directive = ''

    def startTest(self, test):
        super().startTest(test)
        self._problems = []
        self._directive = ''

    def stopTest(self, test):
        super().stopTest(test)
        self._number += 1
        status = 'not ok' if self._problems else 'ok'
        self._stream.write('%s %d - %s%s\n'
                           % (status, self._number, test.id(),
                              self._directive))
        for problem in self._problems:
            for line in problem.rstrip('\n').split('\n'):
                self._stream.write('# %s\n' % line)
        self._stream.flush()

    def _add_problem(self, test, err):
        self._problems.append(self._exc_info_to_string(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._add_problem(test, err)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._add_problem(test, err)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._problems.append('%s\n%s' % (
                subtest.id(), self._exc_info_to_string(err, subtest)))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._directive = ' # SKIP %s' % reason

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._directive = ' # TODO expected failure'
        self._add_problem(test, err)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._directive = ' # TODO unexpected success'


def main():
    """Run the tests of the ``__main__`` module and print TAP."""
    module = sys.modules['__main__']
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    print('1..%d' % suite.countTestCases(), flush=True)
    result = _TapResult(sys.stdout)
    try:
        suite.run(result)
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    sys.exit(0 if result.wasSuccessful() else 1)
