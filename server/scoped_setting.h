// A session's setting as PostgreSQL scopes one (statement_timeout,
// application_name): SET for the rest of the session, undone if the
// transaction block it was made in rolls back; SET LOCAL until the block
// ends; RESET back to its default.
#ifndef HINDSIGHT_SERVER_SCOPED_SETTING_H_
#define HINDSIGHT_SERVER_SCOPED_SETTING_H_

#include <optional>
#include <utility>

namespace hindsight::server {

template <typename T>
class ScopedSetting {
 public:
  ScopedSetting() = default;
  // `start`: the session's value as it starts (the server's, or the
  // client's start-up option), what RESET goes back to.
  explicit ScopedSetting(T start) : default_(start), session_(std::move(start)) {}

  // The value in effect: SET LOCAL's, else the session's.
  const T& value() const { return local_ ? *local_ : session_; }
  const T& default_value() const { return default_; }

  // SET (`in_block`: inside a transaction block, which may roll it back).
  void Set(T value, bool in_block) {
    if (in_block && !before_block_) before_block_ = session_;
    session_ = std::move(value);
    local_.reset();
  }
  // SET LOCAL, inside a transaction block.
  void SetLocal(T value) { local_ = std::move(value); }
  // What a savepoint keeps of the setting, and rolling back to it puts
  // back.
  struct Saved {
    T session;
    std::optional<T> local;
    std::optional<T> before_block;
  };
  Saved Save() const { return {session_, local_, before_block_}; }
  void Restore(Saved saved) {
    session_ = std::move(saved.session);
    local_ = std::move(saved.local);
    before_block_ = std::move(saved.before_block);
  }
  // A transaction block ended.
  void EndBlock(bool committed) {
    if (!committed && before_block_) session_ = *std::move(before_block_);
    before_block_.reset();
    local_.reset();
  }

 private:
  T default_{};
  T session_{};
  std::optional<T> local_;         // SET LOCAL's, until the block ends
  std::optional<T> before_block_;  // the session's before a SET in this block
};

}  // namespace hindsight::server

#endif  // HINDSIGHT_SERVER_SCOPED_SETTING_H_
