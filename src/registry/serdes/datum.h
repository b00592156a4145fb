#pragma once

// A decoded value of any of the three formats, in the spirit of Avro's GenericRecord: what the
// codecs produce when they read and take when they write, so that the code that maps a value to
// a C++ struct (stream/formats) is written once for Avro, JSON and Protobuf.
//
// The model is JSON's plus bytes: null, boolean, integer (Avro int and long, Protobuf's integer
// types), real (float, double), string (also Avro and Protobuf enum symbols), bytes (Avro bytes
// and fixed, Protobuf bytes), list, and record (Avro records and maps, Protobuf messages and
// maps, JSON objects) as fields in order. Avro unions read as their branch's value; a writer
// picks the branch that fits (see avro_codec.h).

#include "base/result.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace es::registry::serdes {

class Datum {
  public:
    enum class Kind : uint8_t { null, boolean, integer, real, string, bytes, list, record };
    using Field = std::pair<std::string, Datum>;

    Datum() = default;
    static Datum boolean(bool v);
    static Datum integer(int64_t v);
    static Datum real(double v);
    static Datum string(std::string v);
    static Datum bytes(std::string v);
    static Datum list(std::vector<Datum> items = {});
    static Datum record(std::vector<Field> fields = {});

    Kind kind() const { return kind_; }
    bool is_null() const { return kind_ == Kind::null; }
    bool as_boolean() const { return boolean_; }
    int64_t as_integer() const { return integer_; }
    double as_real() const { return real_; }
    /// The text of a string, or the bytes of bytes.
    const std::string& as_text() const { return text_; }
    const std::vector<Datum>& items() const { return items_; }
    std::vector<Datum>& items() { return items_; }
    const std::vector<Field>& fields() const { return fields_; }
    std::vector<Field>& fields() { return fields_; }

    /// The field `name` of a record (the last one when given twice), or nullptr.
    const Datum* field(std::string_view name) const;
    Datum& add(std::string name, Datum value);

    friend bool operator==(const Datum&, const Datum&) = default;

  private:
    Kind kind_ = Kind::null;
    bool boolean_ = false;
    int64_t integer_ = 0;
    double real_ = 0;
    std::string text_;
    std::vector<Datum> items_;
    std::vector<Field> fields_;
};

/// "null", "boolean", "integer", "real", "string", "bytes", "list", "record".
std::string_view to_string(Datum::Kind kind);

/// A JSON document as a Datum: objects are records, integers that fit int64 are integers, other
/// numbers reals. Errc::bad_data on text that is not JSON or is nested deeper than 64 levels.
Result<Datum> datum_from_json(std::string_view json);
/// The Datum as JSON text (bytes as a string of code points 0-255, as Avro's JSON encoding).
std::string datum_to_json(const Datum& datum);

}  // namespace es::registry::serdes
