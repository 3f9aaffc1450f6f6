/*
 * acesim's one native piece: IPv4 sockets with IP_TRANSPARENT set and bound to
 * an address this host does not own (the client's), so that upstream
 * connections and datagrams carry the client's source address. Node has no
 * setsockopt; this returns the file descriptor and Node adopts it
 * (net.Socket({ fd }) for TCP, dgram bind({ fd }) for UDP).
 * Invariants: the fd is non-blocking and close-on-exec; on any failure the fd
 * is closed and a JS Error is thrown whose .code is the errno name (EPERM, …).
 * Needs CAP_NET_ADMIN (or root) for IP_TRANSPARENT; Linux only.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif

static const char *errno_code(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, const char *what, int e) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
  napi_throw_error(env, errno_code(e), msg);
  return NULL;
}

/* transparentSocket(kind: 'tcp'|'udp', address: string, port: number): fd */
static napi_value transparent_socket(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 3) {
    napi_throw_type_error(env, "EINVAL", "transparentSocket(kind, address, port)");
    return NULL;
  }
  char kind[8] = {0};
  char addr[64] = {0};
  size_t len = 0;
  uint32_t port = 0;
  if (napi_get_value_string_utf8(env, argv[0], kind, sizeof kind, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], addr, sizeof addr, &len) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || port > 65535) {
    napi_throw_type_error(env, "EINVAL", "transparentSocket(kind: 'tcp'|'udp', address: string, port: number)");
    return NULL;
  }
  int type;
  if (strcmp(kind, "tcp") == 0) type = SOCK_STREAM;
  else if (strcmp(kind, "udp") == 0) type = SOCK_DGRAM;
  else {
    napi_throw_type_error(env, "EINVAL", "kind must be 'tcp' or 'udp'");
    return NULL;
  }
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    napi_throw_type_error(env, "EINVAL", "address must be a dotted IPv4 address");
    return NULL;
  }
  int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int one = 1;
  if (setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof one) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "setsockopt(IP_TRANSPARENT)", e);
  }
#ifdef IP_BIND_ADDRESS_NO_PORT
  /* TCP: choose the source port at connect() by the full 4-tuple, not at bind() per address. */
  if (type == SOCK_STREAM && port == 0) setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    int e = errno;
    close(fd);
    return throw_errno(env, "bind", e);
  }
  napi_value out;
  napi_create_int32(env, fd, &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "transparentSocket", NAPI_AUTO_LENGTH, transparent_socket, NULL, &fn);
  napi_set_named_property(env, exports, "transparentSocket", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
