// Result<T>: a value or an error message, for parsers whose callers must be told
// precisely what was wrong (std::expected arrives only in C++23).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace tracechat {

struct Error {
  std::string message;
};

// E is the error type: Error (a message) unless a caller needs more, such as a
// protocol's error code.
template <typename T, typename E = Error>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const E& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, E> state_;
};

// Result<void>: success or an error message.
template <>
class [[nodiscard]] Result<void, Error> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace tracechat

// TRACECHAT_TRY(lhs, expr): evaluates expr (a Result); on error returns that error from the
// enclosing function, otherwise moves the value into lhs, which may be a declaration:
//
//   TRACECHAT_TRY(auto name, reader.required_string("name"));
//   TRACECHAT_TRY(frame.id, reader.required_string("id"));
//
// A macro because only a macro can return from its caller; the enclosing function must
// return a Result (or Error) that the error converts to. It expands to two statements and
// a declaration, so it stands only where a declaration may (not as an unbraced if-body).
#define TRACECHAT_TRY(lhs, expr) TRACECHAT_TRY_IMPL_(TRACECHAT_TRY_NAME_(tracechat_try_, __LINE__), lhs, expr)
#define TRACECHAT_TRY_NAME_(a, b) TRACECHAT_TRY_CONCAT_(a, b)
#define TRACECHAT_TRY_CONCAT_(a, b) a##b
#define TRACECHAT_TRY_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                        \
  if (!tmp) return tmp.error();             \
  lhs = std::move(*tmp)

// TRACECHAT_CHECK(expr): for a Result<void> (or any Result whose value is not needed):
// returns its error from the enclosing function.
#define TRACECHAT_CHECK(expr)                                \
  do {                                                       \
    if (auto tracechat_check_ = (expr); !tracechat_check_) { \
      return tracechat_check_.error();                       \
    }                                                        \
  } while (false)
