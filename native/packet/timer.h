/* The kernel deadline timer (timer.c): registers its functions on the addon's exports. */
#ifndef VRRPD_TIMER_H
#define VRRPD_TIMER_H
#include <node_api.h>

/* Adds monotonicMs, timerOpen, timerArm, timerDisarm and timerClose to `exports`. */
void vrrpd_timer_register(napi_env env, napi_value exports);

#endif
