# SPDX-License-Identifier: LGPL-2.1-or-later

"""A program that exits while services run Python code, for test_exit.py.

Usage: exit_script.py MODE. Every mode starts services whose handlers and
1 ms interval timers are Python code, waits until each timer ticked three
times, prints "ticking" and then ends as MODE selects:

  stop      stops the services with Link.stop() and returns at once
  drop      drops its links without stopping the services
  mainloop  runs a GLib.MainLoop while the timers tick, then quits it
  context   also starts services on the global default context, runs a
            GLib.MainLoop and quits it, keeping every service running
  busy      leaves a handler in the middle of Python work
  c-service runs a Python timer on a service written in C, then drops it
  asyncio   awaits answers in asyncio and leaves one request unanswered
  executor  also starts services on an executor, then drops every link

Exits with status 3 when the timers do not tick within the time limit.
"""

import asyncio
import sys
import threading
import time

import gi

import helpers
from helpers import GLib, Interlink

gi.require_version('InterlinkTest', '1')
from gi.repository import InterlinkTest  # noqa: E402

SERVICE_COUNT = 4
TICKS = 3


class BusyMessage(Interlink.Message):
    """Keeps the handler busy in Python for a while."""


class TickingService(Interlink.Service):
    """Ticks every millisecond from do_started, in Python."""

    def __init__(self, ready):
        super().__init__()
        self.ready = ready
        self.ticks = 0

    def do_started(self, context):
        context.run_interval(1, self.on_tick)

    def on_tick(self, service, context):
        self.ticks += 1
        if self.ticks == TICKS:
            self.ready.release()

    @Interlink.handler(helpers.TextMessage)
    def on_text(self, message, context, reply):
        if message.props.value == 'never':
            self.kept_reply = reply
            return Interlink.DEFERRED
        return message.props.value

    @Interlink.handler(BusyMessage)
    def on_busy(self, message, context, reply):
        self.ready.release()
        total = 0
        for number in range(2_000_000):
            total += number
        return None


def wait_ticking(ready, count, iterate_default=False):
    """Wait until ``count`` releases of ``ready``, iterating the global
    default context for services that run on it.
    """
    deadline = time.monotonic() + helpers.TIMEOUT_S
    released = 0
    while released < count:
        if time.monotonic() > deadline:
            print('the timers did not tick', file=sys.stderr)
            sys.exit(3)
        if iterate_default:
            GLib.MainContext.default().iteration(False)
            timeout = 0.001
        else:
            timeout = deadline - time.monotonic()
        if ready.acquire(timeout=max(timeout, 0)):
            released += 1
    print('ticking', flush=True)


def start_services(ready, on_context=False, executor=None):
    links = []
    for _ in range(SERVICE_COUNT):
        service = TickingService(ready)
        if on_context:
            links.append(service.start_on_context(None))
        elif executor is not None:
            links.append(service.start_on_executor(executor))
        else:
            links.append(service.start())
    return links


async def await_answers(link):
    link.send_future(helpers.TextMessage(value='never'))
    answer = await link.send_future(helpers.TextMessage(value='answer'))
    assert answer == 'answer', answer


def main(mode):
    ready = threading.Semaphore(0)
    links = start_services(ready)
    count = SERVICE_COUNT

    if mode == 'context':
        links += start_services(ready, on_context=True)
        count += SERVICE_COUNT
    elif mode == 'c-service':
        c_link = InterlinkTest.EchoService.new().start()

        def tick(service, context):
            service.python_ticks = getattr(service, 'python_ticks', 0) + 1
            if service.python_ticks == TICKS:
                ready.release()

        c_link.do_exec(lambda service, context:
                       context.run_interval(1, tick))
        count += 1
    elif mode == 'busy':
        links[0].do_send(BusyMessage())
        count += 1
    elif mode == 'executor':
        executor = Interlink.Executor.new(2)
        links += start_services(ready, executor=executor)
        count += SERVICE_COUNT

    wait_ticking(ready, count, iterate_default=(mode == 'context'))

    if mode == 'stop':
        for link in links:
            link.stop()
    elif mode in ('drop', 'executor'):
        links.clear()
    elif mode == 'asyncio':
        asyncio.run(await_answers(links[0]))
    elif mode in ('mainloop', 'context'):
        loop = GLib.MainLoop()
        GLib.timeout_add(20, loop.quit)
        loop.run()


if __name__ == '__main__':
    main(sys.argv[1])
