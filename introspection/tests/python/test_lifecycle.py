# SPDX-License-Identifier: LGPL-2.1-or-later

"""Starting and stopping services, their hooks, the closed signal, pausing
and how long a service lives.
"""

import gc
import threading
import weakref

import helpers
from helpers import GLib, Interlink, TextMessage


class HookService(Interlink.Service):
    """Records its hooks and messages, each with the thread it ran on."""

    def __init__(self):
        super().__init__()
        self.events = []

    def do_started(self, context):
        self.events.append(('started', threading.get_ident(),
                            context.get_service() is self))

    def do_stopping(self, context):
        self.events.append(('stopping', threading.get_ident(),
                            context.is_stopping()))

    @Interlink.handler(TextMessage)
    def on_text(self, message, context, reply):
        self.events.append((message.props.value, threading.get_ident(),
                            context.is_stopping()))
        return message.props.value


class StartStopTests(helpers.TestCase):

    def test_is_started(self):
        service = helpers.EchoService()

        self.assertFalse(service.is_started())
        self.start(service)
        self.assertTrue(service.is_started())

    def test_stop_async(self):
        link = helpers.EchoService().start()

        stopped = self.finish(lambda callback: link.stop_async(None, callback),
                              link.stop_finish)

        self.assertTrue(stopped)
        self.assertTrue(link.is_closed())

    def test_stop_async_when_stopped(self):
        link = helpers.EchoService().start()
        self.stop(link)

        stopped = self.finish(lambda callback: link.stop_async(None, callback),
                              link.stop_finish)

        self.assertTrue(stopped)

    def test_stop_twice(self):
        link = helpers.EchoService().start()

        link.stop()
        link.stop()
        closed = self.finish(
            lambda callback: link.wait_closed_async(None, callback),
            link.wait_closed_finish)

        self.assertTrue(closed)
        self.assertTrue(link.is_closed())

    def test_stop_after_earlier_messages(self):
        service = HookService()
        link = service.start()
        results = []

        for value in ('a', 'b'):
            link.send_async(TextMessage(value=value), None,
                            lambda source, result: results.append(result))
        self.stop(link)

        self.assertEqual([link.send_finish(r) for r in results], ['a', 'b'])

    def test_wait_closed_does_not_stop(self):
        link = self.start(helpers.EchoService())
        closed = []

        link.wait_closed_async(None,
                               lambda source, result: closed.append(
                                   source.wait_closed_finish(result)))
        answer = self.send(link, TextMessage(value='still running'))

        self.assertEqual(answer, 'still running')
        self.assertEqual(closed, [])
        self.stop(link)
        self.wait_for(lambda: closed, 'the closed wait')
        self.assertEqual(closed, [True])

    def test_closed_signal(self):
        link = helpers.EchoService().start()
        emissions = []
        link.connect('closed', lambda source: emissions.append(
            (source, threading.get_ident())))

        self.stop(link)
        self.wait_for(lambda: emissions, 'the closed signal')

        self.assertEqual(emissions, [(link, threading.get_ident())])

    def test_closed_signal_every_link(self):
        service = helpers.EchoService()
        first = service.start()
        second = service.get_link()
        emitted = []
        first.connect('closed', lambda source: emitted.append('first'))
        second.connect('closed', lambda source: emitted.append('second'))

        self.stop(second)
        self.wait_for(lambda: len(emitted) == 2, 'two closed signals')

        self.assertEqual(sorted(emitted), ['first', 'second'])


class HookTests(helpers.TestCase):

    def test_hooks_order_and_thread(self):
        service = HookService()
        link = service.start()

        self.assertEqual(self.send(link, TextMessage(value='a')), 'a')
        self.stop(link)

        names = [event[0] for event in service.events]
        threads = {event[1] for event in service.events}
        self.assertEqual(names, ['started', 'a', 'stopping'])
        self.assertEqual(len(threads), 1)
        self.assertNotIn(threading.get_ident(), threads)

    def test_hook_arguments(self):
        service = HookService()
        link = service.start()
        self.stop(link)

        started, stopping = service.events
        self.assertEqual(started[0], 'started')
        self.assertTrue(started[2], 'context.get_service() is the service')
        self.assertEqual(stopping[0], 'stopping')
        self.assertTrue(stopping[2], 'context.is_stopping() in do_stopping')

    def test_stop_from_handler(self):
        class Quitter(HookService):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                context.stop()
                self.events.append(('quit', None, context.is_stopping()))
                return 'bye'

        service = Quitter()
        link = service.start()

        self.assertEqual(self.send(link, TextMessage()), 'bye')
        self.finish(lambda callback: link.wait_closed_async(None, callback),
                    link.wait_closed_finish)

        self.assertEqual([event[0] for event in service.events],
                         ['started', 'quit', 'stopping'])
        self.assertTrue(service.events[1][2])
        self.assertTrue(link.is_closed())


class LifetimeTests(helpers.TestCase):

    def test_service_alive_while_running(self):
        service = helpers.EchoService()
        link = service.start()
        service_ref = weakref.ref(service)
        del service
        gc.collect()

        self.assertEqual(self.send(link, TextMessage(value='alive')), 'alive')
        self.assertIsNotNone(service_ref())
        self.stop(link)

    def test_service_released_after_stop(self):
        service = helpers.EchoService()
        link = service.start()
        service_ref = weakref.ref(service)
        del service

        self.stop(link)
        gc.collect()

        self.assertIsNone(service_ref())

    def test_unstarted_service_fails_queued(self):
        service = helpers.EchoService()
        link = service.get_link()
        results = []
        link.send_async(TextMessage(), None,
                        lambda source, result: results.append(result))

        del service
        gc.collect()
        self.wait_for(lambda: results, 'the failed request')

        with self.assertRaises(GLib.Error) as caught:
            link.send_finish(results[0])
        self.assertLinkError(caught.exception, Interlink.LinkError.CLOSED)


def thread_name(native_id):
    """Return the kernel name of a thread of this process."""
    with open('/proc/self/task/%d/comm' % native_id) as comm:
        return comm.read().strip()


class ExecutorTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.executor = Interlink.Executor.new(2)

    def test_thread_count(self):
        self.assertEqual(self.executor.get_n_threads(), 2)

    def test_services_share_threads(self):
        class Where(Interlink.Service):
            @Interlink.handler(TextMessage)
            def on_text(self, message, context, reply):
                return str(threading.get_native_id())

        links = []
        for _ in range(3):
            link = Where().start_on_executor(self.executor)
            self.addCleanup(self.stop, link)
            links.append(link)

        threads = [int(self.send(link, TextMessage())) for link in links]

        self.assertEqual(len(set(threads)), 2)
        self.assertEqual(threads[0], threads[2])
        for thread in threads:
            self.assertTrue(thread_name(thread).startswith('il-executor-'),
                            thread_name(thread))

    def test_timer_on_executor(self):
        link = helpers.EchoService().start_on_executor(self.executor)
        self.addCleanup(self.stop, link)
        fired = threading.Event()

        timer_id = self.finish(
            lambda callback: link.exec_async(
                lambda service, context: context.run_later(
                    0, lambda *args: fired.set()),
                None, callback),
            link.exec_finish)

        self.assertGreater(timer_id, 0)
        self.assertTrue(fired.wait(helpers.TIMEOUT_S))

    def test_stop_on_executor(self):
        service = HookService()
        link = service.start_on_executor(self.executor)

        self.assertEqual(self.send(link, TextMessage(value='a')), 'a')
        self.stop(link)

        self.assertEqual([event[0] for event in service.events],
                         ['started', 'a', 'stopping'])
        self.assertTrue(link.is_closed())


class LinkQueryTests(helpers.TestCase):

    def test_service_type(self):
        link = self.start(helpers.EchoService())

        self.assertEqual(link.get_service_type(),
                         helpers.EchoService.__gtype__)

    def test_same_service(self):
        service = helpers.EchoService()
        link = self.start(service)
        other = self.start(helpers.EchoService())

        self.assertTrue(link.same_service(service.get_link()))
        self.assertFalse(link.same_service(other))

    def test_is_current(self):
        link = self.start(helpers.EchoService())

        inside = self.finish(
            lambda callback: link.exec_async(
                lambda service, context: context.get_link().is_current(),
                None, callback),
            link.exec_finish)

        self.assertFalse(link.is_current())
        self.assertTrue(inside)


class PauseTests(helpers.TestCase):

    def test_pause_holds_next_message(self):
        class Pausing(HookService):
            @Interlink.handler(helpers.StringMessage)
            def on_pause(self, message, context, reply):
                context.pause()
                self.paused_context = context
                return 'paused'

        service = Pausing()
        link = self.start(service)
        results = []
        link.send_async(helpers.StringMessage(), None,
                        lambda source, result: results.append(result))
        link.send_async(TextMessage(value='after'), None,
                        lambda source, result: results.append(result))

        self.wait_for(lambda: results, 'the pausing answer')
        self.assertEqual(link.send_finish(results[0]), 'paused')
        self.assertEqual(len(results), 1)
        self.assertEqual([event[0] for event in service.events], ['started'])

        service.paused_context.resume()
        self.wait_for(lambda: len(results) == 2, 'the answer after resume')

        self.assertEqual(link.send_finish(results[1]), 'after')
        del service.paused_context


if __name__ == '__main__':
    helpers.main()
