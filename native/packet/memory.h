/* Giving back to the kernel the memory a finished worker thread left mapped (memory.c): registers its functions on the addon's exports. */
#ifndef VRRPD_MEMORY_H
#define VRRPD_MEMORY_H
#include <node_api.h>

/* Adds memoryMark and memoryRelease to `exports`. */
void vrrpd_memory_register(napi_env env, napi_value exports);

#endif
