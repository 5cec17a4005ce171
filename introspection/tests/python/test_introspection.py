# SPDX-License-Identifier: LGPL-2.1-or-later

"""The annotations that the Python API depends on, read from the built
Interlink-1.gir and from the typelib that PyGObject loads.

INTERLINK_GIR names the GIR file; meson sets it.
"""

import os
import xml.etree.ElementTree as ElementTree

import gi

import helpers

gi.require_version('GIRepository', '2.0')
from gi.repository import GIRepository  # noqa: E402

CORE = '{http://www.gtk.org/introspection/core/1.0}'
C_IDENTIFIER = '{http://www.gtk.org/introspection/c/1.0}identifier'
ERROR_DOMAIN = '{http://www.gtk.org/introspection/glib/1.0}error-domain'

# Functions that return an answer as a GValue.
VALUE_RETURNING = [
    'il_link_send_finish',
    'il_link_send_sync',
    'il_link_exec_finish',
    'il_message_link_send_finish',
    'il_message_link_send_sync',
]

THROWING = VALUE_RETURNING + [
    'il_link_do_send',
    'il_link_do_exec',
    'il_link_stop_finish',
    'il_link_wait_closed_finish',
    'il_message_link_do_send',
]

ASYNC_FUNCTIONS = [
    'il_link_send_async',
    'il_link_exec_async',
    'il_link_stop_async',
    'il_link_wait_closed_async',
    'il_message_link_send_async',
]

# Function, its callback parameter, the callback's data and destroy notify.
NOTIFIED_CALLBACKS = [
    ('il_link_exec_async', 'func', 'func_data', 'func_data_destroy'),
    ('il_link_do_exec', 'func', 'func_data', 'func_data_destroy'),
    ('il_service_add_handler', 'func', 'user_data', 'notify'),
    ('il_service_context_run_later', 'func', 'user_data', 'notify'),
    ('il_service_context_run_interval', 'func', 'user_data', 'notify'),
]


def load_gir():
    tree = ElementTree.parse(os.environ['INTERLINK_GIR'])
    functions = {}
    for element in tree.iter():
        identifier = element.get(C_IDENTIFIER)
        if identifier is not None and element.find(CORE + 'parameters') \
                is not None:
            functions[identifier] = element
    return tree, functions


class GirTests(helpers.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.tree, cls.functions = load_gir()

    def function(self, identifier):
        self.assertIn(identifier, self.functions)
        return self.functions[identifier]

    def parameters(self, identifier):
        """Return the parameters without the instance parameter, in the
        order that closure and destroy indexes count.
        """
        return self.function(identifier).findall(
            CORE + 'parameters/' + CORE + 'parameter')

    def parameter(self, identifier, name):
        for parameter in self.parameters(identifier):
            if parameter.get('name') == name:
                return parameter
        self.fail('%s has no parameter %s' % (identifier, name))

    def test_value_returns(self):
        for identifier in VALUE_RETURNING:
            with self.subTest(function=identifier):
                result = self.function(identifier).find(CORE + 'return-value')
                self.assertEqual(result.get('transfer-ownership'), 'full')
                self.assertEqual(result.get('nullable'), '1')
                self.assertEqual(result.find(CORE + 'type').get('name'),
                                 'GObject.Value')

    def test_throws(self):
        for identifier in THROWING:
            with self.subTest(function=identifier):
                self.assertEqual(self.function(identifier).get('throws'), '1')

    def test_start_on_context_nullable(self):
        context = self.parameter('il_service_start_on_context', 'context')

        self.assertEqual(context.get('nullable'), '1')

    def test_cancellables_nullable(self):
        found = 0
        for identifier, function in self.functions.items():
            for parameter in function.iter(CORE + 'parameter'):
                if parameter.get('name') != 'cancellable':
                    continue
                found += 1
                with self.subTest(function=identifier):
                    self.assertEqual(parameter.get('nullable'), '1')
        self.assertEqual(found, 7)

    def test_async_callbacks(self):
        for identifier in ASYNC_FUNCTIONS:
            with self.subTest(function=identifier):
                parameters = self.parameters(identifier)
                callback = self.parameter(identifier, 'callback')
                self.assertEqual(callback.find(CORE + 'type').get('name'),
                                 'Gio.AsyncReadyCallback')
                self.assertEqual(callback.get('scope'), 'async')
                closure = parameters[int(callback.get('closure'))]
                self.assertEqual(closure.get('name'), 'user_data')

    def test_notified_callbacks(self):
        for identifier, func, data, destroy in NOTIFIED_CALLBACKS:
            with self.subTest(function=identifier):
                parameters = self.parameters(identifier)
                callback = self.parameter(identifier, func)
                self.assertEqual(callback.get('scope'), 'notified')
                self.assertEqual(
                    parameters[int(callback.get('closure'))].get('name'), data)
                self.assertEqual(
                    parameters[int(callback.get('destroy'))].get('name'),
                    destroy)

    def test_class_handler_forever(self):
        func = self.parameter('il_service_class_add_handler', 'func')

        self.assertEqual(func.get('scope'), 'forever')

    def test_link_error_domain(self):
        domains = [element for element in self.tree.iter(CORE + 'enumeration')
                   if element.get('name') == 'LinkError']

        self.assertEqual(len(domains), 1)
        self.assertEqual(domains[0].get(ERROR_DOMAIN), 'il-link-error-quark')


def find_method(class_name, method_name):
    """Return the typelib's FunctionInfo, which an override may hide."""
    info = gi.Repository.get_default().find_by_name('Interlink', class_name)
    return info.find_method(method_name)


class TypelibTests(helpers.TestCase):
    """What PyGObject reads from Interlink-1.typelib."""

    def test_override_from_pythonpath(self):
        import gi.overrides.Interlink as override

        expected = os.path.join(os.environ['PYTHONPATH'].split(os.pathsep)[0],
                                'gi', 'overrides')
        self.assertTrue(os.path.samefile(os.path.dirname(override.__file__),
                                         expected),
                        'the override in use is %s' % override.__file__)

    def test_send_finish(self):
        info = find_method('Link', 'send_finish')

        self.assertTrue(info.may_return_null())
        self.assertEqual(info.get_caller_owns(),
                         int(GIRepository.Transfer.EVERYTHING))
        self.assertTrue(info.can_throw_gerror())
        self.assertEqual(info.get_return_type().get_interface().get_name(),
                         'Value')

    def test_exec_async_arguments(self):
        arguments = {argument.get_name(): argument for argument
                     in find_method('Link', 'exec_async').get_arguments()}

        self.assertEqual(arguments['func'].get_scope(),
                         int(GIRepository.ScopeType.NOTIFIED))
        self.assertEqual(arguments['func'].get_closure(), 1)
        self.assertEqual(arguments['func'].get_destroy(), 2)
        self.assertEqual(arguments['callback'].get_scope(),
                         int(GIRepository.ScopeType.ASYNC))
        self.assertEqual(arguments['callback'].get_closure(), 5)
        self.assertTrue(arguments['cancellable'].may_be_null())


if __name__ == '__main__':
    helpers.main()
