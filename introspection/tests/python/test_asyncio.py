# SPDX-License-Identifier: LGPL-2.1-or-later

"""Awaiting answers from asyncio with send_future."""

import asyncio
import threading

import gi

import helpers
from helpers import (AddMessage, Gio, GLib, Interlink, IO_ERROR, TextMessage,
                     TotalMessage)

gi.require_version('InterlinkTest', '1')
from gi.repository import InterlinkTest  # noqa: E402


def run(coroutine):
    """Run ``coroutine`` in a new event loop, at most TIMEOUT_S seconds."""
    return asyncio.run(asyncio.wait_for(coroutine, helpers.TIMEOUT_S))


class SendFutureTests(helpers.TestCase):

    def test_await_answer(self):
        link = self.start(helpers.EchoService())

        async def main():
            return await link.send_future(TextMessage(value='awaited'))

        self.assertEqual(run(main()), 'awaited')

    def test_await_c_service(self):
        link = self.start(InterlinkTest.EchoService.new())

        async def main():
            return await link.send_future(
                InterlinkTest.TextMessage(value='from C'))

        self.assertEqual(run(main()), 'from C')

    def test_await_error(self):
        link = self.start(helpers.EchoService())

        async def main():
            return await link.send_future(helpers.Int64Message())

        with self.assertRaises(GLib.Error) as caught:
            run(main())

        self.assertLinkError(caught.exception, Interlink.LinkError.UNHANDLED)

    def test_gather_keeps_order(self):
        link = self.start(helpers.CounterService())

        async def main():
            futures = [link.send_future(AddMessage(amount=amount))
                       for amount in range(10)]
            link.do_send(AddMessage(amount=100))
            await asyncio.gather(*futures)
            return await link.send_future(TotalMessage())

        total = run(main())

        self.assertEqual(total.unpack(), (145, list(range(10)) + [100]))

    def test_cancel_future_cancels_request(self):
        service = InterlinkTest.EchoService.new()
        link = self.start(service)
        cancellable = Gio.Cancellable()
        entered = threading.Event()
        release = threading.Event()

        def block(service, context):
            entered.set()
            release.wait(helpers.TIMEOUT_S)

        link.do_exec(block)
        self.assertTrue(entered.wait(helpers.TIMEOUT_S))

        echo = self.start(helpers.EchoService())

        async def main():
            queued = link.send_future(
                InterlinkTest.TextMessage(value='never'), cancellable)
            queued.cancel()
            # The future's done callbacks, which cancel the request, run on
            # the next iteration of the event loop.
            await asyncio.sleep(0)
            # The request fails on the thread that send_future uses, which
            # dispatches the cancellation before it makes the next send.
            # Only then may the service go on, because a request that is
            # cancelled but not yet failed is still handled.
            await echo.send_future(TextMessage(value='barrier'))
            release.set()
            handled = await link.send_future(
                InterlinkTest.SleepMessage(milliseconds=0))
            return handled, queued.cancelled()

        handled, cancelled = run(main())

        self.assertEqual(handled, 1)
        self.assertTrue(cancelled)
        self.assertTrue(cancellable.is_cancelled())

    def test_cancellable_fails_future(self):
        link = self.start(helpers.EchoService())
        cancellable = Gio.Cancellable()
        cancellable.cancel()

        async def main():
            return await link.send_future(TextMessage(), cancellable)

        with self.assertRaises(GLib.Error) as caught:
            run(main())

        self.assertEqual(caught.exception.domain, IO_ERROR)
        self.assertEqual(caught.exception.code, Gio.IOErrorEnum.CANCELLED)

    def test_message_link_future(self):
        link = self.start(helpers.EchoService())
        echo = Interlink.MessageLink.new(link, TextMessage)

        async def main():
            return await echo.send_future(TextMessage(value='typed'))

        self.assertEqual(run(main()), 'typed')


if __name__ == '__main__':
    helpers.main()
