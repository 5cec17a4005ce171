/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "config.h"

#include "il-error.h"

/**
 * il_link_error_quark:
 *
 * Returns the error domain of [error@Interlink.LinkError].
 *
 * Returns: the quark of the `il-link-error-quark` domain
 *
 * Since: 0.1
 */
G_DEFINE_QUARK (il-link-error-quark, il_link_error)
