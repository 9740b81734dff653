/* A TCP connection to 127.0.0.1 where every operation is bounded by an absolute monotonic deadline.
   IPv4 literal only: no name resolution, no proxy, nothing that could wait on the network. */
#ifndef PREALERT_LOOPBACK_SOCKET_H
#define PREALERT_LOOPBACK_SOCKET_H

#include "compat.h"
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#  include <winsock2.h>
typedef SOCKET shim_socket;
#  define SHIM_NO_SOCKET INVALID_SOCKET
#else
typedef int shim_socket;
#  define SHIM_NO_SOCKET (-1)
#endif

typedef enum {
  SOCKET_DONE = 0,
  SOCKET_REFUSED,  /* nothing listens, the connection was reset while connecting, or no route to 127.0.0.1 */
  SOCKET_TIMEOUT,  /* the deadline passed */
  SOCKET_FAILED    /* any other OS error (from connecting: a local one, such as no free fd or port); the OS error
                      code is reported alongside */
} socket_status;

/* Call once per process before any other function here (WSAStartup on Windows). */
int loopback_startup(void);

socket_status loopback_connect(uint16_t port, int64_t deadline_ms, shim_socket *connected, int *os_error);
socket_status loopback_send_all(shim_socket s, const void *data, size_t length, int64_t deadline_ms, int *os_error);
/* Receives at most capacity bytes; *received == 0 with SOCKET_DONE means the peer closed. */
socket_status loopback_receive(shim_socket s, void *buffer, size_t capacity, int64_t deadline_ms, size_t *received,
                               int *os_error);
void loopback_close(shim_socket s);

#endif
