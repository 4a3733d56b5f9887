/*
 * Cascade shim: libsrtp 3.x API on top of Debian's libsrtp2 (2.5).
 *
 * mediasoup >= 3.16 includes <srtp.h> and uses the libsrtp 3 API:
 *   - srtp_protect / srtp_protect_rtcp(ctx, in, in_len, out, &out_len, mki_index)
 *   - srtp_unprotect / srtp_unprotect_rtcp(ctx, in, in_len, out, &out_len)
 *     (size_t lengths, separate input and output buffers; *out_len is the
 *     output buffer capacity on input and the result length on output)
 *   - srtp_stream_remove(session, ssrc)   (2.x: srtp_remove_stream)
 *   - srtp_err_status_buffer_small (28) and srtp_err_status_cryptex_err (29)
 *   - (mediasoup >= 3.2x) the opaque policy API: srtp_policy_t is a pointer made by
 *     srtp_policy_create() and filled by srtp_policy_set_ssrc/_set_profile/_add_key/
 *     _set_allow_repeat_tx/_set_window_size, then srtp_create(&session, policy). libsrtp2's
 *     own struct named srtp_policy_t is renamed cascade_srtp2_policy_t while its header is
 *     included (only a C type name: no symbol changes), and the shim's policy wraps it.
 *
 * libsrtp2 works in place on a single buffer with int lengths, so each
 * overload copies the input into the output buffer (if they differ) and then
 * calls the 2.x function on the output buffer. The overloads have different
 * arity from the C functions, so C++ overload resolution picks them.
 *
 * Used only by ensure-worker.sh's local build (put on the include path with
 * -Dcpp_args=-I...). Not needed with mediasoup's bundled libsrtp3.
 */
#ifndef CASCADE_MEDIASOUP_SRTP3_SHIM_H
#define CASCADE_MEDIASOUP_SRTP3_SHIM_H

#define srtp_policy_t cascade_srtp2_policy_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

#ifdef __cplusplus

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#ifndef SRTP_MAX_TRAILER_LEN
#error "cascade srtp.h shim: <srtp2/srtp.h> did not define SRTP_MAX_TRAILER_LEN"
#endif

/* Error codes added in libsrtp 3 (values as in libsrtp 3's srtp.h). */
static constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
static constexpr srtp_err_status_t srtp_err_status_cryptex_err  = static_cast<srtp_err_status_t>(29);

namespace cascade_srtp3_shim
{
	/* Copy |in| into |out| (if they differ) and check sizes for an in-place
	 * 2.x call that may grow the packet by |growth| bytes. */
	static inline srtp_err_status_t Prepare(
	  const uint8_t* in, size_t inLen, uint8_t* out, const size_t* outLen, size_t growth, int* intLen)
	{
		if (in == nullptr || out == nullptr || outLen == nullptr)
		{
			return srtp_err_status_bad_param;
		}

		if (inLen > static_cast<size_t>(INT_MAX) - growth)
		{
			return srtp_err_status_bad_param;
		}

		if (*outLen < inLen + growth)
		{
			return srtp_err_status_buffer_small;
		}

		if (out != in)
		{
			std::memmove(out, in, inLen);
		}

		*intLen = static_cast<int>(inLen);

		return srtp_err_status_ok;
	}
} // namespace cascade_srtp3_shim

static inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index)
{
	int len{ 0 };
	/* mediasoup never uses MKIs, so the packet grows by the auth tag at most, not by
	 * SRTP_MAX_TRAILER_LEN (tag + 128-byte MKI): demanding that much room would drop every
	 * packet over ~1356 bytes that mediasoup encrypts into its 1500-byte buffers. */
	srtp_err_status_t err = cascade_srtp3_shim::Prepare(
	  rtp, rtp_len, srtp, srtp_len, static_cast<size_t>(SRTP_MAX_TAG_LEN), &len);

	if (err != srtp_err_status_ok)
	{
		return err;
	}

	/* use_mki = 0: mediasoup never configures MKIs (mki_index is always 0). */
	err = srtp_protect_mki(ctx, srtp, &len, 0u, static_cast<unsigned int>(mki_index));

	if (err == srtp_err_status_ok)
	{
		*srtp_len = static_cast<size_t>(len);
	}

	return err;
}

static inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	int len{ 0 };
	srtp_err_status_t err = cascade_srtp3_shim::Prepare(srtp, srtp_len, rtp, rtp_len, 0u, &len);

	if (err != srtp_err_status_ok)
	{
		return err;
	}

	err = srtp_unprotect(ctx, rtp, &len);

	if (err == srtp_err_status_ok)
	{
		*rtp_len = static_cast<size_t>(len);
	}

	return err;
}

static inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index)
{
	int len{ 0 };
	/* SRTCP adds the trailer plus the 4-byte E-flag/SRTCP index. */
	srtp_err_status_t err = cascade_srtp3_shim::Prepare(
	  rtcp, rtcp_len, srtcp, srtcp_len, static_cast<size_t>(SRTP_MAX_TAG_LEN) + 4u, &len);

	if (err != srtp_err_status_ok)
	{
		return err;
	}

	err = srtp_protect_rtcp_mki(ctx, srtcp, &len, 0u, static_cast<unsigned int>(mki_index));

	if (err == srtp_err_status_ok)
	{
		*srtcp_len = static_cast<size_t>(len);
	}

	return err;
}

static inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	int len{ 0 };
	srtp_err_status_t err = cascade_srtp3_shim::Prepare(srtcp, srtcp_len, rtcp, rtcp_len, 0u, &len);

	if (err != srtp_err_status_ok)
	{
		return err;
	}

	err = srtp_unprotect_rtcp(ctx, rtcp, &len);

	if (err == srtp_err_status_ok)
	{
		*rtcp_len = static_cast<size_t>(len);
	}

	return err;
}

/* libsrtp 3 renamed srtp_remove_stream() to srtp_stream_remove(). Both take
 * the SSRC in network byte order. */
static inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, static_cast<unsigned int>(ssrc));
}

/* The libsrtp 3 policy API, on libsrtp2's policy struct. */
struct cascade_srtp3_policy
{
	cascade_srtp2_policy_t policy;
	unsigned char key[SRTP_MAX_KEY_LEN];
};

typedef cascade_srtp3_policy* srtp_policy_t;

static inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	*policy = new (std::nothrow) cascade_srtp3_policy{};

	return *policy != nullptr ? srtp_err_status_ok : srtp_err_status_alloc_fail;
}

static inline void srtp_policy_destroy(srtp_policy_t policy)
{
	delete policy;
}

static inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	policy->policy.ssrc = ssrc;

	return srtp_err_status_ok;
}

static inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->policy.rtp, profile);

	if (err != srtp_err_status_ok)
	{
		return err;
	}

	return srtp_crypto_policy_set_from_profile_for_rtcp(&policy->policy.rtcp, profile);
}

/* libsrtp2 takes the master key and salt as one buffer: they are copied side by side. MKIs
 * (which mediasoup never uses) are refused. */
static inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t key_len,
  const uint8_t* salt,
  size_t salt_len,
  const uint8_t* mki,
  size_t mki_len)
{
	if (policy == nullptr || key == nullptr || salt == nullptr || mki != nullptr || mki_len != 0)
	{
		return srtp_err_status_bad_param;
	}

	if (key_len + salt_len > sizeof(policy->key))
	{
		return srtp_err_status_bad_param;
	}

	std::memcpy(policy->key, key, key_len);
	std::memcpy(policy->key + key_len, salt, salt_len);
	policy->policy.key = policy->key;

	return srtp_err_status_ok;
}

static inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	policy->policy.allow_repeat_tx = allow ? 1 : 0;

	return srtp_err_status_ok;
}

static inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t window_size)
{
	if (policy == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	policy->policy.window_size = static_cast<unsigned long>(window_size);

	return srtp_err_status_ok;
}

static inline srtp_err_status_t srtp_create(srtp_t* session, srtp_policy_t policy)
{
	if (policy == nullptr || policy->policy.key == nullptr)
	{
		return srtp_err_status_bad_param;
	}

	const cascade_srtp2_policy_t* policy2 = &policy->policy;

	return srtp_create(session, policy2);
}

#endif /* __cplusplus */

#endif /* CASCADE_MEDIASOUP_SRTP3_SHIM_H */
