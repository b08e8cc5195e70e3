// The name dictionary knows which ids compare as their names do: the run
// that queries sort by id instead of by name.
#include "gtest/gtest.h"
#include "storage/name_dictionary.h"

namespace hindsight::internal {
namespace {

size_t OrderedIds(const NameDictionary& names) {
  return names.WithTable([](const NameDictionary::Table& t) { return t.ordered_ids; });
}

NameId Intern(NameDictionary& names, std::string_view name) {
  bool added = false;
  return names.Intern(name, &added);
}

TEST(NameDictionaryTest, NamesInternedInOrderStayInTheRun) {
  NameDictionary names;
  Intern(names, "apple");
  Intern(names, "banana");
  EXPECT_EQ(OrderedIds(names), 2u);
  Intern(names, "apple");  // known: nothing changes
  EXPECT_EQ(OrderedIds(names), 2u);
  Intern(names, "aardvark");  // sorts first: the run ends before it
  Intern(names, "zebra");
  EXPECT_EQ(OrderedIds(names), 2u);
  EXPECT_EQ(names.size(), 4u);
}

TEST(NameDictionaryTest, FindKeyHasIdsOnlyWhenAllThreeNamesAre) {
  NameDictionary names;
  const NameId a = Intern(names, "Ukraine"), p = Intern(names, "ties"), o = Intern(names, "Syria");
  const std::optional<KeyIds> ids = names.FindKey({"Ukraine", "ties", "Syria"});
  ASSERT_TRUE(ids.has_value());
  EXPECT_EQ(ids->subject, a);
  EXPECT_EQ(ids->predicate, p);
  EXPECT_EQ(ids->object, o);
  EXPECT_FALSE(names.FindKey({"Ukraine", "ties", "Chile"}).has_value());
  EXPECT_FALSE(names.FindKey({"Ukraine", "trade", "Syria"}).has_value());
  EXPECT_FALSE(names.FindKey({"Chile", "ties", "Syria"}).has_value());
  const FactKey key = names.KeyOf(*ids);  // the inverse
  EXPECT_EQ(key.subject, "Ukraine");
  EXPECT_EQ(key.predicate, "ties");
  EXPECT_EQ(key.object, "Syria");
  names.Remove(o);
  EXPECT_FALSE(names.FindKey({"Ukraine", "ties", "Syria"}).has_value());
}

TEST(NameDictionaryTest, LoadingFindsTheRunAndSkipsRemovedIds) {
  NameDictionary names;
  // Loaded in any order; id 2's name was removed (no entry on disk).
  names.Load("delta", 3);
  names.Load("alpha", 0);
  names.Load("bravo", 1);
  names.Load("charlie", 4);
  names.FinishLoading(6);
  EXPECT_EQ(names.size(), 6u);
  EXPECT_EQ(OrderedIds(names), 3u + 1u);  // 0, 1, (2 removed), 3; "charlie" after "delta" ends it
  NameDictionary sorted;
  sorted.Load("a", 0);
  sorted.Load("b", 1);
  sorted.FinishLoading(2);
  EXPECT_EQ(OrderedIds(sorted), 2u);
  Intern(sorted, "c");  // after them all: the run grows
  EXPECT_EQ(OrderedIds(sorted), 3u);
}

TEST(NameDictionaryTest, TruncateShortensTheRunAndItCanGrowAgain) {
  NameDictionary names;
  for (const char* n : {"a", "b", "c", "d"}) Intern(names, n);
  ASSERT_EQ(OrderedIds(names), 4u);
  names.Truncate(2);
  EXPECT_EQ(OrderedIds(names), 2u);
  Intern(names, "ab");  // after "a" but not after "b"
  EXPECT_EQ(OrderedIds(names), 2u);
  names.Truncate(2);
  Intern(names, "bb");  // after "b": the run grows from the truncated end
  EXPECT_EQ(OrderedIds(names), 3u);
}

}  // namespace
}  // namespace hindsight::internal
