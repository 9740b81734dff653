#include "module_pin.h"
#include "compat.h"

#if defined(_WIN32)
#  include <windows.h>

/* Any object inside this DLL: asking the loader which module holds it finds the shim itself. */
static const char pin_anchor = 0;

void module_pin(void) {
  HMODULE self = NULL;
  /* Best effort: if it fails the shim still works, only as before (a FreeLibrary may unload it). */
  GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                     (LPCWSTR)(const void *)&pin_anchor, &self);
}

#else

void module_pin(void) {}

#endif
