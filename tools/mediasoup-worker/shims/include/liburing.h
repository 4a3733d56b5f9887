/*
 * Cascade shim: liburing >= 2.4 APIs used by mediasoup, on top of Debian 12's
 * liburing 2.3. Includes the system <liburing.h> and, only if that one is
 * older than 2.4 (no IO_URING_VERSION_MAJOR), adds:
 *   - io_uring_major_version() / io_uring_minor_version()
 *   - io_uring_prep_sendto()   (same definition as liburing 2.4)
 *
 * The version numbers come from -DCASCADE_LIBURING_VERSION_MAJOR/MINOR, set
 * by the liburing subproject shim from pkg-config.
 *
 * Used only by ensure-worker.sh's local build (put on the include path with
 * -Dcpp_args=-I...).
 */
#ifndef CASCADE_MEDIASOUP_LIBURING_SHIM_H
#define CASCADE_MEDIASOUP_LIBURING_SHIM_H

#include_next <liburing.h>

#ifndef IO_URING_VERSION_MAJOR

#ifndef CASCADE_LIBURING_VERSION_MAJOR
#define CASCADE_LIBURING_VERSION_MAJOR 2
#endif
#ifndef CASCADE_LIBURING_VERSION_MINOR
#define CASCADE_LIBURING_VERSION_MINOR 3
#endif

#ifdef __cplusplus
extern "C" {
#endif

static inline int io_uring_major_version(void)
{
	return CASCADE_LIBURING_VERSION_MAJOR;
}

static inline int io_uring_minor_version(void)
{
	return CASCADE_LIBURING_VERSION_MINOR;
}

/* IORING_OP_SEND with a destination address (addr2/addr_len), exactly as in
 * liburing 2.4. Needs a kernel whose IORING_OP_SEND honours addr2 (Linux 6.x),
 * the same requirement mediasoup has with its bundled liburing. */
static inline void io_uring_prep_sendto(struct io_uring_sqe* sqe, int sockfd, const void* buf,
  size_t len, int flags, const struct sockaddr* addr, socklen_t addrlen)
{
	io_uring_prep_send(sqe, sockfd, buf, len, flags);
	io_uring_prep_send_set_addr(sqe, addr, (__u16)addrlen);
}

#ifdef __cplusplus
}
#endif

#endif /* !IO_URING_VERSION_MAJOR */

#endif /* CASCADE_MEDIASOUP_LIBURING_SHIM_H */
