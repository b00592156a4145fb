#pragma once

// The standard Nexmark event generator model (as in Apache Beam's and Flink's nexmark
// GeneratorConfig), deterministic for a seed. Pure: no I/O and no wall clock; `edgestream gen
// nexmark` and the benchmarks pace and send what it returns.
//
// Event n (0, 1, 2, ...) is made from its own random stream, seeded by (seed, event id), so any
// event can be made without the ones before it and the sequence does not depend on how it is
// split. The model:
//   - kinds by id: of every 50 ids (person:auction:bid = 1:3:46), the first is a person, the
//     next three auctions, the rest bids; person and auction ids count up from 1000;
//   - time: event n is at base_time_ms + n / events_per_second seconds;
//   - out of order: events are permuted within groups of out_of_order_group_size (id and time
//     move together), so an event is at most (group size - 1) inter-event delays behind one
//     emitted before it (max_out_of_orderness_ms());
//   - sellers and bidders are among the last num_active_people people (and up to 10 not yet
//     created); auctions bid on are among the last num_in_flight_auctions (and up to 10 ahead);
//   - hot items: 1 - 1/hot_auction_ratio of bids go to the latest auction whose id is a
//     multiple of 100 (base 0), 1 - 1/hot_bidders_ratio are by the latest person whose id is
//     a multiple of 100 plus one, and 1 - 1/hot_sellers_ratio of auctions are opened by a
//     multiple of 100;
//   - prices are 10^(6u) * 100 cents for u uniform in [0, 1) (1 to 1,000,000 dollars, log-
//     uniform); an auction's reserve is its initial bid plus such a price; it expires after a
//     uniform time of up to twice the time in which num_in_flight_auctions more auctions open;
//   - categories 10..14; people in six states and ten cities; half the bids come through one
//     of four hot channels, the rest through "channel-<n>" (n < 10000) whose URL carries
//     `&channel_id=`; `extra` pads each kind to its average size in bytes.
//
// Reproducibility: the random streams are xoshiro256** seeded with splitmix64 and all draws are
// written here (std::*_distribution differ between standard libraries). Prices use std::pow,
// which glibc computes to well within the rounding of the final cents.

#include "base/result.h"
#include "stream/nexmark/model.h"

#include <cstdint>
#include <string>

namespace es::stream::nexmark {

struct GeneratorOptions {
    uint64_t seed = 1;
    /// Event time of event 0: 2026-01-01T00:00:00Z.
    int64_t base_time_ms = 1'767'225'600'000;
    /// Events per second of event time.
    double events_per_second = 10'000;
    /// Events to make; 0: no end.
    uint64_t max_events = 0;
    int person_proportion = 1;
    int auction_proportion = 3;
    int bid_proportion = 46;
    int hot_auction_ratio = 2;
    int hot_sellers_ratio = 4;
    int hot_bidders_ratio = 4;
    int num_in_flight_auctions = 100;
    int num_active_people = 1000;
    /// 1: in order. Must not be a multiple of 953 (the permutation's multiplier).
    int out_of_order_group_size = 1;
    int avg_person_byte_size = 200;
    int avg_auction_byte_size = 500;
    int avg_bid_byte_size = 100;
};

/// invalid_argument naming the option, for options the model cannot honour.
Status validate(const GeneratorOptions& options);

/// How far behind an event emitted before it an event can be: the bound a query's source needs
/// as its max out-of-orderness for no event to be late.
int64_t max_out_of_orderness_ms(const GeneratorOptions& options);

/// One record for the input topic.
struct GeneratedRecord {
    Event event;
    std::string topic;      // "nexmark-events" unless the generator was given another
    std::string key;        // the person's or auction's id, or a bid's auction id, in decimal
    std::string json;       // the record value (the tagged JSON event)
    int64_t timestamp = 0;  // the event time: the record timestamp to send
};

/// Not thread-safe. Options must pass validate() (asserted).
class Generator {
  public:
    explicit Generator(GeneratorOptions options, std::string topic = "nexmark-events");

    /// False once max_events events were made.
    bool has_next() const;
    /// The next event alone (no JSON made): the in-process source.
    Event next_event();
    /// The next event as a record for the topic.
    GeneratedRecord next();

    /// Event number `n`, whatever was made before: the generator is a function of n.
    Event event_at(uint64_t n) const;
    uint64_t events_made() const { return count_; }
    const GeneratorOptions& options() const { return options_; }

  private:
    GeneratorOptions options_;
    std::string topic_;
    uint64_t count_ = 0;
};

}  // namespace es::stream::nexmark
