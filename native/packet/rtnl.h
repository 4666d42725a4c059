/* The rtnetlink socket for virtual addresses (rtnl.c): registers its functions on the addon's exports. */
#ifndef VRRPD_RTNL_H
#define VRRPD_RTNL_H
#include <node_api.h>

/* Adds rtnlOpen, rtnlIfindex, rtnlTalk, rtnlFault and rtnlClose to `exports`. */
void vrrpd_rtnl_register(napi_env env, napi_value exports);

#endif
