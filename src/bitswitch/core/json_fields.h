// Typed fields of one JSON object, read with the messages every config reader gives: "FILE: missing field
// \"n_embd\"", "FILE: field \"n_embd\" must be an integer, got 7.5". A field that is absent or null leaves
// the default in place unless it is required.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace bitswitch::core {

class JsonFields {
  public:
    /// `object` must outlive this reader; `where` (the file) starts every message.
    JsonFields(const nlohmann::json& object, std::string where) : object_(object), where_(std::move(where)) {}

    void integer(const char* name, int64_t& out, bool required = false) const;
    void number(const char* name, double& out) const;
    void string(const char* name, std::string& out) const;

  private:
    /// The field's value, or nullptr when absent or null (InputError then if `required`).
    const nlohmann::json* find(const char* name, bool required) const;

    const nlohmann::json& object_;
    std::string where_;
};

}  // namespace bitswitch::core
