/* Keeps the shim loaded for the rest of the process once it has been used. Some HIS programs load the
   insurance DLL around every call (LoadLibrary, call, FreeLibrary; dlopen/dlclose on Linux): each unload
   would throw away the circuit breaker, the one-time initialisation and the settings, so with a stuck
   sidecar every call would wait its whole deadline and the breaker would never open. */
#ifndef PREALERT_MODULE_PIN_H
#define PREALERT_MODULE_PIN_H

/* Windows: pins the DLL (GetModuleHandleExW with GET_MODULE_HANDLE_EX_FLAG_PIN), so later FreeLibrary calls
   leave it loaded. Called once, from the first call's initialisation (never from DllMain: the shim has none).
   Linux: nothing to do here; libprealert.so is linked with -z nodelete, so dlclose never unloads it. */
void module_pin(void);

#endif
