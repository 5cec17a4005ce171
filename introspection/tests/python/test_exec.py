# SPDX-License-Identifier: LGPL-2.1-or-later

"""Running Python callables on a service with exec_async and do_exec."""

import threading

import helpers
from helpers import (AddMessage, Gio, GLib, Interlink, IO_ERROR,
                     TotalMessage)


class ExecTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.service = helpers.CounterService()
        self.link = self.start(self.service)

    def exec(self, func, link=None):
        link = link or self.link
        return self.finish(
            lambda callback: link.exec_async(func, None, callback),
            link.exec_finish)

    def test_exec_returns_value(self):
        self.assertEqual(self.exec(lambda service, context: 42), 42)

    def test_exec_gets_service_and_context(self):
        def inspect(service, context):
            return (service is self.service,
                    context.get_service() is service,
                    context.get_link().same_service(self.link))

        self.assertEqual(self.exec(inspect), (True, True, True))

    def test_exec_runs_on_service_context(self):
        def where(service, context):
            return (threading.get_ident(),
                    GLib.MainContext.get_thread_default() ==
                    context.get_main_context())

        thread, own_context = self.exec(where)

        self.assertNotEqual(thread, threading.get_ident())
        self.assertTrue(own_context)

    def test_exec_returns_none(self):
        self.assertIsNone(self.exec(lambda service, context: None))

    def test_exec_returns_python_object(self):
        value = {'key': [1, 2]}

        self.assertIs(self.exec(lambda service, context: value), value)

    def test_exec_exception(self):
        def fail(service, context):
            raise ZeroDivisionError('division by zero')

        with self.assertRaises(GLib.Error) as caught:
            self.exec(fail)

        self.assertEqual(caught.exception.domain, Interlink.PYTHON_ERROR)
        self.assertEqual(caught.exception.code,
                         Interlink.PYTHON_ERROR_EXCEPTION)
        self.assertEqual(caught.exception.message,
                         'ZeroDivisionError: division by zero')

    def test_exec_glib_error(self):
        def fail(service, context):
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'busy',
                                         Gio.IOErrorEnum.BUSY)

        with self.assertRaises(GLib.Error) as caught:
            self.exec(fail)

        self.assertEqual(caught.exception.domain, IO_ERROR)
        self.assertEqual(caught.exception.code, Gio.IOErrorEnum.BUSY)

    def test_exec_in_order_with_messages(self):
        self.link.do_send(AddMessage(amount=5))

        amounts = self.exec(lambda service, context: list(service.amounts))

        self.assertEqual(amounts, [5])

    def test_exec_user_data(self):
        results = []
        self.link.exec_async(
            lambda service, context: 'value', None,
            lambda link, result, first, second: results.append(
                (link.exec_finish(result), first, second)),
            'first', 'second')
        self.wait_for(lambda: results, 'the exec result')

        self.assertEqual(results, [('value', 'first', 'second')])

    def test_exec_cancelled_before_run(self):
        cancellable = Gio.Cancellable()
        cancellable.cancel()
        ran = []

        with self.assertRaises(GLib.Error) as caught:
            self.finish(
                lambda callback: self.link.exec_async(
                    lambda service, context: ran.append(True),
                    cancellable, callback),
                self.link.exec_finish)

        self.assertEqual(caught.exception.code, Gio.IOErrorEnum.CANCELLED)
        self.assertEqual(self.exec(lambda service, context: len(ran)), 0)

    def test_do_exec(self):
        def add(service, context):
            service.amounts.append(7)

        self.assertTrue(self.link.do_exec(add))
        total = self.send(self.link, TotalMessage())

        self.assertEqual(total.unpack(), (7, [7]))

    def test_do_exec_exception_logged(self):
        def fail(service, context):
            raise ValueError('nobody waits')

        with self.assertLogs('Interlink', 'WARNING') as logs:
            self.link.do_exec(fail)
            self.send(self.link, TotalMessage())

        self.assertEqual(logs.records[0].getMessage(),
                         'Exec function raised an exception that no sender '
                         'receives')

    def test_do_exec_after_stop(self):
        self.stop(self.link)

        with self.assertRaises(GLib.Error) as caught:
            self.link.do_exec(lambda service, context: None)

        self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)

    def test_exec_before_start(self):
        service = helpers.CounterService()
        link = service.get_link()
        results = []

        link.exec_async(lambda service, context: 'started', None,
                        lambda source, result: results.append(result))
        self.start(service)
        self.wait_for(lambda: results, 'the exec result')

        self.assertEqual(link.exec_finish(results[0]), 'started')


if __name__ == '__main__':
    helpers.main()
