// Values: JSON scalars in, canonical text out (SEMANTICS section 7).
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "hindsight/fact.h"
#include "hindsight/value.h"
#include "util/utf8.h"

namespace hindsight {
namespace {

std::string Canonical(std::string_view json) {
  absl::StatusOr<Value> v = ParseValue(json);
  EXPECT_TRUE(v.ok()) << json << ": " << v.status();
  return v.ok() ? FormatValue(*v) : "<error>";
}

TEST(ValueTest, Types) {
  EXPECT_EQ(ParseValue("")->type(), Value::Type::kNone);
  EXPECT_EQ(ParseValue("\"x\"")->type(), Value::Type::kString);
  EXPECT_EQ(ParseValue("4")->type(), Value::Type::kInt64);
  EXPECT_EQ(ParseValue("4.0")->type(), Value::Type::kDouble);
  EXPECT_EQ(ParseValue("4e0")->type(), Value::Type::kDouble);
  EXPECT_EQ(ParseValue("true")->type(), Value::Type::kBool);
}

TEST(ValueTest, CanonicalNumbers) {
  EXPECT_EQ(Canonical("42"), "42");
  EXPECT_EQ(Canonical("-7"), "-7");
  EXPECT_EQ(Canonical("-0"), "0");
  EXPECT_EQ(Canonical("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(Canonical("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(Canonical("4.5"), "4.5");
  EXPECT_EQ(Canonical("100.0"), "100.0");
  EXPECT_EQ(Canonical("1E2"), "100.0");
  EXPECT_EQ(Canonical("1e16"), "1e+16");
  EXPECT_EQ(Canonical("1e15"), "1000000000000000.0");
  EXPECT_EQ(Canonical("1.5e-5"), "1.5e-05");
  EXPECT_EQ(Canonical("0.0001"), "0.0001");
  EXPECT_EQ(Canonical("0.00001"), "1e-05");
  EXPECT_EQ(Canonical("-0.0"), "-0.0");
  EXPECT_EQ(Canonical("1.5e300"), "1.5e+300");
  EXPECT_EQ(Canonical("0.1"), "0.1");
  EXPECT_EQ(Canonical("123456789.125"), "123456789.125");
  EXPECT_EQ(Canonical("1e-400"), "0.0");
  EXPECT_EQ(Canonical("2.5e-310"), "2.5e-310");
  EXPECT_EQ(Canonical("1.7976931348623157e308"), "1.7976931348623157e+308");
  EXPECT_EQ(Canonical("12345678901234567890.0"), "1.2345678901234567e+19");
}

TEST(ValueTest, CanonicalStrings) {
  EXPECT_EQ(Canonical(R"("severed")"), R"("severed")");
  EXPECT_EQ(Canonical(R"("a\"b\\c\/d")"), R"("a\"b\\c/d")");
  EXPECT_EQ(Canonical(R"("\u00e9\ud83d\ude00")"), "\"é😀\"");
  EXPECT_EQ(Canonical(R"("\b\f\n\r\t\u0001\u001f\u007f")"), "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
  EXPECT_EQ(Canonical(R"("\u0000")"), R"("\u0000")");
  EXPECT_EQ(Canonical("\"chargé d'affaires\""), "\"chargé d'affaires\"");
  EXPECT_EQ(Canonical(R"("")"), R"("")");
}

// AppendValue adds the canonical text after what is there, for every type
// (none adds nothing).
TEST(ValueTest, AppendValueAddsTheCanonicalText) {
  for (const char* text : {"", "true", "-42", "4.5", "1e+16", R"("a\"b\u0001c")", R"("")"}) {
    const absl::StatusOr<Value> v = ParseValue(text);
    ASSERT_TRUE(v.ok()) << text;
    std::string out = "row:";
    AppendValue(*v, &out);
    EXPECT_EQ(out, "row:" + FormatValue(*v)) << text;
  }
}

TEST(ValueTest, Rejects) {
  for (const char* bad : {"null", "NaN", "Infinity", "-Infinity", "True", "01", "+1", ".5", "5.", "1e", "1e+",
                          "-", "9223372036854775808", "-9223372036854775809", "1e400", "-1e400", " 1", "1 ",
                          "\"x", "\"x\"y\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
                          "\"\\ud800\\u0041\"", "\"a\tb\"", "\"\xff\"", "\"\xc0\xaf\"", "'x'", "[1]", "{}",
                          "0x10", "1_000"}) {
    EXPECT_FALSE(ParseValue(bad).ok()) << "accepted " << bad;
  }
}

TEST(ValueTest, ErrorsQuoteTheTextVisibly) {
  // What a terminal would act on, and bytes that are not UTF-8, are
  // quoted as escapes, never as themselves; other characters as they are.
  EXPECT_EQ(std::string(ParseValue(std::string("\"a\0\x1b[31m\x7f\xc2\x9b\xff\"\tü", 16)).status().message()),
            "invalid value '\"a\\x00\\x1B[31m\\x7F\\u009B\\xFF\"\\tü': unterminated string");
  EXPECT_EQ(internal::VisibleText("tab\there\r\nend\\x"), "tab\\there\\r\\nend\\x");
  // A long value is cut at a character, then shown.
  EXPECT_EQ(std::string(ParseValue(absl::StrCat("\"", std::string(48, 'a'), "\x01\xc3\xa9", std::string(20, 'b')))
                            .status()
                            .message()),
            absl::StrCat("invalid value '\"", std::string(48, 'a'), "\\x01...': unterminated string"));
}

TEST(ValueTest, EqualityIsByTypeAndCanonicalText) {
  EXPECT_EQ(*ParseValue("4.5"), *ParseValue("4.50"));
  EXPECT_EQ(*ParseValue("1E2"), *ParseValue("100.0"));
  EXPECT_FALSE(*ParseValue("4") == *ParseValue("4.0"));
  EXPECT_FALSE(*ParseValue("-0.0") == *ParseValue("0.0"));
  EXPECT_FALSE(*ParseValue("\"true\"") == *ParseValue("true"));
  EXPECT_EQ(Value::None(), *ParseValue(""));
}

TEST(NameTest, Validation) {
  EXPECT_TRUE(ValidateName("Syria").ok());
  EXPECT_TRUE(ValidateName("*").ok());
  EXPECT_TRUE(ValidateName(std::string(kMaxNameBytes, 'x')).ok());
  EXPECT_FALSE(ValidateName("").ok());
  EXPECT_FALSE(ValidateName(std::string(kMaxNameBytes + 1, 'x')).ok());
  EXPECT_FALSE(ValidateName(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateName("\xff").ok());
  EXPECT_FALSE(ValidateName("\xed\xa0\x80").ok());      // a surrogate
  EXPECT_FALSE(ValidateName("\xf4\x90\x80\x80").ok());  // past U+10FFFF
  EXPECT_FALSE(ValidateName("\xe2\x82").ok());          // truncated
  EXPECT_TRUE(ValidateName("エンティティ 🛰").ok());
}

}  // namespace
}  // namespace hindsight
