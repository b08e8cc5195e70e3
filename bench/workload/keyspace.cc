#include "keyspace.h"

#include <algorithm>
#include <unordered_set>

namespace hindsight::workload {
namespace {

constexpr const char* kSyllables[] = {"ka", "lo", "mi", "ra", "ve", "to", "sa", "nu", "dor", "bel", "qua", "zen",
                                      "tir", "os", "an", "el", "gar", "vin", "mor", "sul", "pe", "da", "ri", "hal",
                                      "wen", "cor", "fa", "ju", "lis", "tam", "bru", "ny"};
constexpr uint32_t kSyllableCount = sizeof(kSyllables) / sizeof(kSyllables[0]);
static_assert(kSyllableCount == 32, "a syllable is five bits of an entity number");

constexpr const char* kRoles[] = {"", "", "", "", " Ministry", " Party", " Police", " (Government)", " Council",
                                  " Press Agency"};

// A few names in every workload that real data brings: accents, other
// scripts, an emoji, punctuation, and the bytes the ops format escapes.
constexpr const char* kDecorations[] = {" (Côte d'Ivoire)", " Россия", " مصر", " 東京", " 🌍", ", Jr.", "\\tTab",
                                        "\\\\Back", "\\nLine", " \"Quoted\""};

std::vector<Predicate> MakePredicates() {
  auto strings = [](std::initializer_list<const char*> words) {
    std::vector<std::string> out;
    for (const char* w : words) out.push_back(std::string("\"") + w + "\"");
    return out;
  };
  std::vector<Predicate> p = {
      {"diplomatic_relations", ValueKind::kString,
       strings({"normal", "severed", "talks", "restored", "downgraded", "chargé d'affaires", "under \\\"review\\\""})},
      {"alliance", ValueKind::kString, strings({"member", "partner", "observer", "suspended"})},
      {"trade_volume_musd", ValueKind::kInt, {}},
      {"tariff_rate_pct", ValueKind::kDouble, {}},
      {"visa_free_travel", ValueKind::kBool, {}},
      {"shares_border", ValueKind::kNone, {}},
      {"recognizes", ValueKind::kNone, {}},
      {"ambassador", ValueKind::kString, strings({"vacant", "appointed", "recalled", "expelled", "acting"})},
      {"sanctions", ValueKind::kString, strings({"none", "targeted", "sectoral", "comprehensive", "docket \\\\ 2024-17"})},
      {"aid_musd", ValueKind::kDouble, {}},
      {"troops_stationed", ValueKind::kInt, {}},
      {"leader", ValueKind::kString, strings({"incumbent", "interim", "elected", "deposed", "in exile"})},
      {"embassy", ValueKind::kString, strings({"open", "closed", "relocated", "evacuated"})},
      {"flights", ValueKind::kBool, {}},
      {"mediates_for", ValueKind::kNone, {}},
      {"stance", ValueKind::kString, strings({"supports", "opposes", "neutral", "abstains", "¿unclear?"})},
  };
  for (int i = 0; p.size() < 24; ++i) {
    p.push_back({"relation_" + std::to_string(17 + i), ValueKind::kString, strings({"low", "medium", "high", "unknown"})});
  }
  return p;
}

// 1% of entities are hubs that take 20% of the choices.
uint32_t PickEntity(uint32_t entities, Rng* rng) {
  const uint32_t hubs = std::max<uint32_t>(1, entities / 100);
  return rng->Percent(20) ? static_cast<uint32_t>(rng->Below(hubs)) : static_cast<uint32_t>(rng->Below(entities));
}

}  // namespace

Keyspace::Keyspace(uint64_t keys, uint64_t seed)
    : entity_count_(static_cast<uint32_t>(std::max<uint64_t>(20, keys / 5))), predicates_(MakePredicates()) {
  Rng rng = StreamFor(seed, 1, 0);
  std::unordered_set<uint64_t> pairs;
  pairs.reserve(keys / 2);
  keys_.reserve(keys);
  uint16_t chosen[8];
  while (keys_.size() < keys) {
    const uint32_t s = PickEntity(entity_count_, &rng);
    const uint32_t o = PickEntity(entity_count_, &rng);
    if (s == o || !pairs.insert(static_cast<uint64_t>(s) * entity_count_ + o).second) continue;
    // 60% of pairs carry one predicate, the rest 2 to 6.
    const int n = rng.Percent(60) ? 1 : static_cast<int>(rng.Between(2, 6));
    int have = 0;
    while (have < n) {
      const uint16_t p = static_cast<uint16_t>(rng.Below(predicates_.size()));
      if (std::find(chosen, chosen + have, p) == chosen + have) chosen[have++] = p;
    }
    for (int i = 0; i < n && keys_.size() < keys; ++i) keys_.push_back({s, o, chosen[i]});
  }
}

std::string Keyspace::EntityName(uint32_t e) const {
  // e scrambled by an odd multiplier modulo 32^digits (a bijection), then
  // written in base 32 with a syllable a digit: unique, and varied.
  int digits = 3;
  while (digits < 6 && (uint64_t{1} << (5 * digits)) < entity_count_) ++digits;
  const uint64_t mask = (uint64_t{1} << (5 * digits)) - 1;
  uint64_t scrambled = (e * uint64_t{0x9E3779B1}) & mask;
  std::string name;
  for (int i = 0; i < digits; ++i, scrambled >>= 5) name += kSyllables[scrambled % kSyllableCount];
  name[0] = static_cast<char>(name[0] - 'a' + 'A');
  Rng rng = StreamFor(0, 2, e);
  name += kRoles[rng.Below(sizeof(kRoles) / sizeof(kRoles[0]))];
  if (e % 499 == 7) name += kDecorations[(e / 499) % (sizeof(kDecorations) / sizeof(kDecorations[0]))];
  return name;
}

std::string Keyspace::MissingEntityName(uint64_t n) const { return "Nowhere " + std::to_string(n); }

std::string Keyspace::Value(uint16_t p, Rng* rng) const {
  const Predicate& pred = predicates_[p];
  switch (pred.kind) {
    case ValueKind::kNone:
      return "";
    case ValueKind::kString:
      return pred.words[rng->Below(pred.words.size())];
    case ValueKind::kInt:
      return std::to_string(rng->Between(-50, 250000));
    case ValueKind::kDouble: {  // quarters print the same in every canonical form
      const int64_t quarters = rng->Between(0, 40000);
      static constexpr const char* kFraction[] = {".0", ".25", ".5", ".75"};
      return std::to_string(quarters / 4) + kFraction[quarters % 4];
    }
    case ValueKind::kBool:
      return rng->Percent(50) ? "true" : "false";
  }
  return "";
}

}  // namespace hindsight::workload
