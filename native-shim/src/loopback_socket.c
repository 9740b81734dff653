#include "loopback_socket.h"
#include "clock.h"

#include <string.h>

#if defined(_WIN32)
#  include <mstcpip.h>
#  include <ws2tcpip.h>
#  define LAST_SOCKET_ERROR() ((int)WSAGetLastError())
#  define IS_IN_PROGRESS(e) ((e) == WSAEWOULDBLOCK || (e) == WSAEINPROGRESS)
#  define IS_RETRYABLE(e) ((e) == WSAEWOULDBLOCK || (e) == WSAEINTR)
#  define IS_REFUSAL(e) \
    ((e) == WSAECONNREFUSED || (e) == WSAECONNRESET || (e) == WSAENETUNREACH || (e) == WSAEHOSTUNREACH)
#else
#  include <errno.h>
#  include <fcntl.h>
#  include <netinet/in.h>
#  include <netinet/tcp.h>
#  include <poll.h>
#  include <sys/socket.h>
#  include <unistd.h>
#  define LAST_SOCKET_ERROR() (errno)
#  define IS_IN_PROGRESS(e) ((e) == EINPROGRESS)
#  define IS_RETRYABLE(e) ((e) == EAGAIN || (e) == EWOULDBLOCK || (e) == EINTR)
#  define IS_REFUSAL(e) ((e) == ECONNREFUSED || (e) == ECONNRESET || (e) == ENETUNREACH || (e) == EHOSTUNREACH)
#  ifndef MSG_NOSIGNAL
#    define MSG_NOSIGNAL 0
#  endif
#endif

enum { WAIT_READ = 1, WAIT_WRITE = 2 };
typedef enum { WAIT_READY, WAIT_EXPIRED, WAIT_ERROR } wait_result;

static int remaining_ms(int64_t deadline_ms) {
  int64_t left = deadline_ms - shim_now_ms();
  if (left <= 0) return 0;
  return left > 60000 ? 60000 : (int)left;
}

/* Waits until the socket is ready or the deadline passes. On Windows a failed non-blocking connect
   is reported only in the except set, so that set is always watched while connecting. */
static wait_result wait_ready(shim_socket s, int direction, int64_t deadline_ms, int *os_error) {
  for (;;) {
    int timeout = remaining_ms(deadline_ms);
    /* Checked before every wait, not only after an idle one: a socket that keeps reporting ready with nothing to
       read (Windows reports urgent data in the except set while recv says WSAEWOULDBLOCK) must still give up. */
    if (timeout == 0) return WAIT_EXPIRED;
#if defined(_WIN32)
    fd_set readable, writable, failed;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_ZERO(&failed);
    if (direction == WAIT_READ) FD_SET(s, &readable);
    if (direction == WAIT_WRITE) FD_SET(s, &writable);
    FD_SET(s, &failed);
    struct timeval tv;
    tv.tv_sec = timeout / 1000;
    tv.tv_usec = (timeout % 1000) * 1000;
    int n = select(0, &readable, &writable, &failed, &tv);
    if (n == SOCKET_ERROR) {
      *os_error = LAST_SOCKET_ERROR();
      if (*os_error == WSAEINTR) continue;
      return WAIT_ERROR;
    }
    if (n > 0) return WAIT_READY; /* the caller learns about an except-set error from its next call */
#else
    struct pollfd p;
    p.fd = s;
    p.events = (short)(direction == WAIT_READ ? POLLIN : POLLOUT);
    p.revents = 0;
    int n = poll(&p, 1, timeout);
    if (n < 0) {
      *os_error = errno;
      if (errno == EINTR) continue;
      return WAIT_ERROR;
    }
    if (n > 0) return WAIT_READY;
#endif
    if (remaining_ms(deadline_ms) == 0) return WAIT_EXPIRED;
  }
}

int loopback_startup(void) {
#if defined(_WIN32)
  WSADATA data;
  return WSAStartup(MAKEWORD(2, 2), &data);
#else
  return 0;
#endif
}

void loopback_close(shim_socket s) {
#if defined(_WIN32)
  closesocket(s);
#else
  close(s);
#endif
}

static int set_non_blocking(shim_socket s) {
#if defined(_WIN32)
  u_long on = 1;
  return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : -1;
#else
  int flags = fcntl(s, F_GETFL, 0);
  return flags < 0 ? -1 : fcntl(s, F_SETFL, flags | O_NONBLOCK);
#endif
}

static int pending_socket_error(shim_socket s) {
  int error = 0;
#if defined(_WIN32)
  int length = (int)sizeof(error);
  if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&error, &length) != 0) return LAST_SOCKET_ERROR();
#else
  socklen_t length = (socklen_t)sizeof(error);
  if (getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return LAST_SOCKET_ERROR();
#endif
  return error;
}

socket_status loopback_connect(uint16_t port, int64_t deadline_ms, shim_socket *connected, int *os_error) {
  *connected = SHIM_NO_SOCKET;
  *os_error = 0;
#if defined(_WIN32)
  shim_socket s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET && WSAGetLastError() == WSANOTINITIALISED) {
    /* Another DLL in the host called WSACleanup once too often and took our WSAStartup with it: without a new
       one every later call would fail open until the HIS restarts. */
    WSADATA data;
    if (WSAStartup(MAKEWORD(2, 2), &data) == 0)
      s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
  }
  if (s == INVALID_SOCKET) s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP); /* before Windows 7 SP1 */
#else
  shim_socket s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
#endif
  if (s == SHIM_NO_SOCKET) {
    *os_error = LAST_SOCKET_ERROR();
    return SOCKET_FAILED;
  }
  if (set_non_blocking(s) != 0) {
    *os_error = LAST_SOCKET_ERROR();
    loopback_close(s);
    return SOCKET_FAILED;
  }
  int on = 1;
  setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, (int)sizeof(on));
#if defined(_WIN32)
  {
    /* Without this, Windows retries the SYN to a closed loopback port for about two seconds.
       Best effort: the ioctl exists from Windows 8 on. */
    TCP_INITIAL_RTO_PARAMETERS rto;
    DWORD returned = 0;
    rto.Rtt = TCP_INITIAL_RTO_UNSPECIFIED_RTT;
    rto.MaxSynRetransmissions = TCP_INITIAL_RTO_NO_SYN_RETRANSMISSIONS;
    WSAIoctl(s, SIO_TCP_INITIAL_RTO, &rto, sizeof(rto), NULL, 0, &returned, NULL, NULL);
  }
#endif
  struct sockaddr_in address;
  memset(&address, 0, sizeof(address));
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(0x7f000001); /* 127.0.0.1 */

  if (connect(s, (struct sockaddr *)&address, (int)sizeof(address)) != 0) {
    int error = LAST_SOCKET_ERROR();
    if (!IS_IN_PROGRESS(error)) {
      *os_error = error;
      loopback_close(s);
      return IS_REFUSAL(error) ? SOCKET_REFUSED : SOCKET_FAILED;
    }
    wait_result waited = wait_ready(s, WAIT_WRITE, deadline_ms, os_error);
    if (waited != WAIT_READY) {
      loopback_close(s);
      return waited == WAIT_EXPIRED ? SOCKET_TIMEOUT : SOCKET_FAILED;
    }
    error = pending_socket_error(s);
    if (error != 0) {
      *os_error = error;
      loopback_close(s);
      return IS_REFUSAL(error) ? SOCKET_REFUSED : SOCKET_FAILED;
    }
  }
  *connected = s;
  return SOCKET_DONE;
}

socket_status loopback_send_all(shim_socket s, const void *data, size_t length, int64_t deadline_ms, int *os_error) {
  const char *cursor = (const char *)data;
  while (length > 0) {
    int chunk = length > 65536 ? 65536 : (int)length;
#if defined(_WIN32)
    int sent = send(s, cursor, chunk, 0);
#else
    /* MSG_NOSIGNAL: a SIGPIPE would kill the host program, the one thing the shim must never do. */
    int sent = (int)send(s, cursor, (size_t)chunk, MSG_NOSIGNAL);
#endif
    if (sent > 0) {
      cursor += sent;
      length -= (size_t)sent;
      continue;
    }
    int error = LAST_SOCKET_ERROR();
    if (sent < 0 && IS_RETRYABLE(error)) {
      wait_result waited = wait_ready(s, WAIT_WRITE, deadline_ms, os_error);
      if (waited == WAIT_EXPIRED) return SOCKET_TIMEOUT;
      if (waited == WAIT_ERROR) return SOCKET_FAILED;
      continue;
    }
    *os_error = error;
    return IS_REFUSAL(error) ? SOCKET_REFUSED : SOCKET_FAILED;
  }
  return SOCKET_DONE;
}

socket_status loopback_receive(shim_socket s, void *buffer, size_t capacity, int64_t deadline_ms, size_t *received,
                               int *os_error) {
  *received = 0;
  int chunk = capacity > 65536 ? 65536 : (int)capacity;
  for (;;) {
#if defined(_WIN32)
    int got = recv(s, (char *)buffer, chunk, 0);
#else
    int got = (int)recv(s, buffer, (size_t)chunk, 0);
#endif
    if (got >= 0) {
      *received = (size_t)got;
      return SOCKET_DONE;
    }
    int error = LAST_SOCKET_ERROR();
    if (!IS_RETRYABLE(error)) {
      *os_error = error;
      return IS_REFUSAL(error) ? SOCKET_REFUSED : SOCKET_FAILED;
    }
    wait_result waited = wait_ready(s, WAIT_READ, deadline_ms, os_error);
    if (waited == WAIT_EXPIRED) return SOCKET_TIMEOUT;
    if (waited == WAIT_ERROR) return SOCKET_FAILED;
  }
}
