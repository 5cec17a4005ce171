# SPDX-License-Identifier: LGPL-2.1-or-later

"""Programs that exit while services run Python handlers and timers.

Each case runs exit_script.py in a child process several times, because
a race at exit shows up only in some runs. INTERLINK_EXIT_RUNS sets how
many (5 by default). Warnings and criticals are fatal in the child.
"""

import os
import subprocess

import helpers

EXIT_TIMEOUT_S = 2
RUNS = int(os.environ.get('INTERLINK_EXIT_RUNS', '5'))


class ExitTests(helpers.TestCase):

    def assertCleanExit(self, mode):
        for run in range(RUNS):
            with self.subTest(run=run):
                try:
                    process = helpers.run_script(
                        'exit_script.py', mode, timeout=EXIT_TIMEOUT_S,
                        g_debug='fatal-warnings')
                except subprocess.TimeoutExpired as error:
                    self.fail('%s did not exit within %d s; stderr: %s'
                              % (mode, EXIT_TIMEOUT_S, error.stderr))
                self.assertEqual(process.returncode, 0, process.stderr)
                self.assertEqual(process.stdout, 'ticking\n')
                self.assertEqual(process.stderr, '')

    def test_exit_after_stop(self):
        self.assertCleanExit('stop')

    def test_exit_with_dropped_links(self):
        self.assertCleanExit('drop')

    def test_exit_after_main_loop(self):
        self.assertCleanExit('mainloop')

    def test_exit_with_services_on_context(self):
        self.assertCleanExit('context')

    def test_exit_during_handler(self):
        self.assertCleanExit('busy')

    def test_exit_with_c_service(self):
        self.assertCleanExit('c-service')

    def test_exit_after_asyncio(self):
        self.assertCleanExit('asyncio')

    def test_exit_with_executor(self):
        self.assertCleanExit('executor')


if __name__ == '__main__':
    helpers.main()
