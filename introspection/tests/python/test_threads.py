# SPDX-License-Identifier: LGPL-2.1-or-later

"""Python threads: deferred replies, callbacks on the calling thread's
context and concurrent senders.
"""

import threading

import helpers
from helpers import (AddMessage, GLib, Interlink, NoneMessage, TextMessage,
                     TotalMessage)


class DeferringService(Interlink.Service):
    """Answers from a new Python thread after the handler returned."""

    def __init__(self):
        super().__init__()
        self.answer_threads = []

    def answer_later(self, reply, value):
        def run():
            self.answer_threads.append(threading.get_ident())
            reply.return_value(value)

        thread = threading.Thread(target=run)
        thread.start()

    @Interlink.handler(TextMessage)
    def on_text(self, message, context, reply):
        self.answer_later(reply, message.props.value.upper())
        return None

    @Interlink.handler(NoneMessage)
    def on_none(self, message, context, reply):
        self.answer_later(reply, None)
        return Interlink.DEFERRED


class Worker:
    """A Python thread with its own thread-default main context, running
    one function on it.
    """

    def __init__(self, test, func):
        self.test = test
        self.context = GLib.MainContext.new()
        self.func = func
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self.run)

    def run(self):
        self.context.push_thread_default()
        try:
            self.result = self.func(self)
        except Exception as error:
            self.error = error
        finally:
            self.context.pop_thread_default()

    def wait_for(self, predicate, description):
        self.test.wait_for(predicate, description, context=self.context)

    def join(self):
        self.thread.start()
        self.thread.join(helpers.TIMEOUT_S * 2)
        self.test.assertFalse(self.thread.is_alive(), 'the worker hangs')
        if self.error is not None:
            raise self.error
        return self.result


class DeferredReplyTests(helpers.TestCase):

    def test_reply_from_other_thread(self):
        service = DeferringService()
        link = self.start(service)

        answer = self.send(link, TextMessage(value='later'))

        self.assertEqual(answer, 'LATER')
        self.assertEqual(len(service.answer_threads), 1)
        self.assertNotEqual(service.answer_threads[0], threading.get_ident())

    def test_deferred_none_type(self):
        service = DeferringService()
        link = self.start(service)

        self.assertIsNone(self.send(link, NoneMessage()))
        self.assertEqual(len(service.answer_threads), 1)


class CallingContextTests(helpers.TestCase):

    def test_callback_on_worker_context(self):
        link = self.start(helpers.EchoService())

        def send(worker):
            results = []
            link.send_async(TextMessage(value='worker'), None,
                            lambda source, result: results.append(
                                (source.send_finish(result),
                                 threading.get_ident())))
            worker.wait_for(lambda: results, 'the answer')
            return results[0], threading.get_ident()

        (answer, callback_thread), worker_thread = Worker(self, send).join()

        self.assertEqual(answer, 'worker')
        self.assertEqual(callback_thread, worker_thread)
        self.assertFalse(self.context.pending())

    def test_closed_signal_on_creating_thread(self):
        service = helpers.EchoService()
        main_link = self.start(service)

        def watch(worker):
            link = service.get_link()
            emissions = []
            link.connect('closed', lambda source: emissions.append(
                threading.get_ident()))
            link.stop()
            worker.wait_for(lambda: emissions, 'the closed signal')
            return emissions, threading.get_ident()

        emissions, worker_thread = Worker(self, watch).join()

        self.assertEqual(emissions, [worker_thread])
        self.assertTrue(main_link.is_closed())


class ConcurrentSenderTests(helpers.TestCase):

    def test_send_sync_from_threads(self):
        link = self.start(helpers.EchoService())
        answers = {}

        def send(index):
            answers[index] = link.send_sync(TextMessage(value=str(index)),
                                            None)

        threads = [threading.Thread(target=send, args=(i,))
                   for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(helpers.TIMEOUT_S)

        self.assertEqual(answers, {i: str(i) for i in range(8)})

    def test_order_per_sending_thread(self):
        link = self.start(helpers.CounterService())

        def send(offset):
            for amount in range(offset, offset + 50):
                link.do_send(AddMessage(amount=amount))

        threads = [threading.Thread(target=send, args=(offset,))
                   for offset in (0, 1000)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(helpers.TIMEOUT_S)
        total, amounts = self.send(link, TotalMessage()).unpack()

        self.assertEqual([a for a in amounts if a < 1000], list(range(50)))
        self.assertEqual([a for a in amounts if a >= 1000],
                         list(range(1000, 1050)))
        self.assertEqual(total, sum(range(50)) + sum(range(1000, 1050)))


if __name__ == '__main__':
    helpers.main()
