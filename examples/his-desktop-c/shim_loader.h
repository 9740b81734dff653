/* Loads prealert's shim library at run time by file name, the way PowerBuilder ("LIBRARY prealert.dll"),
   VB6 (Declare ... Lib) and Delphi (external) doctor stations bind to an insurance DLL. */
#ifndef HIS_SHIM_LOADER_H
#define HIS_SHIM_LOADER_H

#include "prealert.h"

typedef struct {
  int(PREALERT_CALL *call)(const char *infno, const char *input, char *output, int capacity);
  int(PREALERT_CALL *call_gbk)(const char *infno, const char *input, char *output, int capacity);
  int(PREALERT_CALL *call_w)(const prealert_char16 *infno, const prealert_char16 *input, prealert_char16 *output,
                             int capacity);
  const char *(PREALERT_CALL *version)(void);
  int(PREALERT_CALL *set_option)(const char *name, const char *value);
} shim_functions;

/* path: the library file; NULL for the default name (prealert.dll / libprealert.so next to the program).
   Returns 0, or -1 after printing why. */
int shim_load(const char *path, shim_functions *shim);

#endif
