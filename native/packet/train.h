/* The advert trains (train.c): registers their functions on the addon's exports. */
#ifndef VRRPD_TRAIN_H
#define VRRPD_TRAIN_H
#include <node_api.h>

/* Adds trainsOpen, trainStart, trainStop, trainSent, trainNext, trainLateness and trainsClose to `exports`. */
void vrrpd_train_register(napi_env env, napi_value exports);

#endif
