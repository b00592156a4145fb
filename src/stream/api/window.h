#pragma once

// Windows over event time: tumbling, hopping and session windows, the Windowed<K> key of their
// results, and where a timestamp falls.

#include "stream/api/record.h"
#include "stream/api/serde.h"

#include <chrono>
#include <string>
#include <vector>

namespace es::stream {

/// [start, end) in event time. Its last instant, end - 1, is when it fires.
struct TimeWindow {
    TimeMs start = 0;
    TimeMs end = 0;

    TimeMs max_timestamp() const { return end - 1; }
    bool operator==(const TimeWindow&) const = default;
};

/// The key of a windowed result: the record key and the window it was computed over.
template <class K>
struct Windowed {
    K key;
    TimeWindow window;

    bool operator==(const Windowed&) const = default;
};

/// The key's bytes, then start and end as big-endian int64 (Kafka Streams' windowed serde keeps
/// the key first too, so a consumer that only wants the key can read it by dropping 16 bytes).
template <HasSerde K>
struct Serde<Windowed<K>> {
    static void encode(const Windowed<K>& w, std::string& out) {
        Serde<K>::encode(w.key, out);
        serde_detail::append_be64(out, static_cast<uint64_t>(w.window.start));
        serde_detail::append_be64(out, static_cast<uint64_t>(w.window.end));
    }
    static Result<Windowed<K>> decode(std::string_view in) {
        if (in.size() < 16) return serde_detail::bad_size("windowed key", 16, in.size());
        ES_TRY(K key, Serde<K>::decode(in.substr(0, in.size() - 16)));
        auto start = static_cast<TimeMs>(serde_detail::read_be64(in.substr(in.size() - 16)));
        auto end = static_cast<TimeMs>(serde_detail::read_be64(in.substr(in.size() - 8)));
        return Windowed<K>{std::move(key), TimeWindow{start, end}};
    }
};

inline TimeMs to_ms(std::chrono::milliseconds d) { return d.count(); }

/// How records are grouped into windows, and how late a record may be.
struct WindowSpec {
    enum class Kind { tumbling, hopping, session };

    Kind kind = Kind::tumbling;
    TimeMs size = 0;     // tumbling and hopping
    TimeMs advance = 0;  // hopping (equals size for tumbling)
    TimeMs gap = 0;      // session: records closer than this share a session
    /// How long after a window fired records may still update it (each update is emitted
    /// again); later records go to the late output.
    TimeMs allowed_lateness = 0;

    WindowSpec& with_allowed_lateness(std::chrono::milliseconds lateness) {
        allowed_lateness = to_ms(lateness);
        return *this;
    }

    /// The windows `ts` belongs to, oldest first (tumbling and hopping only).
    std::vector<TimeWindow> windows_for(TimeMs ts) const;
    std::string describe() const;
};

struct TumblingWindows {
    static WindowSpec of(std::chrono::milliseconds size) {
        return {WindowSpec::Kind::tumbling, to_ms(size), to_ms(size), 0, 0};
    }
};

struct HoppingWindows {
    static WindowSpec of(std::chrono::milliseconds size, std::chrono::milliseconds advance) {
        return {WindowSpec::Kind::hopping, to_ms(size), to_ms(advance), 0, 0};
    }
};

struct SessionWindows {
    static WindowSpec with_gap(std::chrono::milliseconds gap) {
        return {WindowSpec::Kind::session, 0, 0, to_ms(gap), 0};
    }
};

}  // namespace es::stream
