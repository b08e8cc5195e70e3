// Fact values (SEMANTICS section 2 and 7).
#ifndef HINDSIGHT_VALUE_H_
#define HINDSIGHT_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "absl/status/statusor.h"

namespace hindsight {

// One of: none (the relation simply holds), string, int64, double, bool.
// A value type: cheap to copy for the scalar kinds, compared by type and
// canonical text (so -0.0 != 0.0, and 4 != 4.0).
class Value {
 public:
  enum class Type { kNone = 0, kString = 1, kInt64 = 2, kDouble = 3, kBool = 4 };

  Value() = default;  // none
  static Value None() { return Value(); }
  static Value String(std::string s) { return Value(std::move(s)); }
  static Value Int64(int64_t i) { return Value(i); }
  static Value Double(double d) { return Value(d); }
  static Value Bool(bool b) { return Value(b); }

  Type type() const { return static_cast<Type>(data_.index()); }
  bool is_none() const { return type() == Type::kNone; }
  // REQUIRES: type() is the matching type.
  const std::string& string_value() const { return std::get<std::string>(data_); }
  int64_t int64_value() const { return std::get<int64_t>(data_); }
  double double_value() const { return std::get<double>(data_); }
  bool bool_value() const { return std::get<bool>(data_); }

  // Equal iff same type and same canonical text.
  friend bool operator==(const Value& a, const Value& b);

 private:
  template <typename T>
  explicit Value(T v) : data_(std::move(v)) {}
  std::variant<std::monostate, std::string, int64_t, double, bool> data_;
};

// Parses the value field of the ops format: empty text is none; otherwise a
// JSON scalar (string, number, true, false). A number with a fraction or an
// exponent is a double, else an int64. InvalidArgument for JSON null, an
// out-of-range number, an invalid escape, a lone surrogate, invalid UTF-8,
// surrounding white space or anything that is not one JSON scalar.
absl::StatusOr<Value> ParseValue(std::string_view text);

// The canonical text: a JSON scalar with strings escaping only `"`, `\` and
// control characters, doubles in Python repr style (`4.5`, `100.0`,
// `1e+16`, `-0.0`); none is the empty string.
std::string FormatValue(const Value& value);
// Appends FormatValue(value) to `*out`, with no string of its own between.
void AppendValue(const Value& value, std::string* out);

// Python repr of a finite double: the shortest text that reads back exactly.
std::string FormatDouble(double d);

}  // namespace hindsight

#endif  // HINDSIGHT_VALUE_H_
