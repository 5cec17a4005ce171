// SPDX-License-Identifier: LGPL-2.1-or-later
/* exported _init */

// GJS override for the Interlink namespace.
//
// GJS 1.74 applies it to `import Interlink from 'gi://Interlink'` and to
// `imports.gi.Interlink` when the folder that contains `overrides/` is in
// the GJS search path. That path contains gjs-1.0 in each XDG data folder
// (/usr/local/share and /usr/share by default) and the folders given with
// GJS_PATH or `gjs -I`.
//
// JavaScript never runs on a service thread.
//
// GJS runs JavaScript only on the main thread. A JavaScript callback that
// C invokes on another thread is skipped with a critical, and a property
// of a JavaScript-defined object that C reads on another thread returns
// garbage. A service started with Interlink.Service.start() runs on a
// thread of its own, and one started with start_on_executor() on a thread
// of an Interlink.Executor, so:
//
// - Services written in JavaScript run on the main thread's main context:
//   start them with `service.start_on_context(null)`. start() and
//   start_on_executor() throw for a service whose class is defined in
//   JavaScript and for a service that has handlers added with
//   add_handler(), because every handler added from JavaScript is a
//   JavaScript function.
// - A message whose class is defined in JavaScript can only be sent through
//   a link to a service that runs on the global default main context, or on
//   the main thread's thread-default context at the time of the send. Sends
//   to any other service, including one that has not started yet, throw.
//   Messages whose class is defined in C can go to any service.
// - exec_async() and do_exec() run a JavaScript function on the service, so
//   they follow the same rule as JavaScript-defined messages.
//
// These checks cannot see everything. A JavaScript object stored in a
// property of a C message, or returned as a reply to a sender on another
// thread, is not checked. When GJS skips a handler added with add_handler()
// anyway, the library fails the request with Interlink.LinkError.NO_REPLY
// instead of reporting success.
//
// Handlers written in JavaScript answer every request, messages of
// response type G_TYPE_NONE with `reply.return_value(null)`. GJS keeps a
// reply that JavaScript has seen until the garbage collector finalizes it,
// so a request left unanswered fails only then.
//
// A handler added with add_handler(), or a function given to exec_async()
// or do_exec(), that throws fails its request at once. A thrown GLib.Error
// becomes the request's error as it is. Any other exception becomes a
// Gio.IOErrorEnum.FAILED error with the exception's text and is thrown on,
// so that GJS logs it. Without this the request would stay unanswered until
// the garbage collector finalizes the reply. vfunc_handle() overrides are
// not covered and must catch their own exceptions.
//
// The override also makes the async methods of Link and MessageLink return
// a Promise when called without a callback, as Gio._promisify() does.
// Calling Gio._promisify() on them again changes nothing.

const {GIRepository, GLib, GObject, Gio} = imports.gi;

// NOTE: GJS 1.74 loads typelibs into the GIRepository 2.0 default
// repository, so a type that has no entry there was registered at run time
// by GObject.registerClass(). A GJS that uses another repository would make
// every class look like a JavaScript class.
const repository = GIRepository.Repository.get_default();
const definedInJavaScriptByTypeName = new Map();

function isDefinedInJavaScript(object) {
    const gtype = object.constructor.$gtype;
    let result = definedInJavaScriptByTypeName.get(gtype.name);

    if (result === undefined) {
        result = repository.find_by_gtype(gtype) === null;
        definedInJavaScriptByTypeName.set(gtype.name, result);
    }

    return result;
}

// Checks whether the main thread iterates the service's context, as far as
// the override can tell: the global default context, or the main thread's
// thread-default context at the time of the call.
function runsOnMainThread(link) {
    return link.is_on_context(null) ||
        link.is_on_context(GLib.MainContext.get_thread_default());
}

function typeNameOf(object) {
    return object instanceof GObject.Object
        ? object.constructor.$gtype.name : String(object);
}

function checkMessageCanGo(link, message) {
    if (!(message instanceof GObject.Object) || !isDefinedInJavaScript(message))
        return;
    if (runsOnMainThread(link))
        return;

    throw new Error(
        `Cannot send ${typeNameOf(message)} to service ` +
        `${link.get_service_type().name}: the message class is defined in ` +
        'JavaScript, and the service has not started or runs outside the ' +
        'main thread, where GJS cannot read JavaScript objects. Start the ' +
        'service with start_on_context(null) before sending, or send a ' +
        'message class defined in C.');
}

function checkFunctionCanRun(link) {
    if (runsOnMainThread(link))
        return;

    throw new Error(
        'Cannot run a JavaScript function on service ' +
        `${link.get_service_type().name}: the service has not started or ` +
        'runs outside the main thread, where GJS cannot run JavaScript. ' +
        'Start the service with start_on_context(null) first, or send it a ' +
        'message instead.');
}

// IlMessageLink reports a message of another type only with a critical,
// and the request then never completes. A TypeError is easier to act on.
function checkMessageLinkType(messageLink, message) {
    const messageType = messageLink.get_message_type();

    if (message instanceof GObject.Object &&
        GObject.type_is_a(message.constructor.$gtype, messageType))
        return;

    throw new TypeError(
        `This MessageLink only sends ${messageType.name} messages, ` +
        `not ${typeNameOf(message)}`);
}

// Answers the reply with the exception unless the callback answered
// before it threw. Returns whether the exception must be thrown on.
function failRequest(reply, exception) {
    const isGError = exception instanceof GLib.Error;

    if (!reply.is_answered()) {
        reply.return_error(isGError ? exception
            : new GLib.Error(Gio.IOErrorEnum, Gio.IOErrorEnum.FAILED,
                String(exception)));
    }

    return !isGError;
}

// Wraps a handler or exec function, whose last argument is the reply, so
// that an exception fails the request.
function failRequestOnException(callback) {
    if (typeof callback !== 'function')
        return callback;

    return function (...args) {
        try {
            return callback.apply(this, args);
        } catch (exception) {
            if (failRequest(args[args.length - 1], exception))
                throw exception;
            return undefined;
        }
    };
}

// Replaces proto[name] with `replacement`, called as
// replacement(original, ...args) with `this` unchanged. The new method
// keeps the original's length, because Gio._promisify() compares the number
// of arguments with it to tell a call with a callback from one without.
function replaceMethod(proto, name, replacement) {
    const original = proto[name];
    const method = function (...args) {
        return replacement.call(this, original, ...args);
    };

    Object.defineProperty(method, 'length', {value: original.length});
    Object.defineProperty(method, 'name', {value: name});
    proto[name] = method;
}

function _init() {
    const Interlink = this;

    // Services that got a handler from JavaScript. A WeakSet keeps no
    // service alive.
    const servicesWithJavaScriptHandlers = new WeakSet();

    replaceMethod(Interlink.Service.prototype, 'add_handler',
        function (original, messageType, handler, ...rest) {
            servicesWithJavaScriptHandlers.add(this);
            return original.call(this, messageType,
                failRequestOnException(handler), ...rest);
        });

    // The methods that start a service on another thread, with where they
    // put it. start_on_executor() is guarded when the library has it.
    const threadStarts = {
        'start': 'a thread of its own',
        'start_on_executor': 'an executor thread',
    };

    for (const [name, place] of Object.entries(threadStarts)) {
        if (typeof Interlink.Service.prototype[name] !== 'function')
            continue;

        replaceMethod(Interlink.Service.prototype, name, function (original, ...args) {
            let reason = null;

            if (isDefinedInJavaScript(this))
                reason = 'its class is defined in JavaScript';
            else if (servicesWithJavaScriptHandlers.has(this))
                reason = 'it has handlers added from JavaScript';

            if (reason !== null) {
                throw new Error(
                    `Cannot start service ${typeNameOf(this)} on ${place}: ` +
                    `${reason}, and GJS runs JavaScript only on the main ` +
                    'thread. Start it with start_on_context(null) instead.');
            }

            return original.apply(this, args);
        });
    }

    for (const name of ['do_send', 'send_async', 'send_sync']) {
        replaceMethod(Interlink.Link.prototype, name,
            function (original, message, ...rest) {
                checkMessageCanGo(this, message);
                return original.call(this, message, ...rest);
            });
        replaceMethod(Interlink.MessageLink.prototype, name,
            function (original, message, ...rest) {
                checkMessageLinkType(this, message);
                checkMessageCanGo(this.get_link(), message);
                return original.call(this, message, ...rest);
            });
    }

    for (const name of ['do_exec', 'exec_async']) {
        replaceMethod(Interlink.Link.prototype, name,
            function (original, func, ...rest) {
                checkFunctionCanRun(this);
                return original.call(this, failRequestOnException(func), ...rest);
            });
    }

    Gio._promisify(Interlink.Link.prototype, 'send_async', 'send_finish');
    Gio._promisify(Interlink.Link.prototype, 'exec_async', 'exec_finish');
    Gio._promisify(Interlink.Link.prototype, 'stop_async', 'stop_finish');
    Gio._promisify(Interlink.Link.prototype, 'wait_closed_async',
        'wait_closed_finish');
    Gio._promisify(Interlink.MessageLink.prototype, 'send_async',
        'send_finish');
}
