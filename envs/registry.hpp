// The table of environments: one row per task, with its experts. `imitate envs` prints it; every command's
// --env looks its name up here. Adding an environment is a new file defining an Env and its Experts, and
// one row in envs/registry.cpp.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.hpp"

namespace imitate {

struct ExpertEntry {
    std::string name;   // --expert NAME
    std::string about;  // one line: what it does, how well (measured)
    std::function<std::unique_ptr<Expert>()> make;
};

struct EnvEntry {
    std::string id;                         // --env ID
    std::function<std::unique_ptr<Env>()> make;  // the env with its default settings
    std::vector<ExpertEntry> experts;       // the first is the default demonstrator
};

// Every environment this build has (the MuJoCo ones only when built with MuJoCo), in display order.
const std::vector<EnvEntry>& env_table();

// The row for `id`. Throws std::invalid_argument("unknown environment 'x'; known: pendulum, ...").
const EnvEntry& find_env(const std::string& id);
// make() of find_env(id).
std::unique_ptr<Env> make_env(const std::string& id);
// The expert `name` of environment `env`. Throws std::invalid_argument("environment 'e' has no expert 'x';
// its experts: ...").
std::unique_ptr<Expert> make_expert(const std::string& env, const std::string& name);

}  // namespace imitate
