# SPDX-License-Identifier: LGPL-2.1-or-later

"""Timers of a service context with Python callbacks."""

import threading

import helpers
from helpers import Interlink


class TimerService(Interlink.Service):
    """Runs the test's function on its context and records timer ticks."""

    def __init__(self):
        super().__init__()
        self.ticks = []
        self.stopping_timer = None

    def do_stopping(self, context):
        self.stopping_timer = context.run_later(0, lambda *args: None)


class TimerTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.service = TimerService()
        self.link = self.start(self.service)

    def exec(self, func):
        return self.finish(
            lambda callback: self.link.exec_async(func, None, callback),
            self.link.exec_finish)

    def test_run_later(self):
        fired = threading.Event()

        def tick(service, context, label):
            service.ticks.append((label, context.get_service() is service,
                                  threading.get_ident()))
            fired.set()

        timer_id = self.exec(
            lambda service, context: context.run_later(1, tick, 'once'))

        self.assertGreater(timer_id, 0)
        self.assertTrue(fired.wait(helpers.TIMEOUT_S))
        ticks = self.exec(lambda service, context: list(service.ticks))
        self.assertEqual(len(ticks), 1)
        self.assertEqual(ticks[0][:2], ('once', True))
        self.assertNotEqual(ticks[0][2], threading.get_ident())

    def test_run_later_without_data(self):
        fired = threading.Event()

        timer_id = self.exec(lambda service, context: context.run_later(
            0, lambda service, context: fired.set()))

        self.assertGreater(timer_id, 0)
        self.assertTrue(fired.wait(helpers.TIMEOUT_S))

    def test_cancel_fired_run_later(self):
        fired = threading.Event()
        timer_id = self.exec(lambda service, context: context.run_later(
            0, lambda *args: fired.set()))
        self.assertTrue(fired.wait(helpers.TIMEOUT_S))

        cancelled = self.exec(
            lambda service, context: context.cancel_timer(timer_id))

        self.assertFalse(cancelled)

    def test_cancel_pending_run_later(self):
        def start_and_cancel(service, context):
            timer_id = context.run_later(60000, lambda *args: None)
            return (context.cancel_timer(timer_id),
                    context.cancel_timer(timer_id))

        self.assertEqual(self.exec(start_and_cancel), (True, False))

    def test_cancel_unknown_timer(self):
        self.assertFalse(self.exec(
            lambda service, context: context.cancel_timer(123456)))

    def test_run_interval_until_cancelled(self):
        done = threading.Event()

        def tick(service, context):
            service.ticks.append(context.is_stopping())
            if len(service.ticks) == 3:
                service.cancel_result = context.cancel_timer(service.timer_id)
                done.set()

        def start(service, context):
            service.timer_id = context.run_interval(1, tick)
            return service.timer_id

        self.assertGreater(self.exec(start), 0)
        self.assertTrue(done.wait(helpers.TIMEOUT_S))

        ticks, cancelled, cancelled_again = self.exec(
            lambda service, context: (
                list(service.ticks), service.cancel_result,
                context.cancel_timer(service.timer_id)))
        self.assertEqual(ticks, [False, False, False])
        self.assertTrue(cancelled)
        self.assertFalse(cancelled_again)

    def test_no_tick_after_stop(self):
        ticking = threading.Event()

        def tick(service, context):
            service.ticks.append(context.is_stopping())
            ticking.set()

        self.exec(lambda service, context: context.run_interval(1, tick))
        self.assertTrue(ticking.wait(helpers.TIMEOUT_S))
        self.stop(self.link)

        self.assertGreater(len(self.service.ticks), 0)
        self.assertNotIn(True, self.service.ticks)

    def test_run_later_while_stopping(self):
        self.stop(self.link)

        self.assertEqual(self.service.stopping_timer, 0)


if __name__ == '__main__':
    helpers.main()
