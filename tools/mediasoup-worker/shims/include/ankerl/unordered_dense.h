/*
 * Cascade shim: the subset of ankerl::unordered_dense (martinus/unordered_dense, a
 * header-only hash map that mediasoup >= 3.2x includes and Debian 12 does not package)
 * that the mediasoup worker uses, on top of the standard library:
 *   - ankerl::unordered_dense::map<K, V, Hash, Eq>  -> std::unordered_map
 *   - ankerl::unordered_dense::set<K, Hash, Eq>     -> std::unordered_set
 *   - ankerl::unordered_dense::hash<T>              -> a 64-bit mixing hash for integers,
 *     enums and pointers (mediasoup combines these with HashCombine and marks its own
 *     hashers `is_avalanching`, so identity hashes would cluster), std::hash otherwise.
 *
 * What mediasoup uses (lookup, insert, emplace, erase(it) returning the next iterator,
 * iteration, contains, size) behaves the same; the real library is faster (its values
 * live in one dense vector). Written for Cascade; used only by
 * tools/mediasoup-worker/ensure-worker.sh's offline build.
 */
#ifndef CASCADE_ANKERL_UNORDERED_DENSE_SHIM_H
#define CASCADE_ANKERL_UNORDERED_DENSE_SHIM_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	namespace detail
	{
		// The splitmix64 finalizer: every input bit affects every output bit.
		constexpr std::uint64_t Mix(std::uint64_t x) noexcept
		{
			x ^= x >> 30;
			x *= 0xbf58476d1ce4e5b9ULL;
			x ^= x >> 27;
			x *= 0x94d049bb133111ebULL;
			x ^= x >> 31;

			return x;
		}
	} // namespace detail

	template<class T, class Enable = void>
	struct hash : std::hash<T>
	{
	};

	template<class T>
	struct hash<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>>
	{
		using is_avalanching = void;

		std::uint64_t operator()(const T& value) const noexcept
		{
			return detail::Mix(static_cast<std::uint64_t>(value));
		}
	};

	template<class T>
	struct hash<T*>
	{
		using is_avalanching = void;

		std::uint64_t operator()(T* value) const noexcept
		{
			return detail::Mix(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(value)));
		}
	};

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<class Key, class Hash = hash<Key>, class KeyEqual = std::equal_to<Key>, class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;
} // namespace ankerl::unordered_dense

#endif /* CASCADE_ANKERL_UNORDERED_DENSE_SHIM_H */
