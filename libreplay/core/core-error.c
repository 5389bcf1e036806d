/*
 * core/core-error.c - error codes and their text.
 */
#include <string.h>
#include "core-local.h"

#define MMR_ERR(code, str) [MMR_E_##code - MMR_E__START - 1] = str,
static const char *const mmr_error_text[] = { MMR_ERRORS };
#undef MMR_ERR

const char *mmr_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err > MMR_E__START && err < MMR_E__END)
		return mmr_error_text[err - MMR_E__START - 1];
	if (err == 0)
		return "success";
	if (err < MMR_E__START) {
		const char *s = strerror(err);
		return s ? s : "unknown error";
	}
	return "unknown error";
}
